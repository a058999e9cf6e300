"""Applications (``lamina.applications``): ready-made image classification networks with
Keras's ImageNet weights, each in a module with its ``preprocess_input`` and
``decode_predictions``.

The models are built layer for layer as Keras builds them (same layer names and order),
so the weight files Keras publishes load unchanged. Shared pieces: ``imagenet_utils``
(preprocessing, decoding), ``_building`` (argument checks, input and output of every
model), ``_pretrained`` (download and load the weights).
"""

from lamina.applications import densenet
from lamina.applications import imagenet_utils
from lamina.applications import mobilenet
from lamina.applications import mobilenet_v2
from lamina.applications import resnet
from lamina.applications import resnet50
from lamina.applications import resnet_v2
from lamina.applications import vgg16
from lamina.applications import vgg19
from lamina.applications.densenet import DenseNet121
from lamina.applications.densenet import DenseNet169
from lamina.applications.densenet import DenseNet201
from lamina.applications.mobilenet import MobileNet
from lamina.applications.mobilenet_v2 import MobileNetV2
from lamina.applications.resnet import ResNet50
from lamina.applications.resnet import ResNet101
from lamina.applications.resnet import ResNet152
from lamina.applications.resnet_v2 import ResNet50V2
from lamina.applications.resnet_v2 import ResNet101V2
from lamina.applications.resnet_v2 import ResNet152V2
from lamina.applications.vgg16 import VGG16
from lamina.applications.vgg19 import VGG19

__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "MobileNet",
    "MobileNetV2",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "densenet",
    "imagenet_utils",
    "mobilenet",
    "mobilenet_v2",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
]

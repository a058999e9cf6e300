"""Applications (``lamina.applications``): ready-made image classification networks with
Keras's ImageNet weights, each in a module with its ``preprocess_input`` and
``decode_predictions``.

The models are built layer for layer as Keras builds them (same layer names and order),
so the weight files Keras publishes load unchanged. Shared pieces: ``imagenet_utils``
(preprocessing, decoding), ``_building`` (argument checks, input and output of every
model), ``_pretrained`` (download and load the weights).
"""

from lamina.applications import convnext
from lamina.applications import densenet
from lamina.applications import efficientnet
from lamina.applications import efficientnet_v2
from lamina.applications import imagenet_utils
from lamina.applications import inception_resnet_v2
from lamina.applications import inception_v3
from lamina.applications import mobilenet
from lamina.applications import mobilenet_v2
from lamina.applications import mobilenet_v3
from lamina.applications import nasnet
from lamina.applications import resnet
from lamina.applications import resnet50
from lamina.applications import resnet_v2
from lamina.applications import vgg16
from lamina.applications import vgg19
from lamina.applications import xception
from lamina.applications.convnext import ConvNeXtBase
from lamina.applications.convnext import ConvNeXtLarge
from lamina.applications.convnext import ConvNeXtSmall
from lamina.applications.convnext import ConvNeXtTiny
from lamina.applications.convnext import ConvNeXtXLarge
from lamina.applications.densenet import DenseNet121
from lamina.applications.densenet import DenseNet169
from lamina.applications.densenet import DenseNet201
from lamina.applications.efficientnet import EfficientNetB0
from lamina.applications.efficientnet import EfficientNetB1
from lamina.applications.efficientnet import EfficientNetB2
from lamina.applications.efficientnet import EfficientNetB3
from lamina.applications.efficientnet import EfficientNetB4
from lamina.applications.efficientnet import EfficientNetB5
from lamina.applications.efficientnet import EfficientNetB6
from lamina.applications.efficientnet import EfficientNetB7
from lamina.applications.efficientnet_v2 import EfficientNetV2B0
from lamina.applications.efficientnet_v2 import EfficientNetV2B1
from lamina.applications.efficientnet_v2 import EfficientNetV2B2
from lamina.applications.efficientnet_v2 import EfficientNetV2B3
from lamina.applications.efficientnet_v2 import EfficientNetV2L
from lamina.applications.efficientnet_v2 import EfficientNetV2M
from lamina.applications.efficientnet_v2 import EfficientNetV2S
from lamina.applications.inception_resnet_v2 import InceptionResNetV2
from lamina.applications.inception_v3 import InceptionV3
from lamina.applications.mobilenet import MobileNet
from lamina.applications.mobilenet_v2 import MobileNetV2
from lamina.applications.mobilenet_v3 import MobileNetV3Large
from lamina.applications.mobilenet_v3 import MobileNetV3Small
from lamina.applications.nasnet import NASNetLarge
from lamina.applications.nasnet import NASNetMobile
from lamina.applications.resnet import ResNet50
from lamina.applications.resnet import ResNet101
from lamina.applications.resnet import ResNet152
from lamina.applications.resnet_v2 import ResNet50V2
from lamina.applications.resnet_v2 import ResNet101V2
from lamina.applications.resnet_v2 import ResNet152V2
from lamina.applications.vgg16 import VGG16
from lamina.applications.vgg19 import VGG19
from lamina.applications.xception import Xception

__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "Xception",
    "convnext",
    "densenet",
    "efficientnet",
    "efficientnet_v2",
    "imagenet_utils",
    "inception_resnet_v2",
    "inception_v3",
    "mobilenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "nasnet",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
    "xception",
]

"""``keras.applications.resnet50``: ResNet50 with its preprocessing and decoding, under the
module name Keras 2 programs import. The definitions live in ``resnet``."""

from lamina.applications.resnet import ResNet50
from lamina.applications.resnet import decode_predictions
from lamina.applications.resnet import preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]

"""Saving and loading (``lamina.saving``): ``.keras`` and ``.weights.h5`` files, configs,
custom-object registration."""

from lamina.saving.keras_archive import load_model
from lamina.saving.keras_archive import save_model
from lamina.saving.registry import CustomObjectScope
from lamina.saving.registry import custom_object_scope
from lamina.saving.registry import get_custom_objects
from lamina.saving.registry import get_registered_name
from lamina.saving.registry import get_registered_object
from lamina.saving.registry import register_keras_serializable
from lamina.saving.registry import register_serializable
from lamina.saving.safe_loading import LoadingError
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object
from lamina.saving.weights_h5 import load_weights
from lamina.saving.weights_h5 import save_weights

__all__ = [
    "CustomObjectScope",
    "LoadingError",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "register_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]

"""Saving and loading (``lamina.saving``): custom-object registration for now."""

from lamina.saving.registry import CustomObjectScope
from lamina.saving.registry import custom_object_scope
from lamina.saving.registry import get_custom_objects
from lamina.saving.registry import get_registered_name
from lamina.saving.registry import get_registered_object
from lamina.saving.registry import register_keras_serializable

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
]

"""Models (``lamina.models``): ``Model``, ``Sequential`` and ``Functional``."""

from lamina.models.cloning import clone_model
from lamina.models.function import Function
from lamina.models.function import _register_functional
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.saving.keras_archive import load_model
from lamina.saving.keras_archive import model_from_json
from lamina.saving.keras_archive import save_model

_register_functional()

__all__ = [
    "Function",
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]

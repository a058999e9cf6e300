"""Models (``lamina.models``): ``Model``, ``Sequential`` and ``Functional``."""

from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]

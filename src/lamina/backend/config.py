"""Process-wide settings: which backend runs, floatx, epsilon, image_data_format.

They live in ``lamina._settings``, which imports no engine, so ``import lamina`` can check
the backend choice without importing torch or JAX; this module is their public home.
"""

from lamina._settings import backend
from lamina._settings import epsilon
from lamina._settings import floatx
from lamina._settings import image_data_format
from lamina._settings import set_epsilon
from lamina._settings import set_floatx
from lamina._settings import set_image_data_format
from lamina._settings import standardize_data_format

__all__ = [
    "backend",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_data_format",
]

"""The JAX backend: the only package (with the JAX trainer) that imports jax."""

from lamina.backend.jax import core
from lamina.backend.jax import export
from lamina.backend.jax import image
from lamina.backend.jax import layer
from lamina.backend.jax import linalg
from lamina.backend.jax import math
from lamina.backend.jax import nn
from lamina.backend.jax import numpy
from lamina.backend.jax import optimizers
from lamina.backend.jax import random
from lamina.backend.jax import rnn
from lamina.backend.jax.core import Variable
from lamina.backend.jax.core import cast
from lamina.backend.jax.core import cond
from lamina.backend.jax.core import convert_to_numpy
from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import dtype_of
from lamina.backend.jax.core import get_device
from lamina.backend.jax.core import is_tensor
from lamina.backend.jax.core import no_grad
from lamina.backend.jax.core import run_with_values
from lamina.backend.jax.core import shape
from lamina.backend.jax.core import stop_gradient
from lamina.backend.jax.core import take_rows
from lamina.backend.jax.core import value_and_grad
from lamina.backend.jax.layer import LayerBase

__all__ = [
    "LayerBase",
    "Variable",
    "cast",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
    "core",
    "dtype_of",
    "export",
    "get_device",
    "image",
    "is_tensor",
    "layer",
    "linalg",
    "math",
    "nn",
    "no_grad",
    "numpy",
    "optimizers",
    "random",
    "rnn",
    "shape",
    "stop_gradient",
    "take_rows",
    "run_with_values",
    "value_and_grad",
]

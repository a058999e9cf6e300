"""The PyTorch backend: the only package (with the torch trainer) that imports torch."""

from lamina.backend.torch import core
from lamina.backend.torch import export
from lamina.backend.torch import image
from lamina.backend.torch import layer
from lamina.backend.torch import linalg
from lamina.backend.torch import math
from lamina.backend.torch import nn
from lamina.backend.torch import numpy
from lamina.backend.torch import optimizers
from lamina.backend.torch import random
from lamina.backend.torch import rnn
from lamina.backend.torch.core import Variable
from lamina.backend.torch.core import cast
from lamina.backend.torch.core import cond
from lamina.backend.torch.core import convert_to_numpy
from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import dtype_of
from lamina.backend.torch.core import get_device
from lamina.backend.torch.core import is_tensor
from lamina.backend.torch.core import no_grad
from lamina.backend.torch.core import shape
from lamina.backend.torch.core import stop_gradient
from lamina.backend.torch.core import take_rows
from lamina.backend.torch.core import value_and_grad
from lamina.backend.torch.layer import LayerBase

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
    "value_and_grad",
]

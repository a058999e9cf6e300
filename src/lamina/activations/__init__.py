"""Activation functions (``lamina.activations``) and ``get`` by name."""

from lamina.activations.activations import celu
from lamina.activations.activations import elu
from lamina.activations.activations import exponential
from lamina.activations.activations import gelu
from lamina.activations.activations import glu
from lamina.activations.activations import hard_shrink
from lamina.activations.activations import hard_sigmoid
from lamina.activations.activations import hard_silu
from lamina.activations.activations import hard_swish
from lamina.activations.activations import hard_tanh
from lamina.activations.activations import leaky_relu
from lamina.activations.activations import linear
from lamina.activations.activations import log_sigmoid
from lamina.activations.activations import log_softmax
from lamina.activations.activations import mish
from lamina.activations.activations import relu
from lamina.activations.activations import relu6
from lamina.activations.activations import selu
from lamina.activations.activations import sigmoid
from lamina.activations.activations import silu
from lamina.activations.activations import soft_shrink
from lamina.activations.activations import softmax
from lamina.activations.activations import softplus
from lamina.activations.activations import softsign
from lamina.activations.activations import sparse_plus
from lamina.activations.activations import sparse_sigmoid
from lamina.activations.activations import sparsemax
from lamina.activations.activations import squareplus
from lamina.activations.activations import swish
from lamina.activations.activations import tanh
from lamina.activations.activations import tanh_shrink
from lamina.activations.activations import threshold
from lamina.saving.registry import make_getter

ALL_OBJECTS = {
    fn.__name__: fn
    for fn in (celu, elu, exponential, gelu, glu, hard_shrink, hard_sigmoid, hard_silu,
               hard_tanh, leaky_relu, linear, log_sigmoid, log_softmax, mish, relu, relu6,
               selu, sigmoid, silu, soft_shrink, softmax, softplus, softsign, sparse_plus,
               sparse_sigmoid, sparsemax, squareplus, tanh, tanh_shrink, threshold)
}
ALIASES = {"swish": silu, "hard_swish": hard_silu}

_get, serialize, deserialize = make_getter(
    "activation", ALL_OBJECTS, ALIASES, instantiate=False, module_path="keras.activations"
)


def get(identifier):
    """The activation function for a name, a callable, or None (meaning ``linear``).

    Example:
        >>> lamina.activations.get("relu") is lamina.activations.relu
        True
    """
    if identifier is None:
        return linear
    return _get(identifier)


__all__ = [
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]

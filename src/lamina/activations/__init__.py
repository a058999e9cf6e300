"""Activation functions (``lamina.activations``) and ``get`` by name."""

from lamina.activations.activations import elu
from lamina.activations.activations import exponential
from lamina.activations.activations import gelu
from lamina.activations.activations import hard_sigmoid
from lamina.activations.activations import hard_silu
from lamina.activations.activations import hard_swish
from lamina.activations.activations import leaky_relu
from lamina.activations.activations import linear
from lamina.activations.activations import log_softmax
from lamina.activations.activations import mish
from lamina.activations.activations import relu
from lamina.activations.activations import relu6
from lamina.activations.activations import selu
from lamina.activations.activations import sigmoid
from lamina.activations.activations import silu
from lamina.activations.activations import softmax
from lamina.activations.activations import softplus
from lamina.activations.activations import softsign
from lamina.activations.activations import swish
from lamina.activations.activations import tanh
from lamina.saving.registry import make_getter

ALL_OBJECTS = {
    fn.__name__: fn
    for fn in (elu, exponential, gelu, hard_sigmoid, hard_silu, leaky_relu, linear,
               log_softmax, mish, relu, relu6, selu, sigmoid, silu, softmax, softplus,
               softsign, tanh)
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
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

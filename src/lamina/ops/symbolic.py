"""Ops on symbolic tensors: ``ops.add(keras_tensor, 1)`` in Functional-model code.

``dispatch`` wraps an op so that, when an argument is a ``KerasTensor``, the call is
recorded as a layer node of the Functional graph (with its output shape inferred by running
the op on placeholders) instead of computed. With real tensors it just calls the op.
"""

import functools

from lamina.backend import KerasTensor

_SYMBOLIC_OR_SEQUENCE = (KerasTensor, list, tuple)


def _holds_symbolic(values):
    # One isinstance per argument in the common case (tensors, numbers): every op call in
    # every layer passes here. (No per-class cache: torch.compile traces this function.)
    for value in values:
        if isinstance(value, _SYMBOLIC_OR_SEQUENCE):
            if isinstance(value, KerasTensor):
                return True
            if any(isinstance(v, KerasTensor) for v in value):
                return True
    return False


def dispatch(op):
    """Let ``op`` take KerasTensors, recording a graph node for them."""

    @functools.wraps(op)
    def wrapper(*args, **kwargs):
        if _holds_symbolic(args) or (kwargs and _holds_symbolic(kwargs.values())):
            from lamina.layers.core.lambda_layer import OpLayer

            return OpLayer(op)(*args, **kwargs)
        return op(*args, **kwargs)

    return wrapper

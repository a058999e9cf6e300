"""The ``Initializer`` base class and the constant initializers."""

import numpy as np

from lamina import backend
from lamina import ops


class Initializer:
    """Makes the initial value of a weight: ``initializer(shape, dtype) -> tensor``.

    Subclasses implement ``__call__`` and ``get_config``.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement __call__")

    def get_config(self):
        """The constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Make an initializer from :meth:`get_config`'s output."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())


class Constant(Initializer):
    """Fills the weight with ``value``.

    Args:
        value: a number (or an array broadcastable to the shape).

    Example:
        >>> lamina.initializers.Constant(3.0)((2,))  # [3., 3.]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        if isinstance(self.value, (int, float)) and not isinstance(self.value, bool):
            return _filled(shape, dtype, self.value)
        dtype = backend.standardize_dtype(dtype)
        return ops.broadcast_to(ops.convert_to_tensor(self.value, dtype=dtype), shape)

    def get_config(self):
        return {"value": self.value}


class Zeros(Initializer):
    """Fills the weight with zeros."""

    def __call__(self, shape, dtype=None):
        return _filled(shape, dtype, 0)


class Ones(Initializer):
    """Fills the weight with ones."""

    def __call__(self, shape, dtype=None):
        return _filled(shape, dtype, 1)


class Identity(Initializer):
    """A 2-D identity matrix (ones on the diagonal) times ``gain``.

    Args:
        gain: the multiplier.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer works only for 2-D shapes, got shape={tuple(shape)}."
            )
        dtype = backend.standardize_dtype(dtype)
        return ops.multiply(ops.eye(shape[0], shape[1], dtype=dtype), self.gain)

    def get_config(self):
        return {"gain": self.gain}


def _filled(shape, dtype, value):
    """A tensor of ``shape`` filled with ``value``, made on the host: on JAX, ``jnp.zeros``
    outside a compiled function compiles a small program per shape (tens of ms each, for
    every optimizer slot of a new shape)."""
    dtype = backend.standardize_dtype(dtype)
    host_dtype = "float32" if dtype == "bfloat16" else dtype
    return ops.convert_to_tensor(np.full(tuple(shape), value, dtype=host_dtype), dtype=dtype)

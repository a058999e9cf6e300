"""Weight constraints, applied to a weight after each optimizer step."""

from lamina import backend
from lamina import ops


class Constraint:
    """A callable ``constraint(weight) -> projected weight``; subclasses define ``__call__``."""

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Make a constraint from :meth:`get_config`'s output."""
        return cls(**config)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales each slice along ``axis`` whose L2 norm exceeds ``max_value``.

    Args:
        max_value: the largest norm allowed (2 by default).
        axis: the axis (or axes) the norm is taken over; 0 for a Dense kernel means each
            unit's incoming weights.

    Example:
        >>> lamina.layers.Dense(3, kernel_constraint=lamina.constraints.MaxNorm(2.0))
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(backend.epsilon(), norms)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps each slice's L2 norm in ``[min_value, max_value]``, moving it by ``rate``.

    Args:
        min_value: smallest norm. max_value: largest norm.
        rate: 1.0 projects fully; smaller values move part of the way.
        axis: the axis (or axes) the norm is taken over.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, self.min_value, self.max_value)
        desired = ops.add(ops.multiply(self.rate, clipped), ops.multiply(1 - self.rate, norms))
        return ops.multiply(w, ops.divide(desired, ops.add(backend.epsilon(), norms)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0.0), ops.dtype(w)))


class UnitNorm(Constraint):
    """Rescales each slice along ``axis`` to unit L2 norm.

    Args:
        axis: the axis (or axes) the norm is taken over.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(backend.epsilon(), _norms(w, self.axis)))

    def get_config(self):
        return {"axis": self.axis}

"""Weight penalties added to the training loss: L1, L2, L1L2 and orthogonality."""

from lamina import ops


class Regularizer:
    """A callable ``regularizer(weight) -> scalar penalty``; subclasses define ``__call__``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """The constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Make a regularizer from :meth:`get_config`'s output."""
        return cls(**config)


def _check_factor(name, value):
    value = float(value)
    if value < 0 or value != value:
        raise ValueError(f"Regularizer `{name}` must be a non-negative number, got {value}.")
    return value


class L1(Regularizer):
    """``l1 * sum(|x|)``.

    Args:
        l1: the factor, 0.01 by default.

    Example:
        >>> lamina.layers.Dense(3, kernel_regularizer=lamina.regularizers.L1(0.01))
    """

    def __init__(self, l1=0.01):
        self.l1 = _check_factor("l1", l1)

    def __call__(self, x):
        return ops.multiply(self.l1, ops.sum(ops.absolute(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x ** 2)``.

    Args:
        l2: the factor, 0.01 by default.
    """

    def __init__(self, l2=0.01):
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        return ops.multiply(self.l2, ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    Args:
        l1: the L1 factor (0 by default). l2: the L2 factor (0 by default).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor("l1", l1)
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        penalty = ops.multiply(self.l1, ops.sum(ops.absolute(x)))
        return ops.add(penalty, ops.multiply(self.l2, ops.sum(ops.square(x))))

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a 2-D weight.

    The penalty is ``factor * mean(|offdiag(n @ n.T)|)`` with ``n`` the L2-normalized
    rows (``mode="rows"``) or columns (``mode="columns"``).
    """

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns', got {mode!r}."
            )
        self.factor = _check_factor("factor", factor)
        self.mode = mode

    def __call__(self, x):
        if ops.ndim(x) != 2:
            raise ValueError(
                f"OrthogonalRegularizer needs a 2-D weight, got shape {ops.shape(x)}."
            )
        if self.mode == "columns":
            x = ops.transpose(x)
        normed = ops.normalize(x, axis=1)
        product = ops.matmul(normed, ops.transpose(normed))
        size = ops.shape(product)[0]
        off_diagonal = ops.multiply(product, ops.subtract(1.0, ops.eye(size)))
        return ops.multiply(
            self.factor, ops.divide(ops.sum(ops.absolute(off_diagonal)), size * (size - 1))
        )

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# In Keras 3 ``l1_l2`` is the ``L1L2`` class itself (both factors 0 by default), not the
# Keras 2 helper whose factors defaulted to 0.01.
l1_l2 = L1L2

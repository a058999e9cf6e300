"""Symbolic tensors: a shape and a dtype, with no value, produced by ``Input``.

Calling a layer on a ``KerasTensor`` records a node of the Functional graph and returns new
``KerasTensor`` objects; ``_history`` points back to the layer call that produced each one.
Operators (``x + 1``, ``x[:, 0]``) on a symbolic tensor record a node too.
"""

from lamina.backend.common import dtypes


class KerasTensor:
    """A symbolic tensor: the placeholder a Functional model is built from.

    Args:
        shape: a tuple whose entries are ints or ``None`` (unknown, e.g. the batch size).
        dtype: the dtype name, ``floatx()`` by default.
        sparse: kept for Keras compatibility; lamina tensors are dense.
        name: an optional name.
    """

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.standardize_dtype(dtype)
        self.sparse = sparse
        self.name = name
        self._history = None  # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        """The number of dimensions."""
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no value, so it cannot be used as a Python bool "
            "(in `if` or `while`). Use lamina.ops.cond / ops.where inside a layer's call()."
        )

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("len() of a KerasTensor whose first dimension is unknown.")

    def __iter__(self):
        raise TypeError(
            "A symbolic KerasTensor cannot be iterated. Index it (x[:, 0]) or use "
            "lamina.ops.unstack inside a layer."
        )

    def _op(self, name, *args):
        from lamina.layers.core.lambda_layer import symbolic_op

        return symbolic_op(name, self, *args)

    def __add__(self, other):
        return self._op("add", other)

    def __radd__(self, other):
        return self._op("radd", other)

    def __sub__(self, other):
        return self._op("subtract", other)

    def __rsub__(self, other):
        return self._op("rsubtract", other)

    def __mul__(self, other):
        return self._op("multiply", other)

    def __rmul__(self, other):
        return self._op("rmultiply", other)

    def __truediv__(self, other):
        return self._op("divide", other)

    def __rtruediv__(self, other):
        return self._op("rdivide", other)

    def __pow__(self, other):
        return self._op("power", other)

    def __matmul__(self, other):
        return self._op("matmul", other)

    def __neg__(self):
        return self._op("negative")

    def __abs__(self):
        return self._op("absolute")

    def __getitem__(self, key):
        return self._op("getitem", key)


def any_symbolic(values):
    """True when any element of the flat sequence ``values`` is a ``KerasTensor``."""
    return any(isinstance(v, KerasTensor) for v in values)

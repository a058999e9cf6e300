"""The engine-free part of ``Variable``: naming, shape checks, assignment, operators.

A backend subclass decides how the value is stored (``_initialize``, ``_direct_assign``,
``value``). Arithmetic on a Variable works on its current value, so ``v * 2`` is a tensor.
"""

from lamina.backend.common import dtypes
from lamina.backend.common import name_scope
from lamina.backend.common import scopes
from lamina.backend.common import stateless_scope


class BaseVariable:
    """A named, shaped, dtyped piece of state that can be read and assigned.

    Args:
        initializer: an initializer (callable ``(shape, dtype) -> tensor``), a string naming
            one (``"zeros"``, ``"glorot_uniform"``...) or an array-like initial value.
        shape: the shape; taken from the value when ``initializer`` is array-like.
        dtype: the dtype, ``floatx()`` by default.
        trainable: whether optimizers update it.
        name: its name, ``"variable"`` by default.

    Example:
        >>> v = lamina.Variable(np.ones((2,)), name="v")
        >>> v.assign_add([1.0, 2.0]).numpy()
        array([2., 3.], dtype=float32)
    """

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable=True,
        autocast=True,
        aggregation="none",
        synchronization="auto",
        name=None,
    ):
        self.name = name or "variable"
        scopes.on_variable_created(self.name)
        parent = name_scope.current_path()
        self.path = f"{parent}/{self.name}" if parent else self.name
        self.autocast = autocast
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.constraint = None
        self.regularizer = None
        self._trainable = bool(trainable)
        if isinstance(initializer, str):
            from lamina import initializers

            initializer = initializers.get(initializer)
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    f"Variable {self.name!r}: when the initializer is a callable, `shape` "
                    "is required."
                )
            shape = tuple(int(d) for d in shape)
            self._dtype = dtypes.standardize_dtype(dtype)
            scopes.check_variable_creation(self.name, shape, self._dtype)
            value = initializer(shape, dtype=self._dtype)
        else:
            if dtype is None and hasattr(initializer, "dtype"):
                # Integer and boolean values keep their dtype; floats become floatx.
                name = dtypes.standardize_dtype(initializer.dtype)
                if not dtypes.is_float_dtype(name):
                    dtype = name
            self._dtype = dtypes.standardize_dtype(dtype)
            value = initializer
        self._initialize(self._convert(value))
        if shape is not None and tuple(self.shape) != tuple(shape):
            raise ValueError(
                f"Variable {self.name!r}: the initial value has shape {tuple(self.shape)} "
                f"but shape={tuple(shape)} was given."
            )

    # -- backend hooks -------------------------------------------------------------------
    def _convert(self, value):
        raise NotImplementedError("abstract: a backend Variable converts values")

    def _initialize(self, value):
        raise NotImplementedError("abstract: a backend Variable stores its first value")

    def _direct_assign(self, value):
        raise NotImplementedError("abstract: a backend Variable replaces its value")

    @property
    def value(self):
        """The current value as a backend tensor."""
        raise NotImplementedError("abstract: a backend Variable returns its value")

    # The axes of the value, outermost first, as they lie in memory (None: as created,
    # row-major). Set through `_set_memory_order`; optimizers give their slots the same.
    _memory_order = None

    def _set_memory_order(self, order):
        """Hint the memory layout the engine's kernels read fastest; shape and values stay.

        ``order`` lists the axes outermost first: ``(1, 0)`` for an LSTM kernel
        ``(in, 4 * units)`` asks for ``(4 * units, in)`` in memory, the layout torch's
        fused RNN (oneDNN on CPU) takes without a transposed copy. Engines that pick
        layouts themselves (JAX) only record it.
        """
        self._memory_order = self._checked_memory_order(order)

    def _checked_memory_order(self, order):
        order = tuple(int(axis) for axis in order)
        if sorted(order) != list(range(len(self.shape))):
            raise ValueError(
                f"Variable {self.path!r}: the memory order must list each of its "
                f"{len(self.shape)} axes once; got {order}.")
        return order

    # -- public API ----------------------------------------------------------------------
    @property
    def dtype(self):
        """The dtype name, e.g. ``"float32"``."""
        return self._dtype

    @property
    def shape(self):
        """The shape as a tuple of ints."""
        return tuple(self.value.shape)

    @property
    def ndim(self):
        """The number of dimensions."""
        return len(self.shape)

    @property
    def trainable(self):
        """Whether optimizers update this variable."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    def assign(self, value):
        """Replace the value (same shape); returns the variable."""
        if scopes.in_symbolic_scope():
            return self
        value = self._convert(value)
        if tuple(value.shape) != self.shape:
            raise ValueError(
                f"Variable {self.path!r} has shape {self.shape}; cannot assign a value of "
                f"shape {tuple(value.shape)}."
            )
        scopes.record_assignment(self, self._value)  # as stored, never autocast
        if scopes.OPEN.stateless and stateless_scope.in_stateless_scope():
            # Rebound, not written in place: the old value is the Variable's own (or one a
            # caller handed to the scope), and it must survive.
            self._value = value
        else:
            self._direct_assign(value)
        return self

    def assign_add(self, delta):
        """Add ``delta`` to the value in place; returns the variable."""
        return self.assign(self.value + self._convert(delta))

    def assign_sub(self, delta):
        """Subtract ``delta`` from the value in place; returns the variable."""
        return self.assign(self.value - self._convert(delta))

    def _assign_add_scaled(self, delta, scale):
        """Add ``delta * scale`` (``scale`` a Python number) in place; returns the variable.

        The running totals of metrics (the loss tracker: ``total += loss * batch_size``)
        take this path every step; an engine may do it in one operation.
        """
        return self.assign_add(self._convert(delta) * scale)

    def numpy(self):
        """The value as a NumPy array."""
        from lamina.backend import convert_to_numpy

        return convert_to_numpy(self.value)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __repr__(self):
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"value={self.numpy()}>"
        )

    def __len__(self):
        return self.shape[0]

    def __bool__(self):
        return bool(self.numpy())

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __getitem__(self, idx):
        return self.value[idx]

    # Operators act on the value so a Variable can be used like a tensor.
    def __neg__(self):
        return -self.value

    def __abs__(self):
        return abs(self.value)

    def __add__(self, other):
        return self.value + _unwrap(other)

    def __radd__(self, other):
        return _unwrap(other) + self.value

    def __sub__(self, other):
        return self.value - _unwrap(other)

    def __rsub__(self, other):
        return _unwrap(other) - self.value

    def __mul__(self, other):
        return self.value * _unwrap(other)

    def __rmul__(self, other):
        return _unwrap(other) * self.value

    def __truediv__(self, other):
        return self.value / _unwrap(other)

    def __rtruediv__(self, other):
        return _unwrap(other) / self.value

    def __pow__(self, other):
        return self.value ** _unwrap(other)

    def __rpow__(self, other):
        return _unwrap(other) ** self.value

    def __matmul__(self, other):
        return self.value @ _unwrap(other)

    def __rmatmul__(self, other):
        return _unwrap(other) @ self.value

    def __lt__(self, other):
        return self.value < _unwrap(other)

    def __le__(self, other):
        return self.value <= _unwrap(other)

    def __gt__(self, other):
        return self.value > _unwrap(other)

    def __ge__(self, other):
        return self.value >= _unwrap(other)


def _unwrap(x):
    return x.value if isinstance(x, BaseVariable) else x

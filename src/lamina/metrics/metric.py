"""The ``Metric`` base class: named state variables plus ``update_state`` / ``result``.

A metric accumulates statistics over batches in non-trainable Variables and turns them into
a number on demand. Concrete metrics live in the sibling modules; this module holds only the
state handling they share. ``update_state`` and ``result`` of every metric are written with
``lamina.ops`` only, so the JAX trainer can trace them inside its compiled step.
"""

from lamina import backend
from lamina import ops
from lamina.backend.common import scopes
from lamina.layers.layer import to_snake_case

_INITIALIZER_NAMES = ("ones", "zeros")


def _initial_value(initializer, shape, dtype):
    """The starting value of a metric variable: a tensor of ``shape`` and ``dtype``.

    Metrics only ever start from constants, so a name (``"zeros"``, ``"ones"``), a callable
    ``(shape, dtype) -> tensor`` (such as a ``lamina.initializers`` object) or a constant
    (broadcast to ``shape``) covers them all without depending on ``lamina.initializers``.
    """
    if isinstance(initializer, str):
        if initializer == "zeros":
            return ops.zeros(shape, dtype=dtype)
        if initializer == "ones":
            return ops.ones(shape, dtype=dtype)
        raise ValueError(
            f"Metric.add_variable: unknown `initializer` {initializer!r}. Expected one of "
            f"{', '.join(_INITIALIZER_NAMES)}, a callable `(shape, dtype) -> tensor`, or a "
            "constant value."
        )
    if callable(initializer):
        return ops.convert_to_tensor(initializer(shape, dtype=dtype), dtype=dtype)
    return ops.broadcast_to(ops.convert_to_tensor(initializer, dtype=dtype), shape)


class Metric:
    """Base class of all metrics: state variables, ``update_state``, ``result``, ``reset_state``.

    A subclass creates its state in ``__init__`` with :meth:`add_variable`, accumulates it in
    ``update_state`` (through ``variable.assign*`` only, with no Python branching on tensor
    values, so it can be traced) and computes the value in ``result``. Metrics assigned as
    attributes are tracked, so their variables show up in :attr:`variables`.

    Args:
        dtype: the dtype of the state and of the result, ``floatx()`` by default.
        name: the metric's name; by default the snake-case class name, made unique.

    Example:
        >>> class Count(lamina.metrics.Metric):
        ...     def __init__(self, name="count", dtype=None):
        ...         super().__init__(name=name, dtype=dtype)
        ...         self.count = self.add_variable((), "zeros", name="count")
        ...     def update_state(self, values):
        ...         self.count.assign_add(ops.cast(ops.shape(values)[0], self.dtype))
        ...     def result(self):
        ...         return ops.copy(self.count.value)
        >>> m = Count()
        >>> m.update_state(np.zeros((3, 2))); float(m.result())
        3.0
    """

    def __init__(self, dtype=None, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__}: `name` must be a string, got {name!r}. Pass e.g. "
                "name='my_metric'."
            )
        # setdefault: a subclass may assign attributes (even sub-metrics) before calling us.
        for attr in ("_variables", "_variable_specs", "_metrics"):
            self.__dict__.setdefault(attr, [])
        self.name = name or scopes.unique_name(to_snake_case(type(self).__name__))
        self._dtype = backend.standardize_dtype(dtype)

    def __setattr__(self, name, value):
        items = value if isinstance(value, (list, tuple)) else (value,)
        tracked = self.__dict__.setdefault("_metrics", [])
        for item in items:
            if isinstance(item, Metric) and item is not self:
                if all(item is not m for m in tracked):
                    tracked.append(item)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        """The dtype name of the state and the result, e.g. ``"float32"``."""
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state variable of this metric and track it.

        Args:
            shape: the variable's shape (``()`` for a scalar).
            initializer: ``"zeros"``, ``"ones"``, a callable ``(shape, dtype) -> tensor`` or a
                constant; :meth:`reset_state` puts this value back.
            dtype: the variable's dtype, the metric's dtype by default.
            aggregation: how replicas combine it under data parallelism (``"sum"``,
                ``"mean"``, ``"only_first_replica"``...), recorded on the variable.
            name: the variable's name, e.g. ``"total"``.

        Returns:
            The new ``lamina.backend.Variable``.
        """
        shape = tuple(int(d) for d in shape)
        dtype = backend.standardize_dtype(dtype or self.dtype)
        name = name or f"variable_{len(self._variables)}"
        variable = backend.Variable(
            _initial_value(initializer, shape, dtype),
            dtype=dtype,
            trainable=False,
            aggregation=aggregation,
            name=name,
        )
        variable.path = f"{self.name}/{name}"
        self._variables.append(variable)
        self._variable_specs.append((initializer, shape, dtype))
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Like :meth:`add_variable` (zeros by default); kept for Keras 2 style metrics."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self):
        """All state variables: this metric's, then those of tracked sub-metrics."""
        result = list(self._variables)
        for metric in self._metrics:
            for variable in metric.variables:
                if all(variable is not v for v in result):
                    result.append(variable)
        return result

    @property
    def trainable_variables(self):
        """Always empty: metric state is never trained."""
        return []

    @property
    def non_trainable_variables(self):
        """The same list as :attr:`variables`."""
        return self.variables

    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch. Subclasses implement this."""
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement update_state")

    def result(self):
        """The metric's value from the state accumulated so far. Subclasses implement this."""
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement result")

    def reset_state(self):
        """Put every state variable (sub-metrics' included) back to its initial value."""
        for variable, (initializer, shape, dtype) in zip(self._variables, self._variable_specs):
            variable.assign(_initial_value(initializer, shape, dtype))
        for metric in self._metrics:
            metric.reset_state()

    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)``, then return :meth:`result`."""
        self.update_state(*args, **kwargs)
        return self.result()

    # -- functional use ------------------------------------------------------------------
    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """``update_state`` as a pure function of the variable values.

        Args:
            metric_variables: values for :attr:`variables`, in order.
            *args, **kwargs: what ``update_state`` takes.

        Returns:
            The new values, in the order of :attr:`variables`; the variables themselves keep
            their values, so this can run inside ``jax.jit``.
        """
        return self._with_values(metric_variables, lambda: self.update_state(*args, **kwargs))[1]

    def stateless_result(self, metric_variables):
        """``result()`` computed from the given values of :attr:`variables`."""
        return self._with_values(metric_variables, self.result)[0]

    def stateless_reset_state(self):
        """The initial values of :attr:`variables`, without changing them."""
        return self._with_values(None, self.reset_state)[1]

    def _with_values(self, values, fn):
        variables = self.variables
        if values is not None and len(values) != len(variables):
            raise ValueError(
                f"Metric {self.name!r}: expected {len(variables)} variable values (one per "
                f"entry of `metric.variables`), got {len(values)}."
            )
        # Swap the storage directly: ``assign`` would copy into torch parameters in place and
        # would refuse traced values of a different (weak) dtype on JAX.
        originals = [v._value for v in variables]
        try:
            if values is not None:
                for variable, value in zip(variables, values):
                    variable._value = ops.convert_to_tensor(value, dtype=variable.dtype)
            # Rebind each variable to a fresh tensor so in-place updates cannot reach the
            # caller's arrays or the saved originals.
            for variable in variables:
                variable._value = ops.copy(variable._value)
            output = fn()
            new_values = [v._value for v in variables]
        finally:
            for variable, value in zip(variables, originals):
                variable._value = value
        return output, new_values

    # -- configuration -------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Make a metric from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()

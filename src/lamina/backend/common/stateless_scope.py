"""Scopes that run Keras code as pure functions of variable values.

``StatelessScope`` binds Variables to given values for a while and keeps every assignment
made inside it to itself: the Variables hold their own values again afterwards, and the
new values are read from the scope. ``Layer.stateless_call`` and
``Optimizer.stateless_apply`` are built on it, so a hand-written JAX training loop can pass
weights in and out of ``jax.jit`` as Keras 3 users do. ``SymbolicScope`` marks code run on
placeholders (shape inference), where assignments and added losses are dropped.

How the values are kept apart on each engine: inside an open scope, a Variable's storage is
rebound to the new value instead of written in place (torch would otherwise copy into the
given tensor, or into the Variable's own Parameter), and the engines' in-place fast paths
step aside while any stateless scope is open.
"""

import threading

from lamina.backend.common import scopes

_local = threading.local()


def _stack():
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def current_stateless_scope():
    """The innermost open :class:`StatelessScope` of this thread, or None."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


def in_stateless_scope():
    """Whether a :class:`StatelessScope` is open in this thread."""
    return bool(getattr(_local, "stack", None))


class StatelessScope:
    """Run code with Variables bound to given values, without changing the Variables.

    Inside the scope each Variable in ``state_mapping`` reads as its given value, and any
    Variable assigned (an optimizer step, batch-norm statistics, a seed) takes the new value
    only inside the scope. On exit every Variable holds its own value again; the values the
    scope ended with are read with :meth:`get_current_value`.

    Args:
        state_mapping: ``(variable, value)`` pairs; each value must have its variable's
            shape, and is converted to its dtype.
        collect_losses: keep the losses layers add inside the scope in :attr:`losses`
            (layers still record them as usual).
        initialize_variables: accepted for Keras compatibility: Variables created inside
            the scope are created with their initial values, as outside it.

    Example:
        >>> v = lamina.Variable(1.0)
        >>> with lamina.StatelessScope(state_mapping=[(v, 2.0)]) as scope:
        ...     v.assign(v.value * 3)
        >>> float(scope.get_current_value(v)), float(v.numpy())
        (6.0, 1.0)
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        from lamina.backend.common.variables import BaseVariable

        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self._mapping = []
        for index, pair in enumerate(state_mapping or ()):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(
                    "StatelessScope: `state_mapping` must be a list of (variable, value) "
                    f"pairs; entry {index} is a {type(pair).__name__}.")
            variable, value = pair
            if not isinstance(variable, BaseVariable):
                raise ValueError(
                    "StatelessScope: the first element of each `state_mapping` pair must be "
                    f"a Variable; entry {index} starts with {type(variable).__name__}.")
            self._mapping.append((variable, variable._convert(value)))
            shape = tuple(self._mapping[-1][1].shape)
            if shape != tuple(variable.shape):
                raise ValueError(
                    f"StatelessScope: the value for variable {variable.path!r} has shape "
                    f"{shape}; the variable has shape {tuple(variable.shape)}. Pass values "
                    "in the order and shapes of the variables they stand for.")
        self._final = None
        self._recorder = None

    def __enter__(self):
        self._originals = [(v, v._value) for v, _ in self._mapping]
        self._recorder = scopes.assignment_recorder()
        self._record = self._recorder.__enter__()
        for variable, value in self._mapping:
            variable._value = value
        _stack().append(self)
        scopes.OPEN.stateless += 1
        return self

    def __exit__(self, *exc):
        scopes.OPEN.stateless -= 1
        _stack().pop()
        try:
            # The values the scope ends with: those bound or assigned in it.
            final = {id(v): (v, v._value) for v, _ in self._mapping}
            for key, (variable, _) in self._record.items():
                final.setdefault(key, (variable, variable._value))
            self._final = final
            for variable, old_value in self._record.values():
                variable._value = old_value
            for variable, value in self._originals:
                variable._value = value
        finally:
            self._recorder.__exit__(*exc)
        return False

    def add_loss(self, loss):
        """Keep ``loss`` (a layer added it inside the scope) when collecting losses."""
        if self.collect_losses:
            self.losses.append(loss)

    def get_current_value(self, variable):
        """The value ``variable`` has in this scope: given in ``state_mapping`` or assigned
        inside it (the latest one); None when the scope neither bound nor assigned it.

        Works inside the scope and after it has closed.
        """
        if self._final is not None:
            entry = self._final.get(id(variable))
            return None if entry is None else entry[1]
        if any(variable is v for v, _ in self._mapping) or id(variable) in self._record:
            return variable._value
        return None


class SymbolicScope:
    """Code inside runs on placeholders: Variable assignments and added losses are dropped
    (lamina enters it to infer a layer's output shape).

    Example:
        >>> v = lamina.Variable(1.0)
        >>> with lamina.SymbolicScope():
        ...     v.assign(5.0)
        >>> float(v.numpy())
        1.0
    """

    def __enter__(self):
        self._scope = scopes.symbolic_scope()
        self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        return self._scope.__exit__(*exc)


def in_symbolic_scope():
    """Whether a :class:`SymbolicScope` (or lamina's shape inference) is running."""
    return scopes.in_symbolic_scope()

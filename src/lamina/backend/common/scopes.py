"""Process-wide scopes that change how layers and variables behave for a while.

- The *symbolic* scope is on while lamina runs a layer on placeholder values to learn its
  output shape; variable assignments and added losses are dropped then.
- The *assignment recorder* notes every variable assigned while it is on; the JAX backend uses
  it to carry state updates (batch-norm statistics, seeds) out of traced functions.
- The *variable creation check* vets each new Variable's shape before it is allocated
  (loading untrusted files refuses absurd sizes with it).
- Unique names: ``dense``, ``dense_1``, ... as Keras names layers.
"""

import collections
import contextlib
import threading

_state = threading.local()


def _get(name, default):
    return getattr(_state, name, default)


def in_symbolic_scope():
    """True while lamina runs a layer on placeholders to infer its output shape."""
    return _get("symbolic", False)


@contextlib.contextmanager
def symbolic_scope():
    """Within this scope, variable assignments and ``add_loss`` calls are ignored."""
    previous = in_symbolic_scope()
    _state.symbolic = True
    try:
        yield
    finally:
        _state.symbolic = previous


def recording_assignments():
    """True while an :func:`assignment_recorder` is open (a traced function runs)."""
    return bool(_get("recorders", None))


def record_assignment(variable, old_value):
    """Note, before it changes, that ``variable`` is about to be assigned.

    The recorder keeps the first ``old_value`` it sees for each variable, so a traced function
    can put the original back after reading the new value out.
    """
    stack = _get("recorders", None)
    if stack:
        stack[-1].setdefault(id(variable), (variable, old_value))


@contextlib.contextmanager
def assignment_recorder():
    """Yield a dict ``{id: (variable, value_before)}`` of variables assigned in the scope."""
    stack = _get("recorders", None)
    if stack is None:
        stack = _state.recorders = []
    record = {}
    stack.append(record)
    try:
        yield record
    finally:
        stack.pop()
        if stack:  # an outer recorder sees the inner assignments too
            for key, item in record.items():
                stack[-1].setdefault(key, item)


@contextlib.contextmanager
def variable_creation_check(check):
    """Within this scope, ``check(name, shape, dtype)`` runs before each Variable made from
    an initializer allocates its value; it may raise to refuse the variable.

    Loading a file uses it to refuse absurd sizes (``Dense(units=10**12)``) before any
    memory is taken.
    """
    stack = _get("creation_checks", None)
    if stack is None:
        stack = _state.creation_checks = []
    stack.append(check)
    try:
        yield
    finally:
        stack.pop()


def check_variable_creation(name, shape, dtype):
    """Run the checks of the active ``variable_creation_check`` scopes (none: no-op)."""
    for check in _get("creation_checks", ()):
        check(name, shape, dtype)


class NewVariableInCompiledStep(RuntimeError):
    """Raised when a Variable is created where ``no_new_variables`` forbids it."""


@contextlib.contextmanager
def no_new_variables():
    """Within this scope creating a Variable raises ``NewVariableInCompiledStep``.

    A compiled step is traced directly only when all its state already exists; the JAX
    trainer uses this scope to find out, and warms up eagerly when some state is created
    lazily (a custom metric that builds on its first update, for instance).
    """
    previous = _get("no_new_variables", False)
    _state.no_new_variables = True
    try:
        yield
    finally:
        _state.no_new_variables = previous


def on_variable_created(name):
    """Called by every new Variable; raises inside ``no_new_variables``."""
    if getattr(_state, "no_new_variables", False):
        raise NewVariableInCompiledStep(
            f"Variable {name!r} was created while tracing a compiled step.")


_name_counts = collections.defaultdict(int)


def unique_name(base):
    """Return ``base`` the first time, then ``base_1``, ``base_2``, ..."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Forget the names handed out so far (used by ``clear_session``)."""
    _name_counts.clear()


class _OpenScopes:
    """How many autocast scopes are open, in all threads: while none is, reading a Variable
    skips the per-thread lookup (it runs for every weight a step reads). Likewise for
    stateless scopes: while one is open anywhere, the engines' in-place fast paths step
    aside (see ``stateless_scope``)."""

    autocast = 0
    stateless = 0


OPEN = _OpenScopes()


def autocast_dtype():
    """The dtype float Variables read as right now (a mixed-precision layer is running),
    or None: as stored."""
    if not OPEN.autocast:
        return None
    return getattr(_state, "autocast", None)


class autocast_scope:
    """While active, float Variables with ``autocast=True`` read as ``dtype``."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __enter__(self):
        self.previous = getattr(_state, "autocast", None)
        _state.autocast = self.dtype
        OPEN.autocast += 1
        return self

    def __exit__(self, *exc):
        _state.autocast = self.previous
        OPEN.autocast -= 1
        return False


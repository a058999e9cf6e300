"""Process-wide scopes that change how layers and variables behave for a while.

- The *symbolic* scope is on while lamina runs a layer on placeholder values to learn its
  output shape; variable assignments and added losses are dropped then.
- The *assignment recorder* notes every variable assigned while it is on; the JAX backend uses
  it to carry state updates (batch-norm statistics, seeds) out of traced functions.
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


_name_counts = collections.defaultdict(int)


def unique_name(base):
    """Return ``base`` the first time, then ``base_1``, ``base_2``, ..."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Forget the names handed out so far (used by ``clear_session``)."""
    _name_counts.clear()

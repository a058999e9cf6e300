"""``name_scope``: a context manager that prefixes the paths of Variables made inside it.

``with lamina.name_scope("encoder"): v = lamina.Variable(...)`` gives ``v.path ==
"encoder/variable"``; scopes nest (``"outer/inner/..."``). Layers name their own weights
(``"dense/kernel"``), as before.
"""

import threading

_local = threading.local()


def _stack():
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def current_path():
    """The ``/``-joined names of the open name scopes of this thread ("" when none)."""
    return "/".join(scope.name for scope in getattr(_local, "stack", ()))


class name_scope:  # noqa: N801 (Keras's spelling)
    """Open a name scope: Variables created inside get ``"<scopes>/<name>"`` paths.

    Args:
        name: the scope's name (a non-empty string without ``/`` at the ends).
        caller: the object opening the scope, kept for reference (Keras's argument).
        deduplicate: when the innermost open scope already has this name, do not repeat it
            (a layer re-entering its own scope).
        override_parent: a path that replaces the enclosing scopes' path inside this one.

    Example:
        >>> with lamina.name_scope("block"):
        ...     v = lamina.Variable(1.0, name="scale")
        >>> v.path
        'block/scale'
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or not name.strip("/"):
            raise ValueError(
                f"name_scope: `name` must be a non-empty string, got {name!r}.")
        self.name = name.strip("/")
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        stack = _stack()
        if self.deduplicate and stack and stack[-1].name == self.name:
            return self
        self._saved = None
        if self.override_parent is not None:
            # Replace the enclosing path for the duration of this scope.
            self._saved = list(stack)
            stack.clear()
            parent = str(self.override_parent).strip("/")
            if parent:
                stack.append(name_scope(parent, deduplicate=False))
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            stack = _stack()
            stack.pop()
            if self._saved is not None:
                stack[:] = self._saved
            self._pushed = False
        return False

"""Logs as callbacks see them: plain Python floats, flat, sorted by key."""

from collections.abc import Mapping

from lamina import backend


class LazyLogs(Mapping):
    """A step's logs, computed when first read (a key, the keys, the length).

    ``fit`` on torch hands these on when nothing has to read every step's logs, so the
    metric results are not computed after each step for nobody. They must be read before
    the next step runs (the training loop and the progress bar do); read later, they would
    show the later state.

    Args:
        compute: a function returning the logs dict (e.g. ``model.get_metrics_result``).
    """

    __slots__ = ("_compute", "_logs")

    def __init__(self, compute):
        self._compute = compute
        self._logs = None

    def _materialized(self):
        if self._logs is None:
            self._logs = self._compute()
            self._compute = None
        return self._logs

    def __getitem__(self, key):
        return self._materialized()[key]

    def __iter__(self):
        return iter(self._materialized())

    def __len__(self):
        return len(self._materialized())

    def __repr__(self):
        return f"LazyLogs({self._materialized()!r})"


def _to_python_value(value):
    if isinstance(value, backend.BaseVariable):
        value = value.numpy()
    elif backend.is_tensor(value):
        value = backend.convert_to_numpy(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        # Non-scalar values (predict outputs, per-class metrics) pass through unchanged.
        return value


def pythonify_logs(logs):
    """Turn a logs dict into plain Python: floats where possible, flat, sorted by key.

    Args:
        logs: a dict of tensors, NumPy values or numbers (nested dicts are flattened), or None.

    Returns:
        A new dict; values that can't become a float are kept as they are.

    Example:
        >>> pythonify_logs({"loss": np.float32(0.5), "val": {"val_loss": 1}})
        {'loss': 0.5, 'val_loss': 1.0}
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
        else:
            result[key] = _to_python_value(value)
    return result

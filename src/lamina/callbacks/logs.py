"""Logs as callbacks see them: plain Python floats, flat, sorted by key."""

from lamina import backend


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

"""Caps on ``fit`` for quick debugging runs: ``set_max_epochs`` / ``set_max_steps_per_epoch``.

As in Keras 3, the caps can also come from the environment (``KERAS_MAX_EPOCHS``,
``KERAS_MAX_STEPS_PER_EPOCH``; lamina's own ``LAMINA_`` spellings win when both are set), so
a script runs briefly without edits. A cap applies to every later ``fit`` (epochs) and
``fit`` / ``evaluate`` / ``predict`` (steps per epoch), with a warning when it cuts a run.
"""

import os

_UNSET = object()
_limits = {"epochs": _UNSET, "steps": _UNSET}
_ENV = {"epochs": ("LAMINA_MAX_EPOCHS", "KERAS_MAX_EPOCHS"),
        "steps": ("LAMINA_MAX_STEPS_PER_EPOCH", "KERAS_MAX_STEPS_PER_EPOCH")}


def _checked(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer or None; got {value!r}.")
    return value


def _get(key):
    value = _limits[key]
    if value is _UNSET:
        value = None
        for variable in _ENV[key]:
            text = os.environ.get(variable)
            if text:
                try:
                    value = _checked(variable, int(text))
                except ValueError:
                    raise ValueError(
                        f"The environment variable {variable} must be a positive integer; "
                        f"got {text!r}.") from None
                break
        _limits[key] = value
    return value


def set_max_epochs(max_epochs):
    """Cap the number of epochs of every later ``fit`` call (None: no cap).

    Args:
        max_epochs: a positive integer, or None to remove the cap.

    Example:
        >>> lamina.config.set_max_epochs(1)  # any fit(..., epochs=50) now runs one epoch
    """
    _limits["epochs"] = _checked("max_epochs", max_epochs)


def max_epochs():
    """The epoch cap set by :func:`set_max_epochs` or ``KERAS_MAX_EPOCHS``, or None."""
    return _get("epochs")


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps of each epoch of ``fit``, and of ``evaluate`` / ``predict`` (None: no
    cap).

    Args:
        max_steps_per_epoch: a positive integer, or None to remove the cap.

    Example:
        >>> lamina.config.set_max_steps_per_epoch(10)
    """
    _limits["steps"] = _checked("max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch():
    """The cap set by :func:`set_max_steps_per_epoch` or ``KERAS_MAX_STEPS_PER_EPOCH``, or
    None."""
    return _get("steps")

"""Reading and writing an optimizer's learning rate from callbacks.

``ReduceLROnPlateau`` and ``LearningRateScheduler`` both read the rate as a Python float
and add it to the epoch's logs; a model may hold one optimizer or a wrapper with several
(``optimizer.optimizers``), each logged under its own name as Keras does.
"""

from lamina import ops

_NO_LEARNING_RATE = (
    "{caller}: the model's optimizer {optimizer!r} has no `learning_rate` attribute. "
    "Compile the model with an optimizer such as lamina.optimizers.Adam()."
)


def optimizers_of(model):
    """The ``(name, optimizer)`` pairs a callback acts on: one, or each of a wrapper's.

    Args:
        model: a compiled model.

    Returns:
        A list of pairs; the name is "" for a single optimizer.

    Example:
        >>> optimizers_of(model)
        [('', <Adam ...>)]
    """
    optimizer = model.optimizer
    inner = getattr(optimizer, "optimizers", None)
    if inner:
        return [(opt.name, opt) for opt in inner]
    return [("", optimizer)]


def get_learning_rate(optimizer, caller):
    """The optimizer's current learning rate as a Python float.

    Args:
        optimizer: an optimizer with a ``learning_rate`` (a Variable, tensor or number).
        caller: the callback's name, for the error message.

    Returns:
        A float.

    Example:
        >>> get_learning_rate(model.optimizer, "MyCallback")
        0.001
    """
    if not hasattr(optimizer, "learning_rate"):
        raise ValueError(_NO_LEARNING_RATE.format(caller=caller, optimizer=optimizer))
    return float(ops.convert_to_numpy(optimizer.learning_rate))


def log_learning_rates(model, logs, caller):
    """Add ``learning_rate`` (or ``learning_rate_<name>`` per optimizer) to ``logs``.

    Args:
        model: a compiled model.
        logs: the epoch's logs dict, changed in place.
        caller: the callback's name, for error messages.

    Example:
        >>> logs = {"loss": 0.5}
        >>> log_learning_rates(model, logs, "MyCallback")
        >>> logs["learning_rate"]
        0.001
    """
    for name, optimizer in optimizers_of(model):
        key = f"learning_rate_{name}" if name else "learning_rate"
        logs[key] = get_learning_rate(optimizer, caller)

"""``LearningRateScheduler``: sets the learning rate from a function of the epoch."""

import inspect
import numbers

import numpy as np

from lamina.callbacks import optimizer_learning_rate
from lamina.callbacks.callback import Callback
from lamina.utils import io_utils


def _takes_current_rate(schedule):
    """True when ``schedule`` accepts ``(epoch, lr)``; False when only ``(epoch)``."""
    try:
        parameters = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):
        # No signature to read (some builtins): assume the two-argument form.
        return True
    positional = [
        p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    has_varargs = any(p.kind == p.VAR_POSITIONAL for p in parameters)
    return has_varargs or len(positional) >= 2


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch from ``schedule``.

    Args:
        schedule: a function ``schedule(epoch, lr)`` taking the 0-based epoch and the
            current rate (a float) and returning the new rate; ``schedule(epoch)`` also
            works.
        verbose: 1 prints the rate set at each epoch. Defaults to 0.

    Example:
        >>> def schedule(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.9
        >>> model.fit(x, y, epochs=15, callbacks=[LearningRateScheduler(schedule)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: `schedule` must be a function schedule(epoch, lr) "
                f"returning the new rate; got {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose

    def _new_rate(self, optimizer, epoch):
        current = optimizer_learning_rate.get_learning_rate(optimizer, "LearningRateScheduler")
        if _takes_current_rate(self.schedule):
            rate = self.schedule(epoch, current)
        else:
            rate = self.schedule(epoch)
        if isinstance(rate, np.ndarray) and rate.ndim == 0:
            rate = rate.item()
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
            raise ValueError(
                "LearningRateScheduler: the schedule must return the learning rate as a "
                f"float; for epoch {epoch} it returned {rate!r} "
                f"(type {type(rate).__name__})."
            )
        return float(rate)

    def on_epoch_begin(self, epoch, logs=None):
        """Compute the epoch's rate and set it on the optimizer(s)."""
        for name, optimizer in optimizer_learning_rate.optimizers_of(self.model):
            rate = self._new_rate(optimizer, epoch)
            optimizer.learning_rate = rate
            if self.verbose > 0:
                which = f"{name} " if name else ""
                io_utils.print_msg(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning "
                    f"rate to {rate}."
                )

    def on_epoch_end(self, epoch, logs=None):
        """Add the rate to the epoch's logs as ``learning_rate``."""
        if logs is not None:
            optimizer_learning_rate.log_learning_rates(
                self.model, logs, "LearningRateScheduler"
            )

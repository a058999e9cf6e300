"""``ReduceLROnPlateau``: lowers the learning rate when a monitored quantity stalls."""

import warnings

import numpy as np

from lamina.callbacks import optimizer_learning_rate
from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.utils import io_utils


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    After a reduction, ``cooldown`` epochs pass before the count of bad epochs starts
    again. The rate never goes below ``min_lr``. The current rate is added to the epoch's
    logs as ``learning_rate``, so ``History`` records it.

    Args:
        monitor: the logs key to watch. Defaults to ``"val_loss"``.
        factor: what the rate is multiplied by; below 1. Defaults to 0.1.
        patience: epochs without improvement before reducing. Defaults to 10.
        verbose: 1 prints a line at each reduction. Defaults to 0.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (inferred from the name).
        min_delta: the least change that counts as an improvement. Defaults to 1e-4.
        cooldown: epochs to wait after a reduction before counting again. Defaults to 0.
        min_lr: the lowest rate allowed. Defaults to 0.
        **kwargs: ``epsilon``, the Keras 2 name of ``min_delta``.

    Example:
        >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5,
        ...                               min_lr=0.001)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        if "epsilon" in kwargs:
            # Keras 2 spelling.
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(
                f"ReduceLROnPlateau got unexpected arguments: {', '.join(sorted(kwargs))}. "
                "It takes monitor, factor, patience, verbose, mode, min_delta, cooldown, "
                "min_lr."
            )
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau: factor must be below 1.0 (the rate is multiplied by it); "
                f"got factor={factor}. For a tenfold cut use factor=0.1."
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self):
        """True while the epochs after a reduction are still passing.

        Example:
            >>> ReduceLROnPlateau().in_cooldown()
            False
        """
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        """Forget the best value and counters of an earlier ``fit``."""
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        """Log the rate; reduce it when ``patience`` epochs passed without improvement."""
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer_learning_rate.log_learning_rates(self.model, logs, "ReduceLROnPlateau")
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ReduceLROnPlateau is watching monitor={self.monitor!r}, which is not in "
                f"the logs. Available keys: {', '.join(logs)}.",
                stacklevel=2,
            )
            return

        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        reduced = False
        for name, optimizer in optimizer_learning_rate.optimizers_of(self.model):
            reduced = self._reduce(optimizer, epoch, name) or reduced
        if reduced:
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def _reduce(self, optimizer, epoch, name):
        old_lr = optimizer_learning_rate.get_learning_rate(optimizer, "ReduceLROnPlateau")
        # The rate is stored in float32: compare there, or a rate already at min_lr would
        # look slightly above it and keep being "reduced".
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            which = f" {name}" if name else ""
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate "
                f"to {new_lr}."
            )
        return True

"""``EarlyStopping``: stops ``fit`` when a monitored quantity stops improving."""

import warnings

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.utils import io_utils


class EarlyStopping(MonitorCallback):
    """Stop training once ``monitor`` has not improved for ``patience`` epochs.

    At each epoch's end the monitored value is compared with the best so far; a change
    smaller than ``min_delta`` is no improvement. After ``patience`` epochs without one,
    ``model.stop_training`` is set and ``fit`` ends after the current epoch.

    Args:
        monitor: the logs key to watch. Defaults to ``"val_loss"``.
        min_delta: the least change that counts as an improvement. Defaults to 0.
        patience: epochs without improvement to wait before stopping. Defaults to 0.
        verbose: 1 prints a line when stopping or restoring weights. Defaults to 0.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (inferred from the name).
        baseline: a value the model must beat: an improvement that stays short of it
            does not restart the ``patience`` count. Defaults to None.
        restore_best_weights: when training ends (stopped early or not), load the weights
            of the best epoch. Defaults to False: the last weights stay.
        start_from_epoch: epochs to let pass before watching (a warm-up). Defaults to 0.

    Example:
        >>> stop = EarlyStopping(monitor="loss", patience=3)
        >>> history = model.fit(x, y, epochs=100, callbacks=[stop], verbose=0)
        >>> stop.stopped_epoch   # 0-based epoch at which training stopped (0 if it didn't)
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        """Reset the counters, so one instance can serve several ``fit`` calls."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        """Compare this epoch's value with the best; stop when patience runs out."""
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Something to restore even if no epoch ever beats the baseline.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only for a value that also beats the baseline.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Report the stop and restore the best weights when asked to."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            io_utils.print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                io_utils.print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value in ``logs``, or None (with a warning) when it is missing.

        Args:
            logs: the epoch's logs dict.

        Returns:
            The value, or None.

        Example:
            >>> EarlyStopping(monitor="loss").get_monitor_value({"loss": 0.5})
            0.5
        """
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"EarlyStopping is watching monitor={self.monitor!r}, which is not in the "
                f"logs. Available keys: {', '.join(logs) or '(none)'}. Pass one of them as "
                "`monitor` (validation results need validation data).",
                stacklevel=2,
            )
        return value

"""``ModelCheckpoint``: saves the model or its weights during training."""

import os
import warnings

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.utils import io_utils

_WEIGHTS_SUFFIX = (
    "ModelCheckpoint: with save_weights_only=True the filepath must end in '.weights.h5' "
    "(the Keras weights format); got filepath={filepath!r}. For example: "
    "'checkpoints/epoch{{epoch:02d}}.weights.h5'."
)
_MODEL_SUFFIX = (
    "ModelCheckpoint: the filepath must end in '.keras' (the Keras model format) to save "
    "the whole model; got filepath={filepath!r}. Use e.g. 'best.keras', or pass "
    "save_weights_only=True with a filepath ending in '.weights.h5'."
)
_BAD_SAVE_FREQ = (
    "ModelCheckpoint: save_freq must be 'epoch' or a positive int (a number of batches); "
    "got save_freq={save_freq!r}."
)


class ModelCheckpoint(MonitorCallback):
    """Save the model (or only its weights) at the end of epochs or every few batches.

    ``filepath`` may hold ``str.format`` fields: ``{epoch}`` (1-based), ``{batch}``
    (1-based, when saving by batch) and any logs key, e.g.
    ``"ckpt/{epoch:02d}-{val_loss:.2f}.keras"``. Missing folders are created.

    Args:
        filepath: where to save. Ends in ``.keras`` (or legacy ``.h5``) for a whole model,
            in ``.weights.h5`` with ``save_weights_only=True``.
        monitor: the logs key compared when ``save_best_only``. Defaults to ``"val_loss"``.
        verbose: 1 prints a line for each save decision. Defaults to 0.
        save_best_only: save only when ``monitor`` improves on the best so far.
        save_weights_only: save with ``model.save_weights`` instead of ``model.save``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (inferred from the name).
        save_freq: ``"epoch"`` to save after each epoch, or an int to save every that many
            batches. Defaults to ``"epoch"``.
        initial_value_threshold: the best value to start from with ``save_best_only``:
            nothing is saved until ``monitor`` beats it. Defaults to None.

    Example:
        >>> checkpoint = ModelCheckpoint("best.keras", monitor="val_loss",
        ...                              save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[checkpoint])
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0

        is_batch_count = isinstance(save_freq, int) and not isinstance(save_freq, bool)
        if save_freq != "epoch" and not (is_batch_count and save_freq > 0):
            raise ValueError(_BAD_SAVE_FREQ.format(save_freq=save_freq))
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(_WEIGHTS_SUFFIX.format(filepath=self.filepath))
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(_MODEL_SUFFIX.format(filepath=self.filepath))

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the epoch, for file names written by batch."""
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        """Save every ``save_freq`` batches when ``save_freq`` is an int."""
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        """Save after the epoch when ``save_freq="epoch"``."""
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            # A new epoch started: batch numbers count from 0 again.
            new_batches = batch + 1
        else:
            # Steps may jump by more than one (steps_per_execution).
            new_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += new_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ModelCheckpoint: save_best_only=True needs monitor={self.monitor!r} in the "
                f"logs, which hold only: {', '.join(logs) or '(none)'}. Saving anyway.",
                stacklevel=3,
            )
            return True
        best_text = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                io_utils.print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_text} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_text}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                f"ModelCheckpoint: filepath {filepath!r} is an existing directory; give a "
                "file name inside it, e.g. os.path.join(filepath, 'model.keras')."
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(
                f"ModelCheckpoint: can't fill in filepath {self.filepath!r}: the field "
                f"{error} is not in the logs (available: {', '.join(sorted(fields))})."
            ) from None


"""``ProgbarLogger``: prints the progress bar and metrics of ``fit``, ``evaluate``, ``predict``.

``CallbackList`` adds one when ``verbose`` is not 0. With ``verbose=1`` a live bar redraws
as steps finish; with ``verbose=2`` each epoch prints one line at its end. Validation
inside ``fit`` prints no bar of its own: its results appear on the epoch's line as
``val_*``. The drawing itself is ``lamina.utils.progbar.Progbar``.
"""

from lamina.callbacks.callback import Callback
from lamina.callbacks.logs import pythonify_logs
from lamina.utils import io_utils
from lamina.utils.progbar import Progbar

_REDRAW_INTERVAL = 0.25  # seconds between two redraws of a live bar


class ProgbarLogger(Callback):
    """Prints a progress bar with the running metrics to standard output.

    It reads ``verbose``, ``epochs`` and ``steps`` (the steps per epoch, or None when
    unknown) from the training parameters. Logs are shown as given: the trainer already
    passes running epoch results, so nothing is averaged again.

    Example:
        >>> model.fit(x, y, epochs=2, verbose=1)   # adds a ProgbarLogger
        Epoch 1/2
        10/10 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.5012
        ...
    """

    # The logs of each batch come as they are (tensors on a device); they are converted
    # only for the updates that get drawn, so steps need not wait for each other.
    _raw_logs = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        """Read ``verbose`` ("auto" means 1), ``epochs`` and ``steps`` from ``params``."""
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        """Note that validation from now on belongs to ``fit`` and draws no bar."""
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        """Let a later ``evaluate`` with this same logger draw its bar."""
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        """Start a new bar; print "Epoch i/N" when there is more than one epoch."""
        self._new_progbar()
        if self.verbose and self.epochs > 1:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        """Redraw the bar (verbose 1)."""
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Finish the bar with the epoch's results, validation included."""
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        """Start a bar for ``evaluate`` (not for validation inside ``fit``)."""
        if not self._called_in_fit:
            self._new_progbar()

    def on_test_batch_end(self, batch, logs=None):
        """Redraw the ``evaluate`` bar."""
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        """Finish the ``evaluate`` bar with its results."""
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        """Start a bar for ``predict``."""
        self._new_progbar()

    def on_predict_batch_end(self, batch, logs=None):
        """Redraw the ``predict`` bar; the batch's outputs are not shown."""
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        """Finish the ``predict`` bar."""
        self._finalize(None)

    def _new_progbar(self):
        self.seen = 0
        # Every value is shown as given: the logs already hold running epoch results.
        # Redrawn at most 4 times a second: fast steps are not slowed by printing.
        self.progbar = Progbar(
            target=self.target, verbose=self.verbose, unit_name="step", stateless_metrics=(),
            interval=_REDRAW_INTERVAL,
        )

    def _update(self, batch, logs):
        if self.progbar is None:
            self._new_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            values = None
            if logs is not None and self.progbar.due():  # lazy logs: read only here
                values = list(pythonify_logs(logs).items())
            self.progbar.update(self.seen, values, finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._new_progbar()
        if self.target is None:
            # The first epoch of unknown length tells the length of the next ones.
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(pythonify_logs(logs).items()), finalize=True)

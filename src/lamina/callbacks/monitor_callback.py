"""``MonitorCallback``: the shared part of callbacks that watch one logged quantity.

``EarlyStopping``, ``ModelCheckpoint`` and ``ReduceLROnPlateau`` each track the best value
of ``monitor`` and ask whether a new value improves on it by more than ``min_delta``. This
base class decides the direction (``mode``) and answers that question. It is not part of
the public list, as in Keras.
"""

import operator
import warnings

from lamina.callbacks.callback import Callback

_MODES = ("auto", "min", "max")

# With mode="auto", a name holding one of these words is maximized...
_HIGHER_IS_BETTER = (
    "acc",
    "auc",
    "precision",
    "recall",
    "f1",
    "fbeta",
    "iou",
    "r2_score",
    "sensitivity",
    "specificity",
    "cosine_similarity",
    "correlation",
)
# ...and one holding one of these is minimized. Other names need an explicit mode.
_LOWER_IS_BETTER = (
    "loss",
    "error",
    "mse",
    "mae",
    "mape",
    "msle",
    "crossentropy",
    "hinge",
    "divergence",
    "poisson",
    "cosh",
)

_UNKNOWN_DIRECTION = (
    "{cls}: can't tell whether monitor={monitor!r} should go up or down (mode='auto' "
    "recognizes losses, errors and accuracy-like metrics, and metrics that declare a "
    "direction). Pass mode='max' to keep the highest value or mode='min' to keep the "
    "lowest."
)


def _metric_direction(model, name):
    """The ``_direction`` ("up" or "down") a model metric called ``name`` declares, if any."""
    pending = list(getattr(model, "metrics", None) or [])
    while pending:
        metric = pending.pop()
        # Containers (compiled metrics, per-output lists) hold more metrics.
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)) and inner is not metric:
            pending.extend(inner)
        if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
            return metric._direction
    return None


class MonitorCallback(Callback):
    """Base for callbacks that track the best value of a logged quantity.

    Args:
        monitor: the logs key to watch. Defaults to ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (inferred from the name).
        baseline: the starting best value, or None to take the first value seen.
        min_delta: the least change that counts as an improvement. Defaults to 0.

    Example:
        >>> class PrintBest(MonitorCallback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if self._is_improvement(logs["val_loss"], self.best):
        ...             self.best = logs["val_loss"]
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in _MODES:
            # Keras warns and carries on here, so code written for it keeps running.
            warnings.warn(
                f"{type(self).__name__}: mode={mode!r} is unknown (expected one of "
                f"{', '.join(_MODES)}); using mode='auto'.",
                stacklevel=3,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Pick the comparison; run late, once the model's metrics exist."""
        self.monitor_op = operator.gt if self._direction() == "max" else operator.lt

    def _direction(self):
        if self.mode != "auto":
            return self.mode
        name = self.monitor.removeprefix("val_")
        if name.endswith("loss"):
            return "min"
        declared = _metric_direction(self._model, name)
        if declared is not None:
            return "max" if declared == "up" else "min"
        if any(word in name for word in _HIGHER_IS_BETTER):
            return "max"
        if any(word in name for word in _LOWER_IS_BETTER):
            return "min"
        raise ValueError(
            _UNKNOWN_DIRECTION.format(cls=type(self).__name__, monitor=self.monitor)
        )

    def _is_improvement(self, monitor_value, reference_value):
        """True when ``monitor_value`` beats ``reference_value`` by more than ``min_delta``."""
        if reference_value is None:
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        # Shift the new value against the direction of improvement by min_delta.
        if self.monitor_op is operator.gt:
            return monitor_value - self.min_delta > reference_value
        return monitor_value + self.min_delta < reference_value

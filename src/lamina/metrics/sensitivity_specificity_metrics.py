"""Metrics that pick the best operating point under a constraint: ``SensitivityAtSpecificity``,
``SpecificityAtSensitivity``, ``PrecisionAtRecall`` and ``RecallAtPrecision``.

Each keeps the four confusion counts at ``num_thresholds`` thresholds spread evenly over
[0, 1] (see ``confusion_counts.py``) and, in ``result``, returns the largest value of one
rate among the thresholds where another rate reaches the requested level (0 when none
does). A prediction is positive when it is strictly greater than the threshold.
"""

import numbers

from lamina import ops
from lamina.metrics import confusion_counts
from lamina.metrics.confusion_counts import COUNT_NAMES
from lamina.metrics.metric import Metric


class BaseSensitivitySpecificity(Metric):
    """Shared state and search of the four "best X where Y >= value" metrics.

    Subclasses set ``_value_name`` (the constructor argument holding the level, e.g.
    ``"recall"``) and implement ``_rates()``, returning ``(constrained, dependent)``: the
    rate that must reach the level and the rate to maximise, one entry per threshold.

    Args:
        value: the level in [0, 1] the constrained rate must reach.
        num_thresholds: how many thresholds to try (>= 1). With 1 the only threshold is
            0.5; otherwise they are ``i / (num_thresholds - 1)``, from 0 to 1.
        class_id: use only this class (last-axis index) of labels and predictions.
        name: the metric's name.
        dtype: the dtype of the state and the result.

    Returns:
        ``result()`` is a scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.PrecisionAtRecall(0.5, num_thresholds=3)  # a subclass
        >>> m.thresholds
        [0.0, 0.5, 1.0]
    """

    _value_name = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            0 <= value <= 1
        ):
            raise ValueError(
                f"{owner}: argument `{self._value_name}` must be a number in the range "
                f"[0, 1], got {self._value_name}={value!r}."
            )
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or (
            num_thresholds <= 0
        ):
            raise ValueError(
                f"{owner}: argument `num_thresholds` must be an integer > 0, got "
                f"num_thresholds={num_thresholds!r}. The default, 200, suits most uses."
            )
        if class_id is not None and (
            isinstance(class_id, bool) or not isinstance(class_id, int) or class_id < 0
        ):
            raise ValueError(
                f"{owner}: argument `class_id` must be None or an integer >= 0 (an index "
                f"into the last axis of the predictions), got class_id={class_id!r}."
            )
        super().__init__(name=name, dtype=dtype)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            steps = num_thresholds - 1
            self.thresholds = [0.0] + [(i + 1) / steps for i in range(steps - 1)] + [1.0]
        size = (len(self.thresholds),)
        # Created in Keras's order so saved metric state lines up with Keras files.
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        self.false_positives = self.add_variable(size, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(size, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(size, "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts at every threshold.

        Args:
            y_true: labels; non-zero means positive.
            y_pred: scores of the same shape, usually probabilities in [0, 1].
            sample_weight: optional weights, per sample or per entry.
        """
        inputs = confusion_counts.prepare_inputs(
            y_true, y_pred, sample_weight, self.dtype, class_id=self.class_id
        )
        if len(self.thresholds) == 1:
            counts = confusion_counts.count_at_thresholds(*inputs, self.thresholds, COUNT_NAMES)
        else:
            counts = confusion_counts.count_at_unit_grid(*inputs, self.num_thresholds)
        for count_name in COUNT_NAMES:
            getattr(self, count_name).assign_add(counts[count_name])

    def _rate(self, hits, misses):
        return ops.divide_no_nan(hits.value, ops.add(hits.value, misses.value))

    def _sensitivity(self):
        return self._rate(self.true_positives, self.false_negatives)

    def _specificity(self):
        return self._rate(self.true_negatives, self.false_positives)

    def _precision(self):
        return self._rate(self.true_positives, self.false_positives)

    def _rates(self):
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement _rates")

    def result(self):
        """The largest dependent rate over thresholds where the constraint holds, else 0."""
        constrained, dependent = self._rates()
        feasible = ops.greater_equal(constrained, self.value)
        return ops.max(ops.where(feasible, dependent, ops.zeros_like(dependent)), initial=0.0)

    def get_config(self):
        """The name, dtype, ``class_id``, ``num_thresholds`` and the level argument."""
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._value_name: self.value,
        }


class SensitivityAtSpecificity(BaseSensitivitySpecificity):
    """The best sensitivity ``tp / (tp + fn)`` at thresholds where specificity >= a level.

    Specificity is ``tn / (tn + fp)``, the fraction of negatives predicted negative.

    Args:
        specificity: the required specificity, in [0, 1].
        num_thresholds: how many thresholds to try; 200 by default.
        class_id: use only this class (last-axis index) of labels and predictions.
        name: the metric's name; ``"sensitivity_at_specificity"`` by default.
        dtype: the dtype of the state and the result.

    Returns:
        ``result()`` is a scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.SensitivityAtSpecificity(0.5)
        >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
        0.5
    """

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)
        self.specificity = specificity

    def _rates(self):
        return self._specificity(), self._sensitivity()


class SpecificityAtSensitivity(BaseSensitivitySpecificity):
    """The best specificity ``tn / (tn + fp)`` at thresholds where sensitivity >= a level.

    Sensitivity is ``tp / (tp + fn)``, the fraction of positives predicted positive.

    Args:
        sensitivity: the required sensitivity, in [0, 1].
        num_thresholds: how many thresholds to try; 200 by default.
        class_id: use only this class (last-axis index) of labels and predictions.
        name: the metric's name; ``"specificity_at_sensitivity"`` by default.
        dtype: the dtype of the state and the result.

    Returns:
        ``result()`` is a scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.SpecificityAtSensitivity(0.5)
        >>> round(float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])), 4)
        0.6667
    """

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)
        self.sensitivity = sensitivity

    def _rates(self):
        return self._sensitivity(), self._specificity()


class PrecisionAtRecall(BaseSensitivitySpecificity):
    """The best precision ``tp / (tp + fp)`` at thresholds where recall >= a level.

    Args:
        recall: the required recall, in [0, 1].
        num_thresholds: how many thresholds to try; 200 by default.
        class_id: use only this class (last-axis index) of labels and predictions.
        name: the metric's name; ``"precision_at_recall"`` by default.
        dtype: the dtype of the state and the result.

    Returns:
        ``result()`` is a scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.PrecisionAtRecall(0.5)
        >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
        0.5
    """

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)
        self.recall = recall

    def _rates(self):
        return self._sensitivity(), self._precision()


class RecallAtPrecision(BaseSensitivitySpecificity):
    """The best recall ``tp / (tp + fn)`` at thresholds where precision >= a level.

    When no threshold reaches the precision, the result is 0.

    Args:
        precision: the required precision, in [0, 1].
        num_thresholds: how many thresholds to try; 200 by default.
        class_id: use only this class (last-axis index) of labels and predictions.
        name: the metric's name; ``"recall_at_precision"`` by default.
        dtype: the dtype of the state and the result.

    Returns:
        ``result()`` is a scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.RecallAtPrecision(0.8)
        >>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
        0.5
    """

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)
        self.precision = precision

    def _rates(self):
        return self._precision(), self._sensitivity()

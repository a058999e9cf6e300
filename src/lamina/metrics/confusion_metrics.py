"""Metrics from the confusion matrix: raw counts, precision, recall and the area under a curve.

All of them count weighted true/false positives/negatives at one or more thresholds (see
``confusion_counts.py``): a prediction is positive when it is strictly greater than the
threshold, a label when it is non-zero. With a single threshold ``result()`` is a scalar,
with several it has one entry per threshold.
"""

from lamina import backend
from lamina import ops
from lamina.metrics import confusion_counts
from lamina.metrics.confusion_counts import COUNT_NAMES
from lamina.metrics.confusion_counts import NEG_INF
from lamina.metrics.metric import Metric


def _check_optional_int(owner, arg, value, minimum):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(
            f"{owner}: `{arg}` must be None or an integer >= {minimum}, got {value!r}."
        )


def _per_threshold(value, thresholds):
    """A scalar when there is one threshold, else the whole vector (always a fresh tensor)."""
    return ops.copy(value[0]) if len(thresholds) == 1 else ops.copy(value)


class BaseConfusionCount(Metric):
    """Shared body of the four raw-count metrics; subclasses set ``_count_name``."""

    _count_name = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = confusion_counts.parse_thresholds(thresholds, default=0.5)
        self.accumulator = self.add_variable(
            (len(self.thresholds),), "zeros", name="accumulator"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's weighted count at each threshold.

        Args:
            y_true: labels; non-zero means positive.
            y_pred: scores, usually probabilities in [0, 1], same shape as ``y_true``.
            sample_weight: optional weights, per sample or per entry.
        """
        inputs = confusion_counts.prepare_inputs(y_true, y_pred, sample_weight, self.dtype)
        counts = confusion_counts.count_at_thresholds(
            *inputs, self.thresholds, (self._count_name,)
        )
        self.accumulator.assign_add(counts[self._count_name])

    def result(self):
        """The count (one per threshold when there are several)."""
        return _per_threshold(self.accumulator.value, self.thresholds)

    def get_config(self):
        """The name, dtype and ``thresholds`` as given."""
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(BaseConfusionCount):
    """The weighted number of positive labels predicted positive (``y_pred > threshold``).

    Args:
        thresholds: a float or list of floats in [0, 1]; 0.5 by default.
        name: the metric's name; ``"true_positives"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.TruePositives()
        >>> float(m([0, 1, 1, 1], [1, 0, 1, 1]))
        2.0
    """

    _count_name = "true_positives"


class FalsePositives(BaseConfusionCount):
    """The weighted number of negative labels predicted positive.

    Args:
        thresholds: a float or list of floats in [0, 1]; 0.5 by default.
        name: the metric's name; ``"false_positives"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.FalsePositives()
        >>> float(m([0, 1, 0, 0], [0, 0, 1, 1]))
        2.0
    """

    _count_name = "false_positives"


class TrueNegatives(BaseConfusionCount):
    """The weighted number of negative labels predicted negative.

    Args:
        thresholds: a float or list of floats in [0, 1]; 0.5 by default.
        name: the metric's name; ``"true_negatives"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.TrueNegatives()
        >>> float(m([0, 1, 0, 0], [1, 1, 0, 0]))
        2.0
    """

    _count_name = "true_negatives"


class FalseNegatives(BaseConfusionCount):
    """The weighted number of positive labels predicted negative.

    Args:
        thresholds: a float or list of floats in [0, 1]; 0.5 by default.
        name: the metric's name; ``"false_negatives"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.FalseNegatives()
        >>> float(m([0, 1, 1, 1], [0, 1, 0, 0]))
        2.0
    """

    _count_name = "false_negatives"


class _PrecisionRecall(Metric):
    """Shared body of ``Precision`` and ``Recall``: two counts and a ratio."""

    _other_count = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        _check_optional_int(owner, "top_k", top_k, 1)
        _check_optional_int(owner, "class_id", class_id, 0)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k, every score kept in the top k counts as positive unless told otherwise.
        default = NEG_INF if top_k is not None else 0.5
        self.thresholds = confusion_counts.parse_thresholds(thresholds, default=default)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        other = self.add_variable(size, "zeros", name=self._other_count)
        setattr(self, self._other_count, other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts at each threshold.

        Args:
            y_true: labels; non-zero means positive.
            y_pred: scores of the same shape, usually probabilities in [0, 1].
            sample_weight: optional weights, per sample or per entry.
        """
        inputs = confusion_counts.prepare_inputs(
            y_true, y_pred, sample_weight, self.dtype, top_k=self.top_k, class_id=self.class_id
        )
        names = ("true_positives", self._other_count)
        counts = confusion_counts.count_at_thresholds(*inputs, self.thresholds, names)
        for count_name in names:
            getattr(self, count_name).assign_add(counts[count_name])

    def result(self):
        """``tp / (tp + other)`` (0 where nothing was counted), per threshold if several."""
        tp = self.true_positives.value
        other = getattr(self, self._other_count).value
        return _per_threshold(ops.divide_no_nan(tp, ops.add(tp, other)), self.thresholds)

    def get_config(self):
        """The name, dtype, ``thresholds`` (as given), ``top_k`` and ``class_id``."""
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecall):
    """The fraction of positive predictions that are right: ``tp / (tp + fp)``.

    Args:
        thresholds: a float or list of floats in [0, 1]; predictions above a threshold are
            positive. Defaults to 0.5, or to "every top-k score" when ``top_k`` is set.
        top_k: only the ``k`` highest scores of each sample (along the last axis) may count
            as positive.
        class_id: compute the metric for this class (last-axis index) only.
        name: the metric's name; ``"precision"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Precision()
        >>> round(float(m([0, 1, 1, 1], [1, 0, 1, 1])), 4)
        0.6667
    """

    _other_count = "false_positives"


class Recall(_PrecisionRecall):
    """The fraction of positive labels that are found: ``tp / (tp + fn)``.

    Args:
        thresholds: a float or list of floats in [0, 1]; predictions above a threshold are
            positive. Defaults to 0.5, or to "every top-k score" when ``top_k`` is set.
        top_k: only the ``k`` highest scores of each sample (along the last axis) may count
            as positive.
        class_id: compute the metric for this class (last-axis index) only.
        name: the metric's name; ``"recall"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Recall()
        >>> round(float(m([0, 1, 1, 1], [1, 0, 1, 1])), 4)
        0.6667
    """

    _other_count = "false_negatives"


_CURVES = ("ROC", "PR")
_SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """The area under the ROC or precision-recall curve, approximated over fixed thresholds.

    Counts are kept at ``num_thresholds`` thresholds spread evenly over [0, 1] (the ends
    nudged to ``-epsilon`` and ``1 + epsilon``), and the curve through the resulting points
    is integrated with a Riemann sum. For ``curve="PR"`` with ``"interpolation"`` the
    precision between points follows Davis & Goadrich (2006), which is more accurate than
    straight lines in precision-recall space.

    Args:
        num_thresholds: how many thresholds (> 1); ignored when ``thresholds`` is given.
        curve: ``"ROC"`` (recall against false-positive rate) or ``"PR"``.
        summation_method: ``"interpolation"`` (trapezoids; Davis-Goadrich for PR),
            ``"minoring"`` (lower rectangles) or ``"majoring"`` (upper rectangles).
        name: the metric's name; ``"auc"`` by default.
        dtype: the dtype of the state and the result.
        thresholds: explicit thresholds in [0, 1]; ``-epsilon`` and ``1 + epsilon`` are
            added at the ends.
        multi_label: treat the last axis as independent labels, compute one AUC per label
            and average them; otherwise every entry is pooled into one curve.
        num_labels: the number of labels with ``multi_label`` (found from the first batch
            when None).
        label_weights: non-negative per-label weights: the weights of the per-label average
            with ``multi_label``, otherwise weights on each label's entries in the counts.
        from_logits: whether predictions are logits (a sigmoid is applied first).

    Example:
        >>> m = lamina.metrics.AUC(num_thresholds=3)
        >>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
        0.75
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name=name, dtype=dtype)
        if not isinstance(curve, str) or curve.upper() not in _CURVES:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", "PR"].'
            )
        if (not isinstance(summation_method, str)
                or summation_method.lower() not in _SUMMATION_METHODS):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values '
                'are ["interpolation", "majoring", "minoring"].'
            )
        _check_optional_int("AUC", "num_labels", num_labels, 1)
        self.curve = curve.upper()
        self.summation_method = summation_method.lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self._from_logits = bool(from_logits)
        epsilon = backend.epsilon()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(confusion_counts.parse_thresholds(thresholds, default=0.5))
            self._thresholds = [-epsilon] + inner + [1.0 + epsilon]
            self.num_thresholds = len(self._thresholds)
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or (
                num_thresholds <= 1
            ):
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. Received: "
                    f"num_thresholds={num_thresholds!r}."
                )
            self.num_thresholds = num_thresholds
            self._thresholds = confusion_counts.auc_thresholds(num_thresholds, epsilon)
        self._epsilon = epsilon
        if label_weights is not None:
            label_weights = [float(w) for w in ops.convert_to_numpy(label_weights).ravel()]
            if any(w < 0 for w in label_weights):
                raise ValueError(
                    f"AUC: all `label_weights` must be non-negative, got {label_weights}."
                )
        self.label_weights = label_weights
        self._built = False
        if not self.multi_label:
            self._build(None)
        elif num_labels is not None:
            self._build(num_labels)

    @property
    def thresholds(self):
        """The thresholds in use, the nudged ends included."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds,
                                                                    num_labels)
        self.num_labels = num_labels if self.multi_label else self.num_labels
        for count_name in COUNT_NAMES:
            setattr(self, count_name, self.add_variable(shape, "zeros", name=count_name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts at every threshold.

        Args:
            y_true: labels; non-zero means positive.
            y_pred: scores in [0, 1] (or logits with ``from_logits=True``), same shape.
            sample_weight: optional weights, per sample or per entry.
        """
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            if len(y_pred.shape) < 2:
                raise ValueError(
                    "AUC(multi_label=True) expects predictions of shape (batch_size, "
                    f"num_labels), got shape {tuple(y_pred.shape)}."
                )
            self._build(y_pred.shape[-1])
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        inputs = confusion_counts.prepare_inputs(
            y_true,
            y_pred,
            sample_weight,
            self.dtype,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )
        if self._init_from_thresholds:
            counts = confusion_counts.count_at_thresholds(*inputs, self._thresholds, COUNT_NAMES)
        else:
            counts = confusion_counts.count_at_even_thresholds(
                *inputs, self.num_thresholds, self._epsilon
            )
        for count_name in COUNT_NAMES:
            getattr(self, count_name).assign_add(counts[count_name])

    def _combine(self, per_threshold):
        """Sum the area pieces over thresholds; with ``multi_label``, average over labels."""
        if not self.multi_label:
            return ops.sum(per_threshold)
        by_label = ops.sum(per_threshold, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        weights = ops.convert_to_tensor(self.label_weights, dtype=self.dtype)
        return ops.divide_no_nan(ops.sum(ops.multiply(by_label, weights)), ops.sum(weights))

    def _interpolated_pr_area(self, tp, fp, fn):
        # Davis & Goadrich (2006): between two thresholds TP grows linearly with the number
        # of predicted positives P, TP = slope * P + intercept, so precision = TP / P and the
        # exact area of each piece has a log(P_i / P_{i+1}) term.
        positives = ops.add(tp, fp)
        d_tp = ops.subtract(tp[:-1], tp[1:])
        d_p = ops.subtract(positives[:-1], positives[1:])
        slope = ops.divide_no_nan(d_tp, ops.maximum(d_p, 0.0))
        intercept = ops.subtract(tp[1:], ops.multiply(slope, positives[1:]))
        both_positive = ops.logical_and(
            ops.greater(positives[:-1], 0.0), ops.greater(positives[1:], 0.0)
        )
        ratio = ops.where(
            both_positive,
            ops.divide_no_nan(positives[:-1], ops.maximum(positives[1:], 0.0)),
            ops.ones_like(positives[1:]),
        )
        piece = ops.divide_no_nan(
            ops.multiply(slope, ops.add(d_tp, ops.multiply(intercept, ops.log(ratio)))),
            ops.maximum(ops.add(tp[1:], fn[1:]), 0.0),
        )
        return self._combine(piece)

    def result(self):
        """The area under the chosen curve (averaged over labels with ``multi_label``)."""
        if not self._built:
            return ops.zeros((), dtype=self.dtype)
        tp = self.true_positives.value
        fp = self.false_positives.value
        tn = self.true_negatives.value
        fn = self.false_negatives.value
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_area(tp, fp, fn)
        recall = ops.divide_no_nan(tp, ops.add(tp, fn))
        if self.curve == "ROC":
            x, y = ops.divide_no_nan(fp, ops.add(fp, tn)), recall
        else:
            x, y = recall, ops.divide_no_nan(tp, ops.add(tp, fp))
        if self.summation_method == "interpolation":
            heights = ops.divide(ops.add(y[:-1], y[1:]), 2.0)
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[:-1], y[1:])
        else:
            heights = ops.maximum(y[:-1], y[1:])
        # Thresholds rise, so x falls: each width x[i] - x[i + 1] is non-negative.
        return self._combine(ops.multiply(ops.subtract(x[:-1], x[1:]), heights))

    def get_config(self):
        """All constructor arguments; ``thresholds`` only when they were given explicitly."""
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config

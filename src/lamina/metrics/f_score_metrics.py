"""F-scores: ``FBetaScore`` and its common case ``F1Score``, per class or averaged.

Inputs are 2-D, ``(batch_size, num_classes)``: one-hot (or multi-hot) labels and scores.
Per-class counts are kept from batch to batch; the score is formed in ``result``.
"""

from lamina import backend
from lamina import ops
from lamina.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score, ``(1 + beta²) P R / (beta² P + R)``, from precision P and recall R.

    Without a ``threshold`` the highest-scored class(es) of each sample count as predicted
    (an all-zero row predicts nothing); with one, every score strictly above it does.

    Args:
        average: None (one score per class), ``"micro"`` (pool every class's counts),
            ``"macro"`` (mean of the per-class scores) or ``"weighted"`` (mean weighted by
            each class's number of true instances).
        beta: how many times more recall weighs than precision (> 0).
        threshold: a float in (0, 1]; None means "the arg-max class".
        name: the metric's name, ``"fbeta_score"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.FBetaScore(beta=2.0, average="micro")
        >>> round(float(m([[1, 0], [0, 1]], [[0.9, 0.1], [0.8, 0.2]])), 4)
        0.5
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(
                f"{owner}: invalid `average` argument value. Expected one of: None, 'micro', "
                f"'macro', 'weighted'. Received: average={average!r}."
            )
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
            raise ValueError(
                f"{owner}: invalid `beta` argument value. It should be a number > 0. "
                f"Received: beta={beta!r}."
            )
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not 0 < threshold <= 1
        ):
            raise ValueError(
                f"{owner}: invalid `threshold` argument value. It should be a number in "
                f"(0, 1], or None for the arg-max class. Received: threshold={threshold!r}."
            )
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        # "micro" pools all classes, so its counts are scalars; the others keep one per class.
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                f"num_classes). Received input shapes: y_pred.shape={tuple(y_pred_shape)} "
                f"and y_true.shape={tuple(y_true_shape)}. One-hot encode integer labels "
                "first (ops.one_hot)."
            )
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} expects the last dimension (num_classes) to be "
                f"known. Received y_pred.shape={tuple(y_pred_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(
            shape, "zeros", name="intermediate_weights"
        )
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's per-class true positives, false positives and false negatives.

        Args:
            y_true: one-hot or multi-hot labels, ``(batch_size, num_classes)``.
            y_pred: scores of the same shape.
            sample_weight: optional per-sample weights, ``(batch_size,)``.
        """
        y_true = ops.cast(y_true, self.dtype)
        y_pred = ops.cast(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            # The abs test keeps an all-zero row from predicting every class.
            predicted = ops.logical_and(
                ops.greater_equal(y_pred, row_max), ops.greater(ops.abs(y_pred), 1e-9)
            )
        else:
            predicted = ops.greater(y_pred, self.threshold)
        predicted = ops.cast(predicted, self.dtype)

        def weighted_sum(values):
            if sample_weight is not None:
                weight = ops.reshape(ops.cast(sample_weight, self.dtype), (-1, 1))
                values = ops.multiply(values, weight)
            return ops.sum(values, axis=self.axis)

        missed = ops.subtract(1.0, predicted)
        self.true_positives.assign_add(weighted_sum(ops.multiply(predicted, y_true)))
        self.false_positives.assign_add(
            weighted_sum(ops.multiply(predicted, ops.subtract(1.0, y_true)))
        )
        self.false_negatives.assign_add(weighted_sum(ops.multiply(missed, y_true)))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        """The score: per class (``average=None``) or one number."""
        if not self._built:
            return ops.zeros((), dtype=self.dtype)
        epsilon = backend.epsilon()
        tp = self.true_positives.value
        precision = ops.divide(tp, ops.add(ops.add(tp, self.false_positives.value), epsilon))
        recall = ops.divide(tp, ops.add(ops.add(tp, self.false_negatives.value), epsilon))
        beta_sq = self.beta**2
        score = ops.multiply(
            ops.divide(
                ops.multiply(precision, recall),
                ops.add(ops.add(ops.multiply(precision, beta_sq), recall), epsilon),
            ),
            1.0 + beta_sq,
        )
        if self.average == "weighted":
            counts = self.intermediate_weights.value
            weights = ops.divide(counts, ops.add(ops.sum(counts), epsilon))
            return ops.sum(ops.multiply(score, weights))
        if self.average is not None:  # "micro" (already a scalar) or "macro"
            return ops.mean(score)
        return score

    def get_config(self):
        """The name, dtype, ``beta``, ``average`` and ``threshold``."""
        return {
            **super().get_config(),
            "beta": self.beta,
            "average": self.average,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """The F1 score: the harmonic mean of precision and recall, ``2 P R / (P + R)``.

    Args:
        average: None (per class), ``"micro"``, ``"macro"`` or ``"weighted"``, as in
            :class:`FBetaScore`.
        threshold: a float in (0, 1]; None means "the arg-max class".
        name: the metric's name, ``"f1_score"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.F1Score(average="macro", threshold=0.5)
        >>> round(float(m([[1, 0], [0, 1]], [[0.9, 0.1], [0.8, 0.2]])), 4)
        0.3333
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        """The name, dtype, ``average`` and ``threshold`` (``beta`` is always 1)."""
        config = super().get_config()
        del config["beta"]
        return config

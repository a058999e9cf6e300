"""Counting true/false positives/negatives at a list of thresholds (for the confusion metrics).

A prediction counts as positive at threshold ``t`` when ``y_pred > t``; a label counts as
positive when it is non-zero. Counts are weighted by ``sample_weight``. Everything here is
traceable: thresholds and shapes are static, tensor values never reach Python.
"""

import numpy as np

from lamina import ops
from lamina.metrics.reduction_metrics import squeeze_or_expand_to_same_rank

# Keras's stand-in for minus infinity: scores pushed out of the top k, and the default
# threshold of `Precision` / `Recall` with `top_k`, so every kept score counts as positive.
NEG_INF = -1e10

COUNT_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")

_BAD_THRESHOLDS = (
    "Threshold values must be in [0, 1]. Received: {received}. Pass a float or a list of "
    "floats between 0 and 1, e.g. thresholds=[0.3, 0.5, 0.7]."
)


def parse_thresholds(thresholds, default):
    """Check the ``thresholds`` argument of a confusion metric and return a list of floats.

    Args:
        thresholds: None, a float or a list/tuple of floats in ``[0, 1]``.
        default: the threshold used when ``thresholds`` is None (not range-checked).

    Returns:
        A list of Python floats.

    Raises:
        ValueError: when a given threshold is None or outside ``[0, 1]``.
    """
    if thresholds is None:
        return [float(default)]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [
        thresholds
    ]
    invalid = [t for t in values if t is None or not 0 <= t <= 1]
    if invalid or not values:
        raise ValueError(_BAD_THRESHOLDS.format(received=invalid or values))
    return [float(t) for t in values]


def auc_thresholds(num_thresholds, epsilon):
    """``num_thresholds`` evenly spaced thresholds over [0, 1], ends pushed to -eps and 1+eps.

    The pushed ends make a prediction of exactly 0 positive at the first threshold and one
    of exactly 1 negative at the last, so the curve always runs from (1, 1) to (0, 0).
    """
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [-epsilon] + inner + [1.0 + epsilon]


def filter_top_k(x, k):
    """Keep the ``k`` largest scores along the last axis; set the others to ``NEG_INF``."""
    num_classes = x.shape[-1]
    _, indices = ops.top_k(x, k, sorted=False)
    kept = ops.sum(ops.one_hot(indices, num_classes, dtype=ops.dtype(x)), axis=-2)
    return ops.add(ops.multiply(x, kept), ops.multiply(ops.subtract(1.0, kept), NEG_INF))


def _align_weights(sample_weight, y_pred, dtype):
    """Broadcast ``sample_weight`` (None, scalar, per-sample or per-entry) to ``y_pred``."""
    if sample_weight is None:
        return ops.ones(ops.shape(y_pred), dtype=dtype)
    weight = ops.cast(sample_weight, dtype)
    _, weight = squeeze_or_expand_to_same_rank(y_pred, weight, expand_rank_1=False)
    # A per-sample weight (batch,) meets predictions (batch, classes, ...): add trailing axes.
    while 0 < len(weight.shape) < len(y_pred.shape):
        weight = ops.expand_dims(weight, -1)
    return ops.broadcast_to(weight, ops.shape(y_pred))


def prepare_inputs(
    y_true,
    y_pred,
    sample_weight,
    dtype,
    top_k=None,
    class_id=None,
    multi_label=False,
    label_weights=None,
):
    """Line up labels, scores and weights, apply ``top_k`` / ``class_id``, then flatten.

    Returns:
        ``(is_positive, y_pred, weight)``: float tensors of shape ``(n,)``, or
        ``(n, num_labels)`` with ``multi_label``; ``is_positive`` is 1 for non-zero labels.
    """
    y_pred = ops.cast(y_pred, dtype)
    y_true = ops.cast(y_true, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    weight = _align_weights(sample_weight, y_pred, dtype)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred, weight = y_true[..., class_id], y_pred[..., class_id], weight[..., class_id]
    if label_weights is not None and not multi_label:
        weight = ops.multiply(weight, ops.cast(label_weights, dtype))
    is_positive = ops.cast(ops.not_equal(y_true, 0), dtype)
    if multi_label:
        num_labels = y_pred.shape[-1]
        shape = (-1, num_labels)
    else:
        shape = (-1,)
    return (ops.reshape(is_positive, shape), ops.reshape(y_pred, shape),
            ops.reshape(weight, shape))


def count_at_thresholds(is_positive, y_pred, weight, thresholds, names):
    """Weighted confusion counts at every threshold, by direct comparison.

    Args:
        is_positive, y_pred, weight: from :func:`prepare_inputs`, shape ``(n,)`` or
            ``(n, labels)``.
        thresholds: a list of floats (any order).
        names: which of :data:`COUNT_NAMES` to compute.

    Returns:
        A dict name -> tensor of shape ``(len(thresholds),)`` or ``(len(thresholds), labels)``.
    """
    dtype = ops.dtype(y_pred)
    thresholds = ops.convert_to_tensor(np.asarray(thresholds, dtype="float64"), dtype=dtype)
    thresholds = ops.reshape(thresholds, (-1,) + (1,) * len(y_pred.shape))
    # (thresholds, n[, labels]): 1 where the prediction is positive at that threshold.
    predicted = ops.cast(ops.greater(ops.expand_dims(y_pred, 0), thresholds), dtype)
    positive_weight = ops.multiply(is_positive, weight)
    negative_weight = ops.multiply(ops.subtract(1.0, is_positive), weight)
    counts = {}
    if "true_positives" in names:
        counts["true_positives"] = ops.sum(ops.multiply(predicted, positive_weight), axis=1)
    if "false_positives" in names:
        counts["false_positives"] = ops.sum(ops.multiply(predicted, negative_weight), axis=1)
    if "true_negatives" in names:
        counts["true_negatives"] = ops.sum(
            ops.multiply(ops.subtract(1.0, predicted), negative_weight), axis=1
        )
    if "false_negatives" in names:
        counts["false_negatives"] = ops.sum(
            ops.multiply(ops.subtract(1.0, predicted), positive_weight), axis=1
        )
    return counts


def count_at_even_thresholds(is_positive, y_pred, weight, num_thresholds, epsilon):
    """All four counts at :func:`auc_thresholds`, in O(n + thresholds) via a histogram.

    Each prediction falls in bucket ``b`` = the number of thresholds strictly below it, so it
    is positive exactly at thresholds ``0 .. b - 1``; see :func:`_counts_from_buckets`.
    """
    steps = num_thresholds - 1
    bucket = ops.clip(ops.ceil(ops.multiply(y_pred, float(steps))), 1.0, float(steps))
    bucket = ops.where(ops.greater(y_pred, 1.0 + epsilon), float(num_thresholds), bucket)
    bucket = ops.where(ops.greater(y_pred, -epsilon), bucket, 0.0)
    return _counts_from_buckets(is_positive, y_pred, weight, bucket, num_thresholds)


def count_at_unit_grid(is_positive, y_pred, weight, num_thresholds):
    """All four counts at ``num_thresholds`` thresholds ``i / (num_thresholds - 1)``.

    The grid runs from exactly 0 to exactly 1 (no nudged ends, unlike
    :func:`auc_thresholds`). Predictions are clipped to [0, 1] first, as Keras does on this
    path, so a score above 1 is negative at the last threshold.

    Args:
        is_positive, y_pred, weight: from :func:`prepare_inputs`, shape ``(n,)``.
        num_thresholds: the grid size, at least 2.

    Returns:
        A dict over :data:`COUNT_NAMES` of tensors of shape ``(num_thresholds,)``.
    """
    # ceil(p * steps) thresholds lie strictly below a clipped prediction p.
    steps = float(num_thresholds - 1)
    bucket = ops.ceil(ops.multiply(ops.clip(y_pred, 0.0, 1.0), steps))
    return _counts_from_buckets(is_positive, y_pred, weight, bucket, num_thresholds)


def _counts_from_buckets(is_positive, y_pred, weight, bucket, num_thresholds):
    """The four counts from each prediction's bucket (the number of thresholds below it).

    Summing the weights per bucket and then from the top bucket down gives the positive
    counts at every threshold at once, instead of comparing every prediction with every
    threshold.
    """
    dtype = ops.dtype(y_pred)
    bucket = ops.cast(bucket, "int32")
    num_buckets = num_thresholds + 1
    labels = y_pred.shape[-1] if len(y_pred.shape) == 2 else 1
    if len(y_pred.shape) == 2:
        # Give each label its own block of buckets: id = bucket * labels + label.
        bucket = ops.add(ops.multiply(bucket, labels), ops.arange(labels, dtype="int32"))
    bucket = ops.reshape(bucket, (-1,))
    positive_weight = ops.multiply(is_positive, weight)
    negative_weight = ops.multiply(ops.subtract(1.0, is_positive), weight)

    def positives_by_threshold(w):
        histogram = ops.segment_sum(ops.reshape(w, (-1,)), bucket,
                                    num_segments=num_buckets * labels)
        histogram = ops.reshape(histogram, (num_buckets,) + tuple(y_pred.shape[1:]))
        # above[j] = weight in buckets >= j; threshold i counts buckets > i.
        above = ops.flip(ops.cumsum(ops.flip(histogram, 0), axis=0), 0)
        return above[1:]

    tp = positives_by_threshold(positive_weight)
    fp = positives_by_threshold(negative_weight)
    total_pos = ops.sum(positive_weight, axis=0)
    total_neg = ops.sum(negative_weight, axis=0)
    return {
        "true_positives": tp,
        "false_positives": fp,
        "true_negatives": ops.cast(ops.subtract(total_neg, fp), dtype),
        "false_negatives": ops.cast(ops.subtract(total_pos, tp), dtype),
    }

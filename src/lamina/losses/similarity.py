"""Similarity (metric-learning) losses: the Circle loss of Sun et al. (2020).

The loss takes L2-normalized embeddings and integer class labels, and pulls embeddings of
the same class together while pushing other classes apart, in cosine distance.
"""

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper


def _pair_masks(query_labels, key_labels, remove_diagonal):
    """``(positive, negative)`` boolean masks, ``(queries, keys)``: same class or not."""
    if len(query_labels.shape) == 1:
        query_labels = ops.reshape(query_labels, (-1, 1))
    if len(key_labels.shape) == 1:
        key_labels = ops.reshape(key_labels, (-1, 1))
    positive = ops.equal(query_labels, ops.transpose(key_labels))
    negative = ops.logical_not(positive)
    if remove_diagonal:
        # An embedding is not its own positive when the references are the batch itself.
        diagonal = ops.eye(ops.size(query_labels), ops.size(key_labels), dtype="bool")
        positive = ops.logical_and(positive, ops.logical_not(diagonal))
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss over the pairs formed by a batch of embeddings and reference embeddings.

    With cosine distances ``d`` (clipped at 0) between each embedding and each reference,
    positive pairs (same label) get logits ``-gamma * relu(margin + d) * (margin - d)`` and
    negative pairs ``gamma * relu(1 + margin - d) * (1 - margin - d)``; each row's loss is
    ``softplus(logsumexp(positive logits) + logsumexp(negative logits))``. Keras marks rows
    with a zero loss as masked, so the :class:`Circle` loss (and a model compiled with
    ``loss="circle"``) averages over the rows with a positive loss only.

    Args:
        y_true: integer labels, shape ``(batch,)`` or ``(batch, 1)``.
        y_pred: L2-normalized embeddings, shape ``(batch, dim)``.
        ref_labels: labels of the references; ``y_true`` by default.
        ref_embeddings: L2-normalized reference embeddings, ``(refs, dim)``; ``y_pred`` by
            default (pairs within the batch).
        remove_diagonal: whether entry ``i`` of the batch is not paired with reference ``i``
            (set it when the references are the batch itself). Defaults to True.
        gamma: the scale of the logits. Defaults to 80.
        margin: the relaxation margin; smaller is stricter. Defaults to 0.4.

    Returns:
        Per-row losses, shape ``(batch,)``.

    Example:
        >>> embeddings = ops.normalize(ops.convert_to_tensor([[1.0, 0.2], [0.9, 0.4],
        ...                                                   [-0.3, 1.0]]), axis=-1)
        >>> circle([0, 1, 0], embeddings, gamma=4)  # [7.3154, 0.0, 3.5984]
        ... # rows 0 and 2 share a class but point apart; row 1 has no positive pair
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    ref_embeddings = y_pred if ref_embeddings is None else ops.cast(
        ops.convert_to_tensor(ref_embeddings), ops.dtype(y_pred))
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    # (batch, refs): cosine distance of each embedding to each reference.
    distance = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref_embeddings))),
                           0.0)
    positive, negative = _pair_masks(y_true, ref_labels, remove_diagonal)
    positive_weight = ops.relu(ops.multiply(ops.add(margin, distance),
                                            ops.cast(positive, distance.dtype)))
    negative_weight = ops.relu(ops.multiply(ops.subtract(1.0 + margin, distance),
                                            ops.cast(negative, distance.dtype)))
    positive_logits = ops.multiply(-gamma, ops.multiply(positive_weight,
                                                        ops.subtract(margin, distance)))
    negative_logits = ops.multiply(gamma, ops.multiply(negative_weight,
                                                       ops.subtract(1.0 - margin, distance)))
    # Pairs of the other kind drop out of each log-sum-exp; a row with no pair of a kind
    # gets -inf there and a zero loss, as in Keras.
    positive_term = ops.logsumexp(ops.where(positive, positive_logits, float("-inf")), axis=1)
    negative_term = ops.logsumexp(ops.where(negative, negative_logits, float("-inf")), axis=1)
    return ops.softplus(ops.add(positive_term, negative_term))


# Both flags are read by LossFunctionWrapper: keep integer labels as they are, and average
# over the rows with a positive loss only.
circle.integer_targets = True
circle.counts_positive_losses_only = True


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning; see :func:`circle`.

    Rows whose loss is 0 are left out of the ``"sum_over_batch_size"`` average, as in Keras.

    Args:
        gamma: the scale of the logits. Defaults to 80.0.
        margin: the relaxation margin. Defaults to 0.4.
        remove_diagonal: whether an embedding is not paired with itself. Defaults to True.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"circle"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> embeddings = ops.normalize(ops.convert_to_tensor([[1.0, 0.2], [0.9, 0.4],
        ...                                                   [-0.3, 1.0]]), axis=-1)
        >>> Circle(gamma=4.0)([0, 1, 0], embeddings)  # (7.3154 + 3.5984) / 2 = 5.4569
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

"""Overlap losses for image segmentation: Dice and Tversky.

Both compare a soft prediction mask with the target mask through sums over ``axis``. With
the default ``axis=None`` the sums run over every entry, batch included, so the function
returns a single number for the whole batch (as in Keras); pass e.g. ``axis=(1, 2)`` for
one loss per image.
"""

from lamina import backend
from lamina import ops
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.loss import standardize_inputs


def _as_axis(axis):
    # A tuple axis comes back from a JSON config as a list; ops want a tuple.
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true, y_pred, axis=None):
    """Dice loss: ``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)``.

    Args:
        y_true: target masks in [0, 1], e.g. shape ``(batch, height, width, channels)``.
        y_pred: predicted masks (probabilities), same shape.
        axis: the axis or axes to sum over; None (the default) sums over everything.

    Returns:
        The loss: a scalar with ``axis=None``, else ``y_pred``'s shape without ``axis``.

    Example:
        >>> dice([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.0, 1.0, 0.0]])  # 1 - 2 / 4 = 0.5
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred, match_rank=False)
    axis = _as_axis(axis)
    overlap = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis))
    score = ops.divide(ops.multiply(2.0, overlap), ops.add(total, backend.epsilon()))
    return ops.subtract(1.0, score)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss, a Dice loss with separate weights on the two kinds of error.

    With ``overlap = sum(y_true * y_pred)``, the loss is
    ``1 - overlap / (overlap + alpha * sum(y_true * (1 - y_pred))
    + beta * sum((1 - y_true) * y_pred) + eps)``: ``alpha`` weighs missed target
    (false negatives), ``beta`` weighs spurious prediction (false positives). With
    ``alpha = beta = 0.5`` it equals :func:`dice`.

    Args:
        y_true: target masks in [0, 1].
        y_pred: predicted masks (probabilities), same shape.
        alpha: the weight of missed target. Defaults to 0.5.
        beta: the weight of spurious prediction. Defaults to 0.5.
        axis: the axis or axes to sum over; None (the default) sums over everything.

    Returns:
        The loss: a scalar with ``axis=None``, else ``y_pred``'s shape without ``axis``.

    Example:
        >>> tversky([[1.0, 1.0, 0.0]], [[1.0, 0.0, 1.0]], alpha=0.7, beta=0.3)  # 0.5
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred, match_rank=False)
    axis = _as_axis(axis)
    overlap = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    missed = ops.sum(ops.multiply(y_true, ops.subtract(1.0, y_pred)), axis=axis)
    spurious = ops.sum(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=axis)
    denominator = ops.add(
        ops.add(overlap, ops.multiply(missed, alpha)), ops.multiply(spurious, beta)
    )
    score = ops.divide(overlap, ops.add(denominator, backend.epsilon()))
    return ops.subtract(1.0, score)


class Dice(LossFunctionWrapper):
    """Dice loss for segmentation; see :func:`dice`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"dice"``.
        axis: the axis or axes to sum over; None (the default) sums over everything,
            giving one loss for the whole batch.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> Dice()([[1.0, 1.0, 0.0, 0.0]], [[1.0, 0.0, 1.0, 0.0]])  # 0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss for segmentation; see :func:`tversky`.

    Args:
        alpha: the weight of missed target (false negatives). Defaults to 0.5.
        beta: the weight of spurious prediction (false positives). Defaults to 0.5.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"tversky"``.
        axis: the axis or axes to sum over; None (the default) sums over everything.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> Tversky(alpha=0.7, beta=0.3)([[1.0, 1.0, 0.0]], [[1.0, 0.0, 1.0]])  # 0.5
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

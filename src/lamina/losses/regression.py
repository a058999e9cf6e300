"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh, cosine.

Each function returns per-sample losses, reducing the last axis (``y_pred``'s shape
without it); each class wraps its function and reduces over the batch.
"""

import math

from lamina import backend
from lamina import ops
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.loss import standardize_inputs


def mean_squared_error(y_true, y_pred):
    """Mean of the squared differences over the last axis: ``mean((y_true - y_pred)**2)``.

    Args:
        y_true: targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])  # [0.5]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def _mean_squared_error_mean(y_true, y_pred):
    """The mean of :func:`mean_squared_error` over the batch, fused (one engine op), for
    same-shape concrete tensors with at least one entry per row; else None."""
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    shape = tuple(y_pred.shape)
    if tuple(y_true.shape) != shape or not shape or not all(shape):
        return None
    return backend.nn.mean_squared_error_mean(y_true, y_pred)


mean_squared_error.mean_of_all = _mean_squared_error_mean


def mean_absolute_error(y_true, y_pred):
    """Mean of the absolute differences over the last axis: ``mean(|y_true - y_pred|)``.

    Args:
        y_true: targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]])  # [1.5]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))`` over the last axis.

    Args:
        y_true: targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses in percent, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]])  # [25.]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    # Keras divides by max(|y_true|, epsilon) so zero targets give a large, finite loss.
    scale = ops.maximum(ops.abs(y_true), backend.epsilon())
    error = ops.divide(ops.abs(ops.subtract(y_true, y_pred)), scale)
    return ops.multiply(100.0, ops.mean(error, axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_true, eps) + 1) - log(max(y_pred, eps) + 1))**2)`` over the last axis.

    Args:
        y_true: non-negative targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> mean_squared_logarithmic_error([[0.0, 1.0]], [[1.0, 1.0]])  # [0.2402]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    eps = backend.epsilon()
    first = ops.log1p(ops.maximum(y_pred, eps))
    second = ops.log1p(ops.maximum(y_true, eps))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond, averaged over the last axis.

    Per entry, with ``x = y_pred - y_true``: ``0.5 * x**2`` where ``|x| <= delta``, else
    ``delta * (|x| - 0.5 * delta)``.

    Args:
        y_true: targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape.
        delta: where the loss turns from quadratic to linear. Defaults to 1.0.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> huber([[0.0, 0.0]], [[0.5, 3.0]])  # [(0.125 + 2.5) / 2] = [1.3125]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    delta = ops.cast(delta, ops.dtype(y_pred))
    error = ops.abs(ops.subtract(y_pred, y_true))
    quadratic = ops.multiply(0.5, ops.square(error))
    linear = ops.multiply(delta, ops.subtract(error, ops.multiply(0.5, delta)))
    return ops.mean(ops.where(ops.less_equal(error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``.

    ``log(cosh(x))`` is about ``x**2 / 2`` for small errors and ``|x| - log(2)`` for large
    ones, so it behaves like MSE but is less swayed by outliers.

    Args:
        y_true: targets, shape ``(batch, d0, ..., dN)``.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> log_cosh([[0.0, 1.0]], [[1.0, 1.0]])  # [0.2169]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    # log(cosh(x)) = x + softplus(-2x) - log(2); cosh itself overflows for |x| > ~89.
    return ops.mean(
        ops.subtract(ops.add(x, ops.softplus(ops.multiply(-2.0, x))), math.log(2.0)), axis=-1
    )


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along ``axis``.

    Computes ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``. The sign is
    flipped, as in Keras, so that minimizing the loss aligns the vectors: -1 means same
    direction, 0 orthogonal (or a zero vector), 1 opposite.

    Args:
        y_true: targets.
        y_pred: predictions, same shape.
        axis: the axis holding the vectors. Defaults to -1.

    Returns:
        Per-sample losses: ``y_pred``'s shape without ``axis``.

    Example:
        >>> cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])  # [0., -1.]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    y_true = ops.normalize(y_true, axis=axis)
    y_pred = ops.normalize(y_pred, axis=axis)
    return ops.negative(ops.sum(ops.multiply(y_true, y_pred), axis=axis))


class MeanSquaredError(LossFunctionWrapper):
    """Mean of the squared errors; see :func:`mean_squared_error`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"mean_squared_error"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])  # 0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of the absolute errors; see :func:`mean_absolute_error`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"mean_absolute_error"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> MeanAbsoluteError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])  # 0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute error in percent of the target; see :func:`mean_absolute_percentage_error`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"mean_absolute_percentage_error"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 4.0]])  # 25.0
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Squared error between ``log(1 + x)`` of targets and predictions.

    See :func:`mean_squared_logarithmic_error`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"mean_squared_logarithmic_error"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> MeanSquaredLogarithmicError()([[0.0, 1.0]], [[1.0, 1.0]])  # 0.2402
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for small errors, linear for large ones; see :func:`huber`.

    Args:
        delta: where the loss turns from quadratic to linear. Defaults to 1.0.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"huber_loss"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]])  # 1.3125
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Log of the hyperbolic cosine of the error; see :func:`log_cosh`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"log_cosh"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> LogCosh()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])  # 0.1084
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between targets and predictions; see :func:`cosine_similarity`.

    Args:
        axis: the axis holding the vectors. Defaults to -1.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"cosine_similarity"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])  # -0.5
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)

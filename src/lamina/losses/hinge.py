"""Hinge losses for maximum-margin classification: hinge, squared hinge, categorical hinge.

Each function returns per-sample losses (``y_pred``'s shape without the last axis); each
class wraps its function and reduces over the batch.
"""

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.loss import standardize_inputs


def _signed_labels(y_true):
    """Map 0/1 labels to -1/1, as Keras does; labels already in {-1, 1} pass through.

    The check looks at the whole tensor, so it is an ``ops.where`` rather than a Python
    ``if``: that keeps the loss traceable by ``jax.jit``.
    """
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, ops.subtract(ops.multiply(2.0, y_true), 1.0), y_true)


def hinge(y_true, y_pred):
    """Hinge loss: ``mean(max(1 - y_true * y_pred, 0))`` over the last axis.

    Args:
        y_true: labels in {-1, 1}; 0/1 labels are converted to -1/1. Shape
            ``(batch, d0, ..., dN)``.
        y_pred: predicted scores, same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> hinge([[1.0, 0.0]], [[0.6, -0.4]])  # [(0.4 + 0.6) / 2] = [0.5]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    y_true = _signed_labels(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Squared hinge loss: ``mean(max(1 - y_true * y_pred, 0)**2)`` over the last axis.

    Args:
        y_true: labels in {-1, 1}; 0/1 labels are converted to -1/1. Shape
            ``(batch, d0, ..., dN)``.
        y_pred: predicted scores, same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> squared_hinge([[1.0, 0.0]], [[0.6, -0.4]])  # [(0.16 + 0.36) / 2] = [0.26]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    y_true = _signed_labels(y_true)
    margin = ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Categorical hinge loss: ``max(neg - pos + 1, 0)`` over one-hot targets.

    ``pos = sum(y_true * y_pred)`` is the true class's score and
    ``neg = max((1 - y_true) * y_pred)`` the best wrong class's score.

    Args:
        y_true: one-hot targets, shape ``(batch, ..., num_classes)``.
        y_pred: predicted scores, same shape.

    Returns:
        Per-sample losses, shape ``(batch, ...)``.

    Example:
        >>> categorical_hinge([[0.0, 1.0]], [[0.3, 0.6]])  # [max(0.3 - 0.6 + 1, 0)] = [0.7]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss; see :func:`hinge`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"hinge"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> Hinge()([[1.0, 0.0]], [[0.6, -0.4]])  # 0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss; see :func:`squared_hinge`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"squared_hinge"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> SquaredHinge()([[1.0, 0.0]], [[0.6, -0.4]])  # 0.26
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss; see :func:`categorical_hinge`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"categorical_hinge"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> CategoricalHinge()([[0.0, 1.0]], [[0.3, 0.6]])  # 0.7
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

"""Hinge metrics: ``Hinge``, ``SquaredHinge`` and ``CategoricalHinge``, averaged over samples.

Each is the running mean of the loss function of the same name in ``lamina.losses``.
Labels are -1/1 (0/1 labels are mapped to -1/1 by the loss functions).
"""

from lamina.metrics.reduction_metrics import MeanMetricWrapper


def _loss_fn(name):
    from lamina import losses

    return getattr(losses, name)


class Hinge(MeanMetricWrapper):
    """The mean of ``max(1 - y_true * y_pred, 0)``.

    Args:
        name: the metric's name, ``"hinge"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Hinge()
        >>> round(float(m([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
        1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(_loss_fn("hinge"), name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean of ``max(1 - y_true * y_pred, 0) ** 2``.

    Args:
        name: the metric's name, ``"squared_hinge"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.SquaredHinge()
        >>> round(float(m([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
        1.86
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(_loss_fn("squared_hinge"), name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean of ``max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))``.

    Args:
        name: the metric's name, ``"categorical_hinge"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.CategoricalHinge()
        >>> round(float(m([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
        1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(_loss_fn("categorical_hinge"), name=name, dtype=dtype)

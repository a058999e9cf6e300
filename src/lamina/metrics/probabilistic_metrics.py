"""Probabilistic metrics: cross-entropies, KL divergence and Poisson, averaged over samples.

Each is the running mean of the loss function of the same name in ``lamina.losses``,
imported when the metric is made so the two packages load independently.
"""

from lamina.metrics.reduction_metrics import MeanMetricWrapper


def _loss_fn(name):
    from lamina import losses

    return getattr(losses, name)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy between 0/1 labels and predicted probabilities.

    Args:
        name: the metric's name, ``"binary_crossentropy"`` by default.
        dtype: the dtype of the state and the result.
        from_logits: whether predictions are logits rather than probabilities.
        label_smoothing: in [0, 1]; labels move towards 0.5 by this amount.

    Example:
        >>> m = lamina.metrics.BinaryCrossentropy()
        >>> round(float(m([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
        0.8149
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(_loss_fn("binary_crossentropy"), name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean cross-entropy between one-hot labels and predicted class probabilities.

    Args:
        name: the metric's name, ``"categorical_crossentropy"`` by default.
        dtype: the dtype of the state and the result.
        from_logits: whether predictions are logits rather than probabilities.
        label_smoothing: in [0, 1]; labels move towards uniform by this amount.
        axis: the class axis.

    Example:
        >>> m = lamina.metrics.CategoricalCrossentropy()
        >>> round(float(m([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
        1.1769
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(_loss_fn("categorical_crossentropy"), name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean cross-entropy between integer labels and predicted class probabilities.

    Args:
        name: the metric's name, ``"sparse_categorical_crossentropy"`` by default.
        dtype: the dtype of the state and the result.
        from_logits: whether predictions are logits rather than probabilities.
        ignore_class: a label id whose entries count as zero loss (e.g. padding).
        axis: the class axis.

    Example:
        >>> m = lamina.metrics.SparseCategoricalCrossentropy()
        >>> round(float(m([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
        1.1769
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(_loss_fn("sparse_categorical_crossentropy"), name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``.

    Args:
        name: the metric's name, ``"kl_divergence"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.KLDivergence()
        >>> round(float(m([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
        0.4581
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(_loss_fn("kl_divergence"), name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean Poisson deviance ``y_pred - y_true * log(y_pred)``.

    Args:
        name: the metric's name, ``"poisson"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Poisson()
        >>> round(float(m([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])), 4)
        0.5
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(_loss_fn("poisson"), name=name, dtype=dtype)

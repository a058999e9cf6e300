"""Accuracy metrics: exact match, binary, categorical, sparse categorical and top-k.

Each metric is the running mean of a per-sample match function defined here too (the
functions are public, as in Keras). :func:`resolve_accuracy` turns the string
``"accuracy"`` in ``compile(metrics=[...])`` into the right one for the loss and shapes.
"""

from lamina import backend
from lamina import ops
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.metrics.reduction_metrics import squeeze_or_expand_to_same_rank


def _as_float(matches):
    return ops.cast(matches, backend.floatx())


def accuracy(y_true, y_pred):
    """Element-wise ``1.0`` where ``y_pred == y_true`` exactly, else ``0.0``.

    Example:
        >>> ops.convert_to_numpy(accuracy([1, 2, 3], [1, 2, 4]))
        array([1., 1., 0.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _as_float(ops.equal(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Element-wise ``1.0`` where ``(y_pred > threshold)`` equals the 0/1 label ``y_true``.

    Args:
        y_true: labels, 0 or 1.
        y_pred: probabilities (or scores) of the same shape.
        threshold: predictions strictly above it count as 1.

    Returns:
        A float tensor of the (lined-up) shape of the inputs.

    Example:
        >>> ops.convert_to_numpy(binary_accuracy([[1.0], [0.0]], [[0.7], [0.6]])).ravel()
        array([1., 0.], dtype=float32)
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), ops.dtype(y_true))
    return _as_float(ops.equal(y_true, predicted))


def categorical_accuracy(y_true, y_pred):
    """Per sample, ``1.0`` where the arg-max of one-hot ``y_true`` and ``y_pred`` agree.

    Ties take the first maximal class.

    Args:
        y_true: one-hot (or soft) targets, shape ``(..., num_classes)``.
        y_pred: scores of the same shape.

    Returns:
        A float tensor of shape ``y_pred.shape[:-1]``.

    Example:
        >>> y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> ops.convert_to_numpy(categorical_accuracy([[0, 0, 1], [0, 1, 0]], y_pred))
        array([0., 1.], dtype=float32)
    """
    y_true = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    y_pred = ops.argmax(ops.convert_to_tensor(y_pred), axis=-1)
    return _as_float(ops.equal(y_true, ops.cast(y_pred, ops.dtype(y_true))))


def sparse_categorical_accuracy(y_true, y_pred):
    """Per sample, ``1.0`` where the integer label ``y_true`` is the arg-max of ``y_pred``.

    Args:
        y_true: class ids (int or float), shape ``(...)`` or ``(..., 1)``.
        y_pred: scores, shape ``(..., num_classes)``.

    Returns:
        A float tensor of shape ``y_pred.shape[:-1]``.

    Example:
        >>> y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> ops.convert_to_numpy(sparse_categorical_accuracy([2, 1], y_pred))
        array([0., 1.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    predicted = ops.cast(ops.argmax(y_pred, axis=-1), ops.dtype(y_true))
    return _as_float(ops.equal(y_true, predicted))


def _in_top_k(labels, y_pred, k):
    """``in_top_k`` for predictions of any rank >= 2: labels of shape ``y_pred.shape[:-1]``."""
    batch_shape = tuple(y_pred.shape[:-1])
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    return ops.reshape(_as_float(ops.in_top_k(labels, y_pred, k)), batch_shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per sample, ``1.0`` where the arg-max class of one-hot ``y_true`` is in ``y_pred``'s top k.

    Args:
        y_true: one-hot targets, shape ``(..., num_classes)``.
        y_pred: scores of the same shape.
        k: how many of the highest-scored classes count as a hit.

    Returns:
        A float tensor of shape ``y_pred.shape[:-1]``.

    Example:
        >>> y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> ops.convert_to_numpy(top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], y_pred, k=1))
        array([0., 1.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    return _in_top_k(ops.argmax(ops.convert_to_tensor(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Per sample, ``1.0`` where the integer label ``y_true`` is among the top k predictions.

    Args:
        y_true: class ids, shape ``(...)`` or ``(..., 1)``.
        y_pred: scores of shape ``(..., num_classes)``; with ``from_sorted_ids=True``, class
            ids already sorted best first, shape ``(..., n)`` with ``n >= k``.
        k: how many of the best classes count as a hit.
        from_sorted_ids: whether ``y_pred`` holds sorted class ids rather than scores.

    Returns:
        A float tensor of shape ``y_pred.shape[:-1]``.

    Example:
        >>> y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> ops.convert_to_numpy(sparse_top_k_categorical_accuracy([2, 1], y_pred, k=2))
        array([1., 1.], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    if not from_sorted_ids:
        return _in_top_k(y_true, y_pred, k)
    best = y_pred[..., :k]
    y_true = ops.expand_dims(ops.cast(y_true, ops.dtype(best)), -1)
    # `any`: an id listed twice among the k still counts once.
    return _as_float(ops.any(ops.equal(y_true, best), axis=-1))


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: the metric's name, ``"accuracy"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Accuracy()
        >>> float(m([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match binary labels.

    Args:
        name: the metric's name, ``"binary_accuracy"`` by default.
        dtype: the dtype of the state and the result.
        threshold: predictions strictly above it count as 1 (0.0 suits logits).

    Example:
        >>> m = lamina.metrics.BinaryAccuracy()
        >>> float(m([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]))
        0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise TypeError(
                f"BinaryAccuracy: `threshold` must be a number, got {threshold!r}. Use e.g. "
                "0.5 for probabilities or 0.0 for logits."
            )
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max prediction matches the one-hot label's arg-max.

    Args:
        name: the metric's name, ``"categorical_accuracy"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.CategoricalAccuracy()
        >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max prediction matches an integer label.

    Args:
        name: the metric's name, ``"sparse_categorical_accuracy"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.SparseCategoricalAccuracy()
        >>> float(m([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest predictions.

    Args:
        k: how many of the best classes count as a hit.
        name: the metric's name, ``"top_k_categorical_accuracy"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.TopKCategoricalAccuracy(k=1)
        >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        _check_k(type(self).__name__, k)
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions.

    Args:
        k: how many of the best classes count as a hit.
        name: the metric's name, ``"sparse_top_k_categorical_accuracy"`` by default.
        dtype: the dtype of the state and the result.
        from_sorted_ids: whether predictions are class ids sorted best first (as from
            ``ops.top_k``) rather than scores.

    Example:
        >>> m = lamina.metrics.SparseTopKCategoricalAccuracy(k=1)
        >>> float(m([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(
        self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False
    ):
        _check_k(type(self).__name__, k)
        kwargs = {"from_sorted_ids": True} if from_sorted_ids else {}
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         **kwargs)


def _check_k(owner, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"{owner}: `k` must be a positive integer, got {k!r}.")


_BINARY_LOSSES = ("binary_crossentropy", "bce", "binary_focal_crossentropy")
_SPARSE_LOSSES = ("sparse_categorical_crossentropy",)


def _loss_name(loss):
    """A snake-case name for a loss given as a string, a function or a ``Loss`` object."""
    from lamina.layers.layer import to_snake_case

    if loss is None:
        return ""
    if isinstance(loss, str):
        return to_snake_case(loss)
    fn = getattr(loss, "fn", None)
    if callable(fn) and hasattr(fn, "__name__"):
        return fn.__name__
    if hasattr(loss, "__name__"):
        return loss.__name__
    return to_snake_case(type(loss).__name__)


def resolve_accuracy(loss_name_or_fn, y_true_shape, y_pred_shape, name="accuracy"):
    """The accuracy metric that the string ``"accuracy"`` means for this loss and these shapes.

    Follows Keras: binary accuracy for a binary cross-entropy loss or a single output unit;
    sparse categorical accuracy for a sparse categorical cross-entropy loss, or integer
    labels (``y_true`` one rank lower than ``y_pred``, or ending in 1 while ``y_pred`` ends in
    more classes); otherwise categorical accuracy.

    Args:
        loss_name_or_fn: the compiled loss (a name, function or ``Loss`` object) or None.
        y_true_shape: the targets' shape (a tuple; None entries allowed except the last).
        y_pred_shape: the predictions' shape.
        name: the returned metric's name, ``"accuracy"`` by default (Keras uses the string
            the user wrote, e.g. ``"acc"``).

    Returns:
        A ``BinaryAccuracy``, ``SparseCategoricalAccuracy`` or ``CategoricalAccuracy``.

    Example:
        >>> resolve_accuracy("sparse_categorical_crossentropy", (32,), (32, 10))
        <SparseCategoricalAccuracy name=accuracy>
    """
    loss = _loss_name(loss_name_or_fn)
    y_true_shape = tuple(y_true_shape) if y_true_shape is not None else ()
    y_pred_shape = tuple(y_pred_shape) if y_pred_shape is not None else ()
    pred_last = y_pred_shape[-1] if y_pred_shape else 1
    true_last = y_true_shape[-1] if y_true_shape else None
    if loss in _BINARY_LOSSES or pred_last == 1:
        return BinaryAccuracy(name=name)
    is_sparse = len(y_true_shape) == len(y_pred_shape) - 1 or (
        true_last == 1 and pred_last is not None and pred_last > 1
    )
    if loss in _SPARSE_LOSSES or is_sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)

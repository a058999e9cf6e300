"""Intersection-over-union metrics for segmentation: ``IoU``, ``MeanIoU``, ``BinaryIoU`` and the
one-hot variants ``OneHotIoU`` / ``OneHotMeanIoU``.

All of them accumulate one weighted ``(num_classes, num_classes)`` confusion matrix (rows:
true class, columns: predicted class) and read per-class IoU from it in ``result``:
``tp / (tp + fp + fn)``. As in Keras 3, the matrix is stored in the metric's ``dtype``, which
defaults to ``"int32"``; float sample weights are then truncated to integers (a warning says
so), so pass ``dtype="float32"`` for fractional weights.
"""

import warnings

import numpy as np

from lamina import backend
from lamina import ops
from lamina.metrics.metric import Metric

_FLOAT_WEIGHTS_WARNING = (
    "{name}: `sample_weight` is floating point but the metric's dtype is {dtype}, so each "
    "weight is truncated to an integer before it is counted (0.3 counts as 0). Create the "
    "metric with dtype='float32' to count fractional weights."
)


def _check_num_classes(owner, num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or (
        num_classes < 1
    ):
        raise ValueError(
            f"{owner}: `num_classes` must be a positive integer, got {num_classes!r}. Pass "
            "the number of classes the labels can take, e.g. num_classes=3."
        )
    return int(num_classes)


def _check_target_class_ids(owner, target_class_ids, num_classes):
    ids = list(target_class_ids) if isinstance(
        target_class_ids, (list, tuple, range, np.ndarray)) else None
    if not ids or any(
        isinstance(i, bool) or not isinstance(i, (int, np.integer)) for i in ids
    ):
        raise ValueError(
            f"{owner}: `target_class_ids` must be a non-empty list or tuple of integer class "
            f"ids, got {target_class_ids!r}. For a single class pass e.g. [1]."
        )
    if min(ids) < 0 or max(ids) >= num_classes:
        bad = max(ids) if max(ids) >= num_classes else min(ids)
        raise ValueError(
            f"{owner}: target class id {bad} is out of range, which is [0, {num_classes}). "
            "Pick ids below `num_classes`, or raise `num_classes`."
        )
    return [int(i) for i in ids]


def _flat_weights(sample_weight, labels, dtype):
    """``sample_weight`` as one weight per entry of ``labels``, flattened to ``(n,)``.

    Keras flattens a weight with one value per label entry and broadcasts a scalar; we also
    accept one weight per sample, shape ``(batch,)``, against labels of shape
    ``(batch, ...)`` (a per-image weight for a segmentation map).
    """
    labels_shape = tuple(labels.shape)
    size = int(np.prod(labels_shape))
    if sample_weight is None:
        return ops.ones((size,), dtype=dtype)
    weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
    weight_shape = tuple(weight.shape)
    if weight_shape and int(np.prod(weight_shape)) == size:
        return ops.reshape(weight, (-1,))
    if 0 < len(weight_shape) < len(labels_shape) and weight_shape == labels_shape[
        : len(weight_shape)
    ]:
        weight = ops.reshape(weight, weight_shape + (1,) * (len(labels_shape) - len(weight_shape)))
    try:
        np.broadcast_shapes(tuple(weight.shape), labels_shape)
    except ValueError:
        raise ValueError(
            f"`sample_weight` of shape {weight_shape} does not fit labels of shape "
            f"{labels_shape}. Pass a scalar, one weight per sample (shape "
            f"({labels_shape[0] if labels_shape else 1},)), or one weight per label entry."
        ) from None
    return ops.reshape(ops.broadcast_to(weight, labels_shape), (-1,))


class BaseIoU(Metric):
    """Shared state of the IoU metrics: a weighted confusion matrix over ``num_classes``.

    Entries whose true or predicted class falls outside ``[0, num_classes)``, and entries
    labelled ``ignore_class``, are not counted.

    Args:
        num_classes: how many classes labels and predictions can take.
        name: the metric's name.
        dtype: the dtype of the confusion matrix; ``"int32"`` by default, as in Keras.
        ignore_class: a class id whose entries are left out (e.g. a "void" label such as
            255 or -1); None counts everything.
        sparse_y_true: True when labels are class ids; False when they are scores or one-hot
            vectors along ``axis`` (their argmax is used).
        sparse_y_pred: the same for predictions.
        axis: the class axis of dense labels or predictions. Defaults to -1.

    Returns:
        Subclasses define ``result()``; ``total_cm`` holds the counts.

    Example:
        >>> m = lamina.metrics.MeanIoU(num_classes=3)  # a BaseIoU subclass
        >>> m.update_state([0, 1, 2, 7], [0, 2, 2, 1])  # the 7 is out of range: skipped
        >>> ops.convert_to_numpy(m.total_cm.value).tolist()
        [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(name=name, dtype=dtype or "int32")
        self.num_classes = _check_num_classes(type(self).__name__, num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            (self.num_classes, self.num_classes), "zeros", name="total_confusion_matrix"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the confusion matrix.

        Args:
            y_true: class ids (any shape), or dense labels with ``sparse_y_true=False``.
            y_pred: class ids, or scores with ``sparse_y_pred=False``; after any argmax it
                has as many entries as ``y_true``.
            sample_weight: optional weights: a scalar, one per sample, or one per entry.
        """
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        # Keras converts ids to the metric's dtype before the range checks; so do we.
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.reshape(ops.convert_to_tensor(y_pred, dtype=self.dtype), (-1,))
        if sample_weight is not None and not backend.is_float_dtype(self.dtype):
            given = ops.convert_to_tensor(sample_weight)
            if backend.is_float_dtype(ops.dtype(given)):
                warnings.warn(
                    _FLOAT_WEIGHTS_WARNING.format(name=type(self).__name__, dtype=self.dtype),
                    stacklevel=2,
                )
        weight = _flat_weights(sample_weight, y_true, self.dtype)
        y_true = ops.reshape(y_true, (-1,))
        if y_true.shape[0] != y_pred.shape[0]:
            raise ValueError(
                f"{type(self).__name__}: `y_true` and `y_pred` must hold the same number of "
                f"class ids, got {y_true.shape[0]} and {y_pred.shape[0]}. With one-hot or "
                "score inputs set sparse_y_true=False / sparse_y_pred=False so they are "
                "reduced with argmax first."
            )
        n = self.num_classes
        counted = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, 0), ops.less(y_true, n)),
            ops.logical_and(ops.greater_equal(y_pred, 0), ops.less(y_pred, n)),
        )
        if self.ignore_class is not None:
            counted = ops.logical_and(counted, ops.not_equal(y_true, self.ignore_class))
        # Cell id = true * n + predicted; uncounted entries go to cell 0 with weight 0.
        cell = ops.add(ops.multiply(ops.cast(y_true, "int32"), n), ops.cast(y_pred, "int32"))
        cell = ops.where(counted, cell, 0)
        weight = ops.where(counted, weight, ops.zeros_like(weight))
        matrix = ops.segment_sum(weight, cell, num_segments=n * n)
        self.total_cm.assign_add(ops.cast(ops.reshape(matrix, (n, n)), self.dtype))

    def _per_class_iou(self, class_ids):
        """IoU of each class in ``class_ids`` and a 0/1 flag for classes that were seen."""
        matrix = ops.cast(self.total_cm.value, "float32")
        predicted = ops.sum(matrix, axis=0)
        actual = ops.sum(matrix, axis=1)
        true_positives = ops.diag(matrix)
        union = ops.subtract(ops.add(predicted, actual), true_positives)
        ids = ops.convert_to_tensor(np.asarray(class_ids, "int32"))
        true_positives = ops.take(true_positives, ids)
        union = ops.take(union, ids)
        # A class that never appeared (empty union) is left out of the mean, as in Keras.
        seen = ops.cast(ops.greater(union, 1e-9), "float32")
        iou = ops.multiply(ops.divide(true_positives, ops.add(union, backend.epsilon())), seen)
        return iou, seen


class IoU(BaseIoU):
    """Intersection over union, ``tp / (tp + fp + fn)``, averaged over chosen classes.

    Each class's IoU comes from the confusion matrix accumulated over all batches; the
    result is their mean over ``target_class_ids``, skipping classes that appeared in
    neither labels nor predictions. Sample weights weigh entries; 0 masks them out.

    Args:
        num_classes: how many classes labels and predictions can take.
        target_class_ids: a list or tuple of the class ids to average over; ``[k]`` gives
            the IoU of class ``k`` alone.
        name: the metric's name; ``"io_u"`` by default (Keras's snake case of the class).
        dtype: the dtype of the confusion matrix; ``"int32"`` by default, as in Keras, so
            fractional weights are truncated. Use ``"float32"`` for fractional weights.
        ignore_class: a class id to leave out entirely (e.g. a "void" label), or None.
        sparse_y_true: whether labels are class ids (True) or one-hot/scores along ``axis``.
        sparse_y_pred: whether predictions are class ids (True) or scores along ``axis``.
        axis: the class axis of dense inputs. Defaults to -1.

    Returns:
        ``result()`` is a float32 scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> round(float(m([0, 0, 1, 1], [0, 1, 0, 1])), 4)  # 1 / (2 + 2 - 1)
        0.3333
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        self.target_class_ids = _check_target_class_ids(
            type(self).__name__, target_class_ids, self.num_classes
        )

    def result(self):
        """The mean IoU over the target classes that were seen (0 when none was)."""
        iou, seen = self._per_class_iou(self.target_class_ids)
        # Keras sums along `axis` here, which fails for axis >= 1 on this 1-D vector; the
        # vector is always 1-D, so we sum all of it.
        return ops.divide(ops.sum(iou), ops.add(ops.sum(seen), backend.epsilon()))

    def get_config(self):
        """The name, dtype and every constructor argument."""
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU for binary labels, with scores turned into classes at ``threshold``.

    A prediction ``>= threshold`` is class 1, anything below is class 0; labels are 0 or 1.
    The IoUs of the classes in ``target_class_ids`` are then averaged as in :class:`IoU`.

    Args:
        target_class_ids: ``(0, 1)`` (default: the mean of both), ``[0]`` or ``[1]``.
        threshold: the score at which a prediction becomes class 1. Defaults to 0.5.
        name: the metric's name; ``"binary_io_u"`` by default.
        dtype: the dtype of the confusion matrix; ``"int32"`` by default (as in Keras), so
            use ``"float32"`` for fractional sample weights.

    Returns:
        ``result()`` is a float32 scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> round(float(m([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])), 4)
        0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Threshold the scores, then add the batch to the confusion matrix.

        Args:
            y_true: 0/1 labels (other values are not counted).
            y_pred: scores of the same size.
            sample_weight: optional weights: a scalar, one per sample, or one per entry.
        """
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        y_pred = ops.cast(ops.greater_equal(y_pred, self.threshold), self.dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        """``target_class_ids``, ``threshold``, name and dtype (Keras's keys)."""
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """The mean of the per-class IoUs over all ``num_classes`` classes.

    Classes that appeared in neither labels nor predictions are left out of the mean.

    Args:
        num_classes: how many classes labels and predictions can take.
        name: the metric's name; ``"mean_io_u"`` by default.
        dtype: the dtype of the confusion matrix; ``"int32"`` by default (as in Keras), so
            use ``"float32"`` for fractional sample weights.
        ignore_class: a class id to leave out entirely, or None.
        sparse_y_true: whether labels are class ids (True) or one-hot/scores along ``axis``.
        sparse_y_pred: whether predictions are class ids (True) or scores along ``axis``.
        axis: the class axis of dense inputs. Defaults to -1.

    Returns:
        ``result()`` is a float32 scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.MeanIoU(num_classes=2)
        >>> round(float(m([0, 0, 1, 1], [0, 1, 0, 1])), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        num_classes = _check_num_classes(type(self).__name__, num_classes)
        super().__init__(
            num_classes,
            list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        """The name, dtype and every constructor argument (Keras's keys)."""
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotIoU(IoU):
    """:class:`IoU` for one-hot labels and score predictions (argmax along ``axis`` first).

    Args:
        num_classes: how many classes there are (the size of the class axis).
        target_class_ids: a list or tuple of the class ids to average over.
        name: the metric's name; ``"one_hot_io_u"`` by default.
        dtype: the dtype of the confusion matrix; ``"int32"`` by default (as in Keras), so
            use ``"float32"`` for fractional sample weights.
        ignore_class: a class id to leave out entirely, or None.
        sparse_y_pred: set True when predictions are already class ids.
        axis: the class axis. Defaults to -1.

    Returns:
        ``result()`` is a float32 scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> y_true = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
        >>> y_pred = [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.5, 0.3, 0.2]]
        >>> round(float(m(y_true, y_pred)), 4)  # class 0: 1 / 2, class 2: 1 / 1
        0.75
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        """The name, dtype and every constructor argument (Keras's keys)."""
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` for one-hot labels and score predictions (argmax along ``axis``).

    Args:
        num_classes: how many classes there are (the size of the class axis).
        name: the metric's name; ``"one_hot_mean_io_u"`` by default.
        dtype: the dtype of the confusion matrix; ``"int32"`` by default (as in Keras), so
            use ``"float32"`` for fractional sample weights.
        ignore_class: a class id to leave out entirely, or None.
        sparse_y_pred: set True when predictions are already class ids.
        axis: the class axis. Defaults to -1.

    Returns:
        ``result()`` is a float32 scalar in [0, 1].

    Example:
        >>> m = lamina.metrics.OneHotMeanIoU(num_classes=3)
        >>> y_true = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
        >>> y_pred = [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.5, 0.3, 0.2]]
        >>> round(float(m(y_true, y_pred)), 4)  # (1/2 + 0 + 1) / 3
        0.5
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        """The name, dtype and every constructor argument (Keras's keys)."""
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }

"""Metrics that reduce values over batches: ``Mean``, ``Sum`` and ``MeanMetricWrapper``.

Also the shape rules every metric shares for lining up ``y_true``, ``y_pred`` and
``sample_weight``. Metrics built on a function (accuracy, regression errors, losses used as
metrics) are ``MeanMetricWrapper`` subclasses and live in their own modules.
"""

from lamina import backend
from lamina import ops
from lamina.metrics.metric import Metric


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Line up the ranks of two tensors whose ranks differ by a trailing axis of size 1.

    When one tensor has exactly one more axis than the other and that last axis has size 1,
    the larger one is squeezed, except that a rank-1 partner is expanded instead when
    ``expand_rank_1`` is true (so ``(batch,)`` meets ``(batch, 1)`` as ``(batch, 1)``).

    Args:
        x1, x2: tensors (or array-likes).
        expand_rank_1: expand a rank-1 partner rather than squeeze the other tensor.

    Returns:
        ``(x1, x2)`` with equal ranks where that was possible, unchanged otherwise.

    Example:
        >>> a, b = squeeze_or_expand_to_same_rank(np.zeros((4, 1)), np.zeros((4,)))
        >>> ops.shape(a), ops.shape(b)
        ((4, 1), (4, 1))
    """
    x1, x2 = ops.convert_to_tensor(x1), ops.convert_to_tensor(x2)
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weight ``values`` and reduce them to one value per sample, as ``Mean`` and ``Sum`` do.

    1. ``values`` are cast to ``dtype``; a ``sample_weight`` is lined up with them by
       :func:`squeeze_or_expand_to_same_rank`.
    2. Axes of ``values`` beyond the weight's rank are reduced with ``reduce_fn`` first, so a
       per-sample weight weighs the per-sample mean (or sum).
    3. The weight is broadcast to the values and multiplied in; weights of rank > 1 are then
       reduced over their non-batch axes the same way.
    4. Whatever axes remain beyond the first are reduced with ``reduce_fn``.

    Args:
        values: a tensor of per-element values.
        sample_weight: None, a scalar or a tensor broadcastable to ``values``.
        reduce_fn: ``ops.mean`` or ``ops.sum``.
        dtype: the dtype of the result.

    Returns:
        ``(values, sample_weight)``: values of rank <= 1 and the matching weights (or None).
    """
    values = ops.cast(values, dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_weight_shape(tuple(sample_weight.shape), tuple(values.shape))
        weight_rank, values_rank = len(sample_weight.shape), len(values.shape)
        if values_rank > weight_rank:
            values = reduce_fn(values, axis=tuple(range(weight_rank, values_rank)))
        # Broadcasting matters for the weight total (the denominator), not the product.
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if weight_rank > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_rank)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=tuple(range(1, len(values.shape))))
    return values, sample_weight


_BAD_SAMPLE_WEIGHT = (
    "`sample_weight` of shape {weight} does not fit the metric values of shape {values}: "
    "the weight's axes must match the leading axes of the values (size 1 broadcasts). Pass "
    "one weight per sample, shape (batch_size,), or a weight per value with the values' "
    "shape."
)


def _check_weight_shape(weight_shape, values_shape):
    # Shapes are static, so this check costs nothing inside a compiled step.
    leading = values_shape[: len(weight_shape)]
    fits = len(weight_shape) <= len(values_shape) and all(
        w in (1, v) or w is None or v is None for w, v in zip(weight_shape, leading)
    )
    if not fits:
        raise ValueError(_BAD_SAMPLE_WEIGHT.format(weight=weight_shape, values=values_shape))


class Sum(Metric):
    """The (weighted) sum of all values seen.

    Args:
        name: the metric's name, ``"sum"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Sum()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0]); float(m.result())
        16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        """Add ``sum(values * sample_weight)`` to the total.

        Args:
            values: a tensor of any shape.
            sample_weight: optional weights broadcastable to ``values``.
        """
        values, _ = reduce_to_samplewise_values(values, sample_weight, ops.sum, self.dtype)
        self.total.assign_add(ops.sum(values))

    def result(self):
        """The total so far."""
        return ops.copy(self.total.value)


class Mean(Metric):
    """The (weighted) mean of all values seen: ``sum(values * weights) / sum(weights)``.

    Values of rank > 1 are first averaged per sample (over all axes but the first), so a
    ``sample_weight`` of shape ``(batch,)`` weighs whole samples.

    Args:
        name: the metric's name, ``"mean"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.Mean()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
        >>> float(m.result())
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        """Add one batch of values (and their weights) to the running mean.

        Args:
            values: a tensor of any shape; a scalar counts as one sample.
            sample_weight: optional weights broadcastable to ``values``.
        """
        if isinstance(sample_weight, int) and backend.is_tensor(values) and \
                not len(values.shape):
            # The trainer's loss tracker, every step: a scalar weighted by the batch size.
            if backend.dtype_of(values) != self.dtype:
                values = ops.cast(values, self.dtype)
            self.total._assign_add_scaled(values, sample_weight)
            self.count.assign_add(float(sample_weight))
            return
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, ops.mean, self.dtype
        )
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            count = ops.sum(sample_weight)
        else:
            count = ops.cast(values.shape[0] if len(values.shape) else 1, self.dtype)
        self.count.assign_add(count)

    def result(self):
        """``total / count``, or 0 before any weight was seen."""
        return ops.divide_no_nan(self.total.value, self.count.value)


class MeanMetricWrapper(Mean):
    """The weighted mean of ``fn(y_true, y_pred, **kwargs)`` over every sample seen.

    Args:
        fn: a function ``(y_true, y_pred, **kwargs) -> values`` giving per-sample (or
            per-element) values, such as a loss function.
        name: the metric's name; by default the snake-case class name.
        dtype: the dtype of the state and the result.
        **kwargs: extra keyword arguments passed to ``fn`` on every call.

    Example:
        >>> m = lamina.metrics.MeanMetricWrapper(lamina.losses.mean_squared_error)
        >>> float(m([[0.0, 1.0]], [[1.0, 1.0]]))
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(
                f"MeanMetricWrapper: `fn` must be a callable (y_true, y_pred) -> values, got "
                f"{fn!r}. Pass e.g. lamina.losses.mean_squared_error."
            )
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Evaluate ``fn`` on one batch and add its values to the running mean.

        Args:
            y_true: the targets.
            y_pred: the predictions.
            sample_weight: optional weights, broadcastable to ``fn``'s output.
        """
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        """The name, dtype, the wrapped function's name (plain wrappers only) and its kwargs."""
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            config["fn"] = _serialize_fn(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        """Make the metric again, looking ``fn`` up by name among metrics and losses."""
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_fn(config["fn"])
        return cls(**config)


def _serialize_fn(fn):
    # The Keras 3 layout for a plain function, so configs move between lamina and Keras.
    return {
        "module": "builtins",
        "class_name": "function",
        "config": getattr(fn, "__name__", str(fn)),
        "registered_name": "function",
    }


def _deserialize_fn(config):
    if callable(config):
        return config
    from lamina import metrics

    if not isinstance(config, dict):
        config = {"class_name": "function", "config": config}
    return metrics.deserialize(config)

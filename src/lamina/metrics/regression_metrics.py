"""Regression metrics: mean errors, root mean squared error, cosine similarity and R².

The mean-error metrics average the loss function of the same name from ``lamina.losses``
(imported when a metric is made, so the two packages load independently). ``R2Score``
keeps per-output sums and combines them only in ``result``.
"""

from lamina import ops
from lamina.metrics.metric import Metric
from lamina.metrics.reduction_metrics import Mean
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.metrics.reduction_metrics import squeeze_or_expand_to_same_rank


def _loss_fn(name):
    from lamina import losses

    return getattr(losses, name)


class MeanSquaredError(MeanMetricWrapper):
    """The mean of ``(y_true - y_pred) ** 2``, averaged over the last axis, then over samples.

    Args:
        name: the metric's name, ``"mean_squared_error"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.MeanSquaredError()
        >>> float(m([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
        0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_loss_fn("mean_squared_error"), name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of ``abs(y_true - y_pred)``.

    Args:
        name: the metric's name, ``"mean_absolute_error"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.MeanAbsoluteError()
        >>> float(m([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
        0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_loss_fn("mean_absolute_error"), name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of ``100 * abs((y_true - y_pred) / y_true)`` (the divisor floored at epsilon).

    Args:
        name: the metric's name, ``"mean_absolute_percentage_error"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.MeanAbsolutePercentageError()
        >>> float(m([[1.0, 2.0]], [[1.5, 2.0]]))
        25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(_loss_fn("mean_absolute_percentage_error"), name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of ``(log(y_true + 1) - log(y_pred + 1)) ** 2``.

    Args:
        name: the metric's name, ``"mean_squared_logarithmic_error"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.MeanSquaredLogarithmicError()
        >>> round(float(m([[0.0, 1.0]], [[1.0, 1.0]])), 4)
        0.2402
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(_loss_fn("mean_squared_logarithmic_error"), name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """The mean of ``log(cosh(y_pred - y_true))``: like MSE for small errors, MAE for large.

    Args:
        name: the metric's name, ``"logcosh"`` by default (as in Keras).
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.LogCoshError()
        >>> round(float(m([[0.0, 1.0]], [[1.0, 1.0]])), 4)
        0.2169
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(_loss_fn("log_cosh"), name=name, dtype=dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between ``y_true`` and ``y_pred`` along ``axis``.

    Both are L2-normalized (norms floored at epsilon), then multiplied and summed.

    Example:
        >>> ops.convert_to_numpy(cosine_similarity([[0.0, 1.0]], [[1.0, 1.0]])).round(4)
        array([0.7071], dtype=float32)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.sum(
        ops.multiply(ops.normalize(y_true, axis=axis), ops.normalize(y_pred, axis=axis)),
        axis=axis,
    )


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between targets and predictions (1 means same direction).

    Args:
        name: the metric's name, ``"cosine_similarity"`` by default.
        dtype: the dtype of the state and the result.
        axis: the axis along which vectors are compared.

    Example:
        >>> m = lamina.metrics.CosineSimilarity()
        >>> round(float(m([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])), 4)
        0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_true - y_pred) ** 2))`` over every element seen.

    Args:
        name: the metric's name, ``"root_mean_squared_error"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.RootMeanSquaredError()
        >>> float(m([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's squared errors to the running mean.

        Args:
            y_true: the targets.
            y_pred: predictions of the same shape.
            sample_weight: optional weights, broadcastable to the errors.
        """
        y_true = ops.cast(y_true, self.dtype)
        y_pred = ops.cast(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(ops.square(ops.subtract(y_pred, y_true)), sample_weight)

    def result(self):
        """The square root of the mean squared error so far."""
        return ops.sqrt(super().result())


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination ``1 - SS_res / SS_tot``, per output then aggregated.

    Inputs are 2-D, ``(batch_size, num_outputs)``. With ``num_regressors=p > 0`` the score is
    adjusted for the number of regressors: ``1 - (1 - R²) (n - 1) / (n - p - 1)``, where
    ``n`` counts every target value seen (Keras's convention); when ``p >= n - 1`` the
    adjustment is undefined and the plain score is returned.

    Args:
        class_aggregation: how the per-output scores combine: ``"uniform_average"`` (mean),
            ``"variance_weighted_average"`` (weighted by each output's total variance) or
            None (one score per output).
        num_regressors: the number of independent variables, for the adjusted R².
        name: the metric's name, ``"r2_score"`` by default.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = lamina.metrics.R2Score()
        >>> float(m([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]]))
        0.5
    """

    def __init__(
        self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError(
                "R2Score: invalid value for argument `class_aggregation`. Expected one of "
                f"{_CLASS_AGGREGATIONS}. Received: class_aggregation={class_aggregation!r}."
            )
        if num_regressors < 0:
            raise ValueError(
                "R2Score: invalid value for argument `num_regressors`. Expected a value "
                f">= 0. Received: num_regressors={num_regressors!r}."
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received "
                f"input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}. Reshape single-output targets to "
                "(batch_size, 1)."
            )
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                "R2Score expects the last dimension of its inputs to be known. Received "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        num_outputs = y_pred_shape[-1]
        # Created in Keras's order so saved metric state lines up with Keras files.
        self.squared_sum = self.add_variable((num_outputs,), "zeros", name="squared_sum")
        self.sum = self.add_variable((num_outputs,), "zeros", name="sum")
        self.total_mse = self.add_variable((num_outputs,), "zeros", name="residual")
        self.count = self.add_variable((num_outputs,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the per-output sums.

        Args:
            y_true: targets, shape ``(batch_size, num_outputs)``.
            y_pred: predictions of the same shape.
            sample_weight: optional weights, shape ``(batch_size,)`` or broadcastable to the
                targets.
        """
        y_true = ops.cast(y_true, self.dtype)
        y_pred = ops.cast(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = ops.cast(1.0 if sample_weight is None else sample_weight, self.dtype)
        if len(weight.shape) == 1:
            weight = ops.expand_dims(weight, 1)  # (batch, 1): one weight per sample
        weight = ops.broadcast_to(weight, ops.shape(y_true))
        weighted_true = ops.multiply(y_true, weight)
        self.sum.assign_add(ops.sum(weighted_true, axis=0))
        self.squared_sum.assign_add(ops.sum(ops.multiply(y_true, weighted_true), axis=0))
        residual = ops.multiply(ops.square(ops.subtract(y_true, y_pred)), weight)
        self.total_mse.assign_add(ops.sum(residual, axis=0))
        self.count.assign_add(ops.sum(weight, axis=0))
        self.num_samples.assign_add(ops.cast(ops.size(y_true), self.dtype))

    def result(self):
        """The (aggregated, optionally adjusted) R² of everything seen."""
        if not self._built:
            return ops.zeros((), dtype=self.dtype)
        mean = ops.divide(self.sum.value, self.count.value)
        total = ops.subtract(self.squared_sum.value, ops.multiply(self.sum.value, mean))
        raw = ops.subtract(1.0, ops.divide(self.total_mse.value, total))
        # A constant target has zero total variance; Keras scores it 0 rather than -inf.
        raw = ops.where(ops.isinf(raw), ops.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.divide(ops.sum(ops.multiply(total, raw)), ops.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n = self.num_samples.value
            p = float(self.num_regressors)
            adjusted = ops.subtract(
                1.0, ops.divide(ops.multiply(ops.subtract(1.0, score), n - 1.0), n - p - 1.0)
            )
            # Traceable stand-in for Keras's Python check: no adjustment when n - 1 <= p.
            score = ops.where(ops.greater(n - 1.0, p), adjusted, score)
        return score

    def get_config(self):
        """The name, dtype, ``class_aggregation`` and ``num_regressors``."""
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }

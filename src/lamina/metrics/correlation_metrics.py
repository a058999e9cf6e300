"""Correlation metrics: Pearson's and Lin's concordance correlation, as functions and as
running means (``PearsonCorrelation``, ``ConcordanceCorrelation``).

The functions correlate ``y_true`` with ``y_pred`` along ``axis`` (within each sample, by
default); the classes average those per-sample values over every sample seen, as Keras does.
They are not a correlation over the whole data set.
"""

from lamina import backend
from lamina import ops
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.metrics.reduction_metrics import squeeze_or_expand_to_same_rank


def _standardize(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    if not backend.is_float_dtype(ops.dtype(y_pred)):
        y_pred = ops.cast(y_pred, backend.floatx())
    y_true = ops.cast(ops.convert_to_tensor(y_true), ops.dtype(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient between ``y_true`` and ``y_pred`` along ``axis``.

    Both are centred and divided by their (population) standard deviation along ``axis``;
    the result is the mean of their product. A constant input has zero deviation and gives
    NaN, as in Keras.

    Args:
        y_true: targets, shape ``(batch, ..., d)``.
        y_pred: predictions of the same shape.
        axis: the axis to correlate along. Defaults to -1.

    Returns:
        Correlations in [-1, 1], ``y_pred``'s shape without ``axis``.

    Example:
        >>> r = lamina.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
        >>> ops.convert_to_numpy(r).round(4)
        array([0.9934], dtype=float32)
    """
    y_true, y_pred = _standardize(y_true, y_pred)
    true_centred = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    pred_centred = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    true_scaled = ops.divide(true_centred, ops.std(true_centred, axis=axis, keepdims=True))
    pred_scaled = ops.divide(pred_centred, ops.std(pred_centred, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(true_scaled, pred_scaled), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient along ``axis``, computed as Keras 3 does.

    Concordance is ``2 cov / (var_true + var_pred + (mean_true - mean_pred)**2)``: 1 only
    when predictions equal the targets, lower for a shift or scale. Keras 3 takes the mean
    over ``axis`` of ``2 (y_true - mean_pred)(y_pred - mean_pred) / (denominator + eps)``,
    centring ``y_true`` on the *prediction* mean; we reproduce that exactly so values agree
    with Keras. When the two means differ this is not Lin's textbook coefficient.

    Args:
        y_true: targets, shape ``(batch, ..., d)``.
        y_pred: predictions of the same shape.
        axis: the axis to correlate along. Defaults to -1.

    Returns:
        Values in about [-1, 1], ``y_pred``'s shape without ``axis``.

    Example:
        >>> c = lamina.metrics.concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
        >>> ops.convert_to_numpy(c).round(4)
        array([1.], dtype=float32)
    """
    y_true, y_pred = _standardize(y_true, y_pred)
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = ops.var(ops.subtract(y_true, true_mean), axis=axis, keepdims=True)
    pred_var = ops.var(ops.subtract(y_pred, pred_mean), axis=axis, keepdims=True)
    # Keras's product: y_true is centred on the prediction mean (see the docstring).
    product = ops.multiply(ops.subtract(y_true, pred_mean), ops.subtract(y_pred, pred_mean))
    shift = ops.square(ops.subtract(true_mean, pred_mean))
    denominator = ops.add(ops.add(true_var, pred_var), shift)
    ratio = ops.divide(ops.multiply(2.0, product), ops.add(denominator, backend.epsilon()))
    return ops.mean(ratio, axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples of :func:`pearson_correlation` (per sample, along ``axis``).

    Args:
        name: the metric's name, ``"pearson_correlation"`` by default.
        dtype: the dtype of the state and the result.
        axis: the axis to correlate along. Defaults to -1.

    Returns:
        ``result()`` is a scalar in [-1, 1].

    Example:
        >>> m = lamina.metrics.PearsonCorrelation()
        >>> round(float(m([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])), 4)
        0.9934
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples of :func:`concordance_correlation` (per sample, along ``axis``).

    Args:
        name: the metric's name, ``"concordance_correlation"`` by default.
        dtype: the dtype of the state and the result.
        axis: the axis to correlate along. Defaults to -1.

    Returns:
        ``result()`` is a scalar, 1 for perfect agreement.

    Example:
        >>> m = lamina.metrics.ConcordanceCorrelation()
        >>> round(float(m([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])), 4)
        1.0
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

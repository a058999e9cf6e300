"""Reductions beyond ``sum`` and ``mean``: NaN-skipping reductions, percentiles, peak to
peak, histograms, correlation coefficients and the trapezoidal rule.

Each op is written once here from backend primitives (``nanquantile`` is an engine kernel);
``lamina.ops.numpy`` re-exports every name. The nan-ops treat NaN as missing: a slice with
no other value gives NaN (the ``nanarg*`` ops give -1 there, as in Keras).
"""

import builtins

from lamina import backend
from lamina.backend import numpy as _impl
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch

# Integer sums and products of narrow dtypes widen to int32, as in Keras.
_WIDENED = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "int32",
            "uint16": "int32"}


def _is_empty_axis(axis):
    return isinstance(axis, (tuple, list)) and len(axis) == 0


def _without_nan(x, fill):
    """``x`` with NaN replaced by ``fill`` (integer tensors have none)."""
    if not _dt.is_inexact(_dt.dtype_of(x)):
        return x
    return _impl.where(_impl.isnan(x), _impl.full_like(x, fill), x)


@dispatch
def nansum(x, axis=None, keepdims=False):
    """Sum over ``axis``, treating NaN as zero.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) sums everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A tensor of the dtype of ``x`` (bool and 8/16-bit integers give int32).

    Example:
        >>> ops.nansum([1.0, float("nan"), 2.0])  # 3.0
    """
    x = _dt.as_tensor(x)
    dtype = _dt.dtype_of(x)
    dtype = _WIDENED.get(dtype, dtype)
    x = _without_nan(x, 0)
    if _is_empty_axis(axis):
        return _dt.cast(x, dtype)
    return _dt.cast(_impl.sum(x, axis=axis, keepdims=keepdims), dtype)


@dispatch
def nanprod(x, axis=None, keepdims=False):
    """Product over ``axis``, treating NaN as one.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) multiplies everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A tensor of the dtype of ``x`` (bool and 8/16-bit integers give int32).

    Example:
        >>> ops.nanprod([2.0, float("nan"), 3.0])  # 6.0
    """
    x = _dt.as_tensor(x)
    dtype = _dt.dtype_of(x)
    dtype = _WIDENED.get(dtype, dtype)
    x = _without_nan(x, 1)
    if _is_empty_axis(axis):
        return _dt.cast(x, dtype)
    return _dt.cast(_impl.prod(x, axis=axis, keepdims=keepdims), dtype)


def _count(present, axis, keepdims, dtype):
    """The number of true values of ``present`` along ``axis``, as ``dtype``."""
    return _dt.cast(_impl.sum(present, axis=axis, keepdims=keepdims), dtype)


def _zero_where_missing(x, present):
    return _impl.where(present, x, _impl.zeros_like(x))


def _nanmean(x, axis, keepdims):
    present = _impl.logical_not(_impl.isnan(x))
    total = _impl.sum(_zero_where_missing(x, present), axis=axis, keepdims=keepdims)
    return _impl.divide(total, _count(present, axis, keepdims, _dt.dtype_of(total)))


@dispatch
def nanmean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` of the values that are not NaN.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) averages everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); NaN where a slice holds only NaN.

    Example:
        >>> ops.nanmean([1.0, float("nan"), 3.0])  # 2.0
    """
    x = _dt.as_float(x)
    if _is_empty_axis(axis):
        return x
    return _nanmean(x, axis, keepdims)


def _nanvar(x, axis, keepdims):
    x = _dt.as_float(x)
    if _is_empty_axis(axis):
        return _impl.where(_impl.isnan(x), x, _impl.zeros_like(x))
    present = _impl.logical_not(_impl.isnan(x))
    mean = _nanmean(x, axis, keepdims=True)
    centered = _zero_where_missing(_impl.subtract(x, mean), present)
    squares = _impl.real(_impl.multiply(centered, _impl.conj(centered)))
    total = _impl.sum(squares, axis=axis, keepdims=keepdims)
    return _impl.divide(total, _count(present, axis, keepdims, _dt.dtype_of(total)))


@dispatch
def nanvar(x, axis=None, keepdims=False):
    """Population variance over ``axis`` of the values that are not NaN.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) uses everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); NaN where a slice holds only NaN.

    Example:
        >>> ops.nanvar([1.0, float("nan"), 3.0])  # 1.0
    """
    return _nanvar(x, axis, keepdims)


@dispatch
def nanstd(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis`` of the values that are not NaN.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) uses everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); NaN where a slice holds only NaN.

    Example:
        >>> ops.nanstd([1.0, float("nan"), 3.0])  # 1.0
    """
    return _impl.sqrt(_nanvar(x, axis, keepdims))


def _nan_extreme(x, axis, keepdims, reduce, fill):
    x = _dt.as_tensor(x)
    if not _dt.is_inexact(_dt.dtype_of(x)) or _is_empty_axis(axis):
        return x if _is_empty_axis(axis) else reduce(x, axis=axis, keepdims=keepdims)
    nan = _impl.isnan(x)
    result = reduce(_impl.where(nan, _impl.full_like(x, fill), x), axis=axis,
                    keepdims=keepdims)
    only_nan = _impl.all(nan, axis=axis, keepdims=keepdims)
    return _impl.where(only_nan, _impl.full_like(result, float("nan")), result)


@dispatch
def nanmax(x, axis=None, keepdims=False):
    """Maximum over ``axis``, ignoring NaN.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) uses everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A tensor of the dtype of ``x``; NaN where a slice holds only NaN.

    Example:
        >>> ops.nanmax([1.0, float("nan"), 3.0])  # 3.0
    """
    return _nan_extreme(x, axis, keepdims, _impl.max, float("-inf"))


@dispatch
def nanmin(x, axis=None, keepdims=False):
    """Minimum over ``axis``, ignoring NaN.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) uses everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A tensor of the dtype of ``x``; NaN where a slice holds only NaN.

    Example:
        >>> ops.nanmin([1.0, float("nan"), 3.0])  # 1.0
    """
    return _nan_extreme(x, axis, keepdims, _impl.min, float("inf"))


def _nan_arg_extreme(x, axis, keepdims, reduce, fill):
    x = _dt.as_tensor(x)
    if not _dt.is_inexact(_dt.dtype_of(x)):
        return _dt.cast(reduce(x, axis=axis, keepdims=keepdims), "int32")
    nan = _impl.isnan(x)
    index = reduce(_impl.where(nan, _impl.full_like(x, fill), x), axis=axis,
                   keepdims=keepdims)
    index = _dt.cast(index, "int32")
    only_nan = _impl.all(nan, axis=axis, keepdims=keepdims)
    return _impl.where(only_nan, _impl.full_like(index, -1), index)


@dispatch
def nanargmax(x, axis=None, keepdims=False):
    """Index of the largest value along ``axis``, ignoring NaN.

    Args:
        x: a tensor.
        axis: an int axis; None (the default) indexes the flattened tensor.
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor; -1 where a slice holds only NaN.

    Example:
        >>> ops.nanargmax([1.0, float("nan"), 3.0])  # 2
    """
    return _nan_arg_extreme(x, axis, keepdims, _impl.argmax, float("-inf"))


@dispatch
def nanargmin(x, axis=None, keepdims=False):
    """Index of the smallest value along ``axis``, ignoring NaN.

    Args:
        x: a tensor.
        axis: an int axis; None (the default) indexes the flattened tensor.
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor; -1 where a slice holds only NaN.

    Example:
        >>> ops.nanargmin([1.0, float("nan"), 3.0])  # 0
    """
    return _nan_arg_extreme(x, axis, keepdims, _impl.argmin, float("inf"))


def _cumulative_dtype(x, dtype):
    dtype = _dt.dtype_of(x) if dtype is None else backend.standardize_dtype(dtype)
    return "int32" if dtype == "bool" else dtype


@dispatch
def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis``, treating NaN as zero.

    Args:
        x: a tensor.
        axis: the axis; None (the default) runs over the flattened tensor.
        dtype: the result dtype; None keeps the dtype of ``x`` (bool gives int32).

    Returns:
        A tensor of the shape of ``x`` (1-D when ``axis`` is None).

    Example:
        >>> ops.nancumsum([1.0, float("nan"), 2.0])  # [1., 1., 3.]
    """
    x = _dt.as_tensor(x)
    dtype = _cumulative_dtype(x, dtype)
    return _impl.cumsum(_without_nan(x, 0), axis=axis, dtype=dtype)


@dispatch
def nancumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis``, treating NaN as one.

    Args:
        x: a tensor.
        axis: the axis; None (the default) runs over the flattened tensor.
        dtype: the result dtype; None keeps the dtype of ``x`` (bool gives int32).

    Returns:
        A tensor of the shape of ``x`` (1-D when ``axis`` is None).

    Example:
        >>> ops.nancumprod([2.0, float("nan"), 3.0])  # [2., 2., 6.]
    """
    x = _dt.as_tensor(x)
    dtype = _cumulative_dtype(x, dtype)
    return _impl.cumprod(_without_nan(x, 1), axis=axis, dtype=dtype)


def _quantile_inputs(x, q, scale):
    """``x`` in a float dtype the engines' quantile kernels take (at least float32), ``q``
    divided by ``scale`` in that dtype, and the dtype of the result."""
    x = _dt.as_float(x)
    dtype = _dt.dtype_of(x)
    compute = dtype if dtype in ("float32", "float64") else "float32"
    x = _dt.cast(x, compute)
    q = _dt.cast(q, compute)
    if scale != 1:
        q = _impl.divide(q, scale)
    return x, q, dtype


@dispatch
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentile(s) of ``x`` along ``axis``.

    Args:
        x: a tensor.
        q: a percentile in ``[0, 100]`` or a 1-D sequence of them.
        axis: an int axis; None (the default) uses the flattened tensor.
        method: ``"linear"`` (the default), ``"lower"``, ``"higher"``, ``"midpoint"`` or
            ``"nearest"``: how to pick between the two values around the position.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); a sequence ``q`` adds a leading axis.

    Example:
        >>> ops.percentile([1.0, 2.0, 3.0, 4.0], 50)  # 2.5
    """
    x, q, dtype = _quantile_inputs(x, q, 100.0)
    result = _impl.quantile(x, q, axis=axis, method=method, keepdims=keepdims)
    return _dt.cast(result, dtype)


@dispatch
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantile(s) of the values of ``x`` that are not NaN, along ``axis``.

    Args:
        x: a tensor.
        q: a quantile in ``[0, 1]`` or a 1-D sequence of them.
        axis: an axis or tuple of axes; None (the default) uses the flattened tensor.
        method: ``"linear"`` (the default), ``"lower"``, ``"higher"``, ``"midpoint"`` or
            ``"nearest"``.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); a sequence ``q`` adds a leading axis.

    Example:
        >>> ops.nanquantile([1.0, float("nan"), 3.0], 0.5)  # 2.0
    """
    x, q, dtype = _quantile_inputs(x, q, 1)
    result = _impl.nanquantile(x, q, axis=axis, method=method, keepdims=keepdims)
    return _dt.cast(result, dtype)


@dispatch
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentile(s) of the values of ``x`` that are not NaN, along ``axis``.

    Args:
        x: a tensor.
        q: a percentile in ``[0, 100]`` or a 1-D sequence of them.
        axis: an axis or tuple of axes; None (the default) uses the flattened tensor.
        method: ``"linear"`` (the default), ``"lower"``, ``"higher"``, ``"midpoint"`` or
            ``"nearest"``.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); a sequence ``q`` adds a leading axis.

    Example:
        >>> ops.nanpercentile([1.0, float("nan"), 3.0], 50)  # 2.0
    """
    x, q, dtype = _quantile_inputs(x, q, 100.0)
    result = _impl.nanquantile(x, q, axis=axis, method=method, keepdims=keepdims)
    return _dt.cast(result, dtype)


@dispatch
def nanmedian(x, axis=None, keepdims=False):
    """Median along ``axis`` of the values that are not NaN.

    Args:
        x: a tensor.
        axis: an axis or tuple of axes; None (the default) uses the flattened tensor.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A float tensor (integers give ``floatx``); NaN where a slice holds only NaN.

    Example:
        >>> ops.nanmedian([1.0, float("nan"), 3.0, 10.0])  # 3.0
    """
    if _is_empty_axis(axis):
        return _dt.as_float(x)
    x, q, dtype = _quantile_inputs(x, 0.5, 1)
    result = _impl.nanquantile(x, q, axis=axis, method="linear", keepdims=keepdims)
    return _dt.cast(result, dtype)


@dispatch
def ptp(x, axis=None, keepdims=False):
    """Peak to peak: ``max - min`` along ``axis``.

    Args:
        x: a numeric tensor.
        axis: an axis or tuple of axes; None (the default) uses everything.
        keepdims: keep the reduced axes with size 1.

    Returns:
        A tensor of the dtype of ``x``.

    Example:
        >>> ops.ptp([[4, 9], [1, 2]], axis=1)  # [5, 1]
    """
    x = _dt.as_tensor(x)
    if _is_empty_axis(axis):
        return _impl.zeros_like(x)
    return _impl.subtract(_impl.max(x, axis=axis, keepdims=keepdims),
                          _impl.min(x, axis=axis, keepdims=keepdims))


_HISTOGRAM_BINS = "histogram: `bins` must be a non-negative int, got {bins!r}."
_HISTOGRAM_RANGE = (
    "histogram: `range` must be a tuple (low, high) with low <= high, got {range!r}."
)


@dispatch
def histogram(x, bins=10, range=None):
    """Count the values of a 1-D tensor in ``bins`` equal-width bins.

    Bins are half open, ``[edge_i, edge_i+1)``, except the last, which holds its right edge.
    Values outside ``range`` are not counted.

    Args:
        x: a 1-D tensor.
        bins: the number of bins (an int, default 10).
        range: ``(low, high)``; None (the default) uses the smallest and largest value.

    Returns:
        A tuple ``(counts, bin_edges)``: ``bins`` counts and ``bins + 1`` edges, both in the
        float dtype of ``x`` (integers give ``floatx``).

    Example:
        >>> counts, edges = ops.histogram([0.0, 1.0, 1.0, 3.0], bins=3)
        >>> counts  # [1., 2., 1.]
    """
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 0:
        raise ValueError(_HISTOGRAM_BINS.format(bins=bins))
    if range is not None and (not isinstance(range, (tuple, list)) or len(range) != 2
                              or range[1] < range[0]):
        raise ValueError(_HISTOGRAM_RANGE.format(range=range))
    x = _dt.as_float(x)
    if _impl.ndim(x) != 1:
        raise ValueError(
            f"histogram: `x` must be 1-D, got shape {tuple(x.shape)}; flatten it first with "
            "ops.ravel(x)."
        )
    dtype = _dt.dtype_of(x)
    if range is None:
        low, high = _impl.min(x), _impl.max(x)
    else:
        low, high = _dt.cast(range[0], dtype), _dt.cast(range[1], dtype)
    # As NumPy: an empty range [a, a] widens to [a - 0.5, a + 0.5].
    same = _impl.equal(low, high)
    low = _impl.where(same, _impl.subtract(low, 0.5), low)
    high = _impl.where(same, _impl.add(high, 0.5), high)
    steps = _impl.divide(_impl.arange(bins + 1, dtype=dtype), builtins.max(bins, 1))
    edges = _impl.add(low, _impl.multiply(_impl.subtract(high, low), steps))
    edges = _impl.concatenate([edges[:-1], _impl.reshape(high, (1,))])
    inside = _impl.logical_and(_impl.greater_equal(x, low), _impl.less_equal(x, high))
    index = _impl.subtract(_impl.searchsorted(edges, x, side="right"), 1)
    index = _impl.clip(index, 0, builtins.max(bins - 1, 0))
    counts = _impl.bincount(index, weights=_dt.cast(inside, dtype), minlength=bins)
    return _dt.cast(counts[:bins], dtype), edges


@dispatch
def corrcoef(x):
    """Pearson correlation coefficients between the rows of ``x``.

    Each row is a variable and each column an observation, as in NumPy.

    Args:
        x: a 1-D or 2-D tensor.

    Returns:
        A float tensor ``(rows, rows)`` (a scalar for 1-D ``x``); integers give ``floatx``
        (int64 gives float64).

    Example:
        >>> ops.corrcoef([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])  # [[1., -1.], [-1., 1.]]
    """
    x = _dt.as_float(x, wide_int64=True)
    is_vector = _impl.ndim(x) == 1
    rows = _impl.reshape(x, (1, -1)) if is_vector else x
    centered = _impl.subtract(rows, _impl.mean(rows, axis=1, keepdims=True))
    # The 1 / (n - 1) of the covariance cancels in the ratio; leave it out.
    products = _impl.matmul(centered, _impl.transpose(_impl.conj(centered)))
    scale = _impl.sqrt(_impl.real(_impl.diagonal(products)))
    result = _impl.divide(_impl.divide(products, _impl.expand_dims(scale, 1)),
                          _impl.expand_dims(scale, 0))
    if "complex" not in _dt.dtype_of(result):
        result = _impl.clip(result, -1, 1)
    return _impl.reshape(result, ()) if is_vector else result


@dispatch
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrate ``y`` along ``axis`` with the trapezoidal rule.

    Args:
        y: the values to integrate.
        x: the sample points (1-D, or the shape of ``y``); None (the default) spaces them
            ``dx`` apart.
        dx: the spacing when ``x`` is None (default 1.0).
        axis: the axis to integrate along (default -1).

    Returns:
        A float tensor with ``axis`` removed (integers give ``floatx``).

    Example:
        >>> ops.trapezoid([1.0, 2.0, 3.0])  # 4.0
    """
    y = _impl.moveaxis(_dt.as_float(y), axis, -1)
    heights = _impl.divide(_impl.add(y[..., 1:], y[..., :-1]), 2.0)
    if x is None:
        widths = dx
    else:
        x = _dt.cast(x, _dt.dtype_of(y))
        if _impl.ndim(x) != 1:
            x = _impl.moveaxis(x, axis, -1)
        widths = _impl.diff(x, axis=-1)
    return _impl.sum(_impl.multiply(heights, widths), axis=-1)

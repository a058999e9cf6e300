"""Window functions (``hamming``, ``hanning``, ``bartlett``, ``blackman``, ``kaiser``) and the
NumPy comparisons and special functions that came with them (``allclose``, ``fmax``, ``fmin``,
``i0``, ``nextafter``).

Windows depend only on their length, so they are computed with NumPy on the host (in float64)
and handed to the backend as ``floatx`` tensors. The rest are backend kernels in
``backend/<engine>/math.py`` with Keras's dtype rules applied here. ``lamina.ops.numpy``
re-exports every name.
"""

import numpy as np

from lamina import backend
from lamina.backend import math as _math
from lamina.backend import numpy as _impl
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch


def _window_length(x, name):
    """``x`` (a Python int, NumPy integer or scalar tensor) as a Python int."""
    if backend.is_tensor(x) or isinstance(x, np.ndarray):
        value = backend.convert_to_numpy(x)
        if value.ndim == 0 and np.issubdtype(value.dtype, np.integer):
            return int(value)
    elif isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    raise ValueError(f"`{name}` expects `x`, the window length, as an integer; got {x!r}.")


def _window(values):
    return backend.convert_to_tensor(np.asarray(values), dtype=backend.floatx())


@dispatch
def hamming(x):
    """The Hamming window of ``x`` samples (symmetric, as ``numpy.hamming``).

    Args:
        x: the number of samples (an integer); 0 or less gives an empty window.

    Returns:
        A ``floatx`` tensor of shape ``(x,)``.

    Example:
        >>> ops.hamming(5)  # [0.08, 0.54, 1., 0.54, 0.08]
    """
    return _window(np.hamming(_window_length(x, "hamming")))


@dispatch
def hanning(x):
    """The Hann window of ``x`` samples (symmetric, as ``numpy.hanning``).

    Args:
        x: the number of samples (an integer); 0 or less gives an empty window.

    Returns:
        A ``floatx`` tensor of shape ``(x,)``.

    Example:
        >>> ops.hanning(5)  # [0., 0.5, 1., 0.5, 0.]
    """
    return _window(np.hanning(_window_length(x, "hanning")))


@dispatch
def bartlett(x):
    """The Bartlett (triangular) window of ``x`` samples, as ``numpy.bartlett``.

    Args:
        x: the number of samples (an integer); 0 or less gives an empty window.

    Returns:
        A ``floatx`` tensor of shape ``(x,)``.

    Example:
        >>> ops.bartlett(5)  # [0., 0.5, 1., 0.5, 0.]
    """
    return _window(np.bartlett(_window_length(x, "bartlett")))


@dispatch
def blackman(x):
    """The Blackman window of ``x`` samples (symmetric, as ``numpy.blackman``).

    Args:
        x: the number of samples (an integer); 0 or less gives an empty window.

    Returns:
        A ``floatx`` tensor of shape ``(x,)``.

    Example:
        >>> ops.blackman(5)  # [0., 0.34, 1., 0.34, 0.]
    """
    return _window(np.blackman(_window_length(x, "blackman")))


@dispatch
def kaiser(x, beta):
    """The Kaiser window of ``x`` samples with shape parameter ``beta``, as ``numpy.kaiser``.

    Args:
        x: the number of samples (an integer); 0 or less gives an empty window.
        beta: the shape parameter (a float): 0 is rectangular, larger values are narrower.

    Returns:
        A ``floatx`` tensor of shape ``(x,)``.

    Example:
        >>> ops.kaiser(5, 3.0)  # [0.2049, 0.7269, 1., 0.7269, 0.2049]
    """
    length = _window_length(x, "kaiser")
    if backend.is_tensor(beta):
        beta = backend.convert_to_numpy(beta)
    return _window(np.kaiser(length, float(beta)))


@dispatch
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``x1`` is close to ``x2``: ``|x1 - x2| <= atol + rtol * |x2|``.

    Args:
        x1: a tensor.
        x2: a tensor broadcastable with ``x1``.
        rtol: relative tolerance (default 1e-5).
        atol: absolute tolerance (default 1e-8).
        equal_nan: whether NaNs in the same place count as equal (default False).

    Returns:
        A scalar bool tensor. Integer and bool inputs are compared exactly.

    Example:
        >>> ops.allclose([1.0, 2.0], [1.0, 2.000001])  # True
    """
    dtype = _dt.result_dtype(x1, x2)
    x1, x2 = _dt.cast(x1, dtype), _dt.cast(x2, dtype)
    if _dt.is_inexact(dtype):
        return _impl.all(_impl.isclose(x1, x2, rtol, atol, equal_nan))
    return _impl.all(_impl.equal(x1, x2))


@dispatch
def fmax(x1, x2):
    """Element-wise maximum that ignores NaN: where one side is NaN, the other is returned.

    Args:
        x1: a tensor or number.
        x2: a tensor or number broadcastable with ``x1``.

    Returns:
        A tensor of the inputs' common dtype (NaN only where both are NaN).

    Example:
        >>> ops.fmax([1.0, float("nan")], [float("nan"), 2.0])  # [1., 2.]
    """
    dtype = _dt.result_dtype(x1, x2)
    return _math.fmax(_dt.cast(x1, dtype), _dt.cast(x2, dtype))


@dispatch
def fmin(x1, x2):
    """Element-wise minimum that ignores NaN: where one side is NaN, the other is returned.

    Args:
        x1: a tensor or number.
        x2: a tensor or number broadcastable with ``x1``.

    Returns:
        A tensor of the inputs' common dtype (NaN only where both are NaN).

    Example:
        >>> ops.fmin([1.0, float("nan")], [float("nan"), 2.0])  # [1., 2.]
    """
    dtype = _dt.result_dtype(x1, x2)
    return _math.fmin(_dt.cast(x1, dtype), _dt.cast(x2, dtype))


@dispatch
def i0(x):
    """The modified Bessel function of the first kind, order 0, element-wise.

    Args:
        x: a tensor.

    Returns:
        A float tensor: float dtypes are kept, int64 gives float64, other integers and bool
        give ``floatx`` (as Keras).

    Example:
        >>> ops.i0([0.0, 1.0])  # [1., 1.2661]
    """
    return _math.i0(_dt.as_float(x, wide_int64=True))


@dispatch
def nextafter(x1, x2):
    """The next representable float after ``x1`` in the direction of ``x2``, element-wise.

    The step is taken in the result dtype, so float32 inputs move by one float32 ulp (as
    ``numpy.nextafter``).

    Args:
        x1: a tensor or number.
        x2: a tensor or number broadcastable with ``x1``.

    Returns:
        A float tensor of the inputs' common dtype (integers give ``floatx``).

    Example:
        >>> ops.nextafter([1.0], [2.0])  # [1.0000001]
    """
    dtype = _dt.float_dtype(_dt.result_dtype(x1, x2))
    return _math.nextafter(_dt.cast(x1, dtype), _dt.cast(x2, dtype))

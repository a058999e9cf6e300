"""Element-wise math beyond the basics: angles, powers of two, rounding toward zero, sign and
infinity tests, integer gcd/lcm.

Each op is written once here from backend primitives (``fmod``, ``hypot``, ``signbit``,
``gcd`` and ``lcm`` are engine kernels); ``lamina.ops.numpy`` re-exports every name.
"""

import math as _math

from lamina.backend import numpy as _impl
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch

_LN2 = _math.log(2.0)


def _float_result(*values):
    """The dtype of a float op on ``values``: their common dtype, integers as floats."""
    dtype = _dt.result_dtype(*values)
    return dtype if _dt.is_inexact(dtype) else _dt.float_dtype(dtype, wide_int64=True)


@dispatch
def hypot(x1, x2):
    """Element-wise length of the hypotenuse, ``sqrt(x1**2 + x2**2)``, without overflow.

    Args:
        x1: a tensor.
        x2: a tensor broadcastable with ``x1``.

    Returns:
        A float tensor (integer inputs give ``floatx``, int64 gives float64).

    Example:
        >>> ops.hypot([3.0, 5.0], [4.0, 12.0])  # [5., 13.]
    """
    dtype = _float_result(x1, x2)
    return _impl.hypot(_dt.cast(x1, dtype), _dt.cast(x2, dtype))


@dispatch
def cbrt(x):
    """Element-wise real cube root (negative for negative inputs).

    Args:
        x: a tensor.

    Returns:
        A float tensor (integers give ``floatx``, int64 gives float64).

    Example:
        >>> ops.cbrt([-8.0, 27.0])  # [-2., 3.]
    """
    x = _dt.as_float(x, wide_int64=True)
    return _impl.multiply(_impl.sign(x), _impl.power(_impl.absolute(x), 1.0 / 3.0))


@dispatch
def deg2rad(x):
    """Convert angles from degrees to radians.

    Args:
        x: a tensor of angles in degrees.

    Returns:
        A float tensor (integers give ``floatx``, int64 gives float64).

    Example:
        >>> ops.deg2rad([180.0])  # [3.1415927]
    """
    return _impl.multiply(_dt.as_float(x, wide_int64=True), _math.pi / 180.0)


@dispatch
def rad2deg(x):
    """Convert angles from radians to degrees.

    Args:
        x: a tensor of angles in radians.

    Returns:
        A float tensor (integers give ``floatx``, int64 gives float64).

    Example:
        >>> ops.rad2deg([3.1415927])  # [180.]
    """
    return _impl.multiply(_dt.as_float(x, wide_int64=True), 180.0 / _math.pi)


@dispatch
def exp2(x):
    """Element-wise ``2 ** x``.

    Args:
        x: a tensor.

    Returns:
        A float tensor (integers give ``floatx``).

    Example:
        >>> ops.exp2([0, 3])  # [1., 8.]
    """
    return _impl.power(2.0, _dt.as_float(x))


@dispatch
def fmod(x1, x2):
    """Element-wise remainder of truncated division: the result takes the sign of ``x1``.

    Unlike ``mod`` (which follows the divisor's sign), ``fmod(-7, 3)`` is ``-1``.

    Args:
        x1: the dividend.
        x2: the divisor, broadcastable with ``x1``.

    Returns:
        A tensor of the inputs' common dtype (bool gives int32).

    Example:
        >>> ops.fmod([-7, 7], 3)  # [-1, 1]
    """
    dtype = _dt.result_dtype(x1, x2)
    if dtype == "bool":
        dtype = "int32"
    return _impl.fmod(_dt.cast(x1, dtype), _dt.cast(x2, dtype))


@dispatch
def trunc(x):
    """Round toward zero, element-wise.

    Args:
        x: a tensor.

    Returns:
        A tensor of the dtype of ``x`` (integers and bools come back unchanged).

    Example:
        >>> ops.trunc([-1.7, 1.7])  # [-1., 1.]
    """
    x = _dt.as_tensor(x)
    if not _dt.is_inexact(_dt.dtype_of(x)):
        return x
    return _impl.where(_impl.less(x, 0), _impl.ceil(x), _impl.floor(x))


@dispatch
def signbit(x):
    """True where the sign bit is set (negative numbers, ``-0.0`` and ``-inf``).

    Args:
        x: a tensor.

    Returns:
        A bool tensor of the shape of ``x``.

    Example:
        >>> ops.signbit([-1.0, -0.0, 2.0])  # [True, True, False]
    """
    x = _dt.as_tensor(x)
    if _dt.dtype_of(x) == "bool":
        return _impl.zeros_like(x, dtype="bool")
    return _impl.signbit(x)


@dispatch
def isneginf(x):
    """True where ``x`` is negative infinity.

    Args:
        x: a tensor.

    Returns:
        A bool tensor of the shape of ``x``.

    Example:
        >>> ops.isneginf([-float("inf"), 1.0])  # [True, False]
    """
    x = _dt.as_tensor(x)
    if not _dt.is_inexact(_dt.dtype_of(x)):
        return _impl.zeros_like(x, dtype="bool")
    return _impl.logical_and(_impl.isinf(x), _impl.less(x, 0))


@dispatch
def isposinf(x):
    """True where ``x`` is positive infinity.

    Args:
        x: a tensor.

    Returns:
        A bool tensor of the shape of ``x``.

    Example:
        >>> ops.isposinf([float("inf"), 1.0])  # [True, False]
    """
    x = _dt.as_tensor(x)
    if not _dt.is_inexact(_dt.dtype_of(x)):
        return _impl.zeros_like(x, dtype="bool")
    return _impl.logical_and(_impl.isinf(x), _impl.greater(x, 0))


@dispatch
def isreal(x):
    """True where the imaginary part of ``x`` is zero (everywhere for real dtypes).

    Args:
        x: a tensor.

    Returns:
        A bool tensor of the shape of ``x``.

    Example:
        >>> ops.isreal([1.0, 2.0])  # [True, True]
    """
    x = _dt.as_tensor(x)
    if "complex" not in _dt.dtype_of(x):
        return _impl.ones_like(x, dtype="bool")
    return _impl.equal(_impl.imag(x), 0)


@dispatch
def heaviside(x1, x2):
    """The Heaviside step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, else 1.

    Args:
        x1: the input tensor.
        x2: the value at ``x1 == 0``, broadcastable with ``x1``.

    Returns:
        A tensor of the inputs' common dtype (integers give ``floatx``, int64 float64).

    Example:
        >>> ops.heaviside([-1.0, 0.0, 2.0], 0.5)  # [0., 0.5, 1.]
    """
    dtype = _dt.result_dtype(x1, x2)
    if dtype != "bool" and not _dt.is_inexact(dtype):
        dtype = _dt.float_dtype(dtype, wide_int64=True)
    x1, x2 = _dt.cast(x1, dtype), _dt.cast(x2, dtype)
    step = _impl.where(_impl.greater(x1, 0), _impl.ones_like(x1), x2)
    return _impl.where(_impl.less(x1, 0), _impl.zeros_like(x1), step)


@dispatch
def sinc(x):
    """The normalized sinc function, ``sin(pi * x) / (pi * x)``, with ``sinc(0) = 1``.

    Args:
        x: a tensor.

    Returns:
        A float tensor (integers give ``floatx``).

    Example:
        >>> ops.sinc([0.0, 0.5])  # [1., 0.63661975]
    """
    scaled = _impl.multiply(_dt.as_float(x), _math.pi)
    at_zero = _impl.equal(scaled, 0)
    ones = _impl.ones_like(scaled)
    # Divide by 1 at zero so neither the value nor its gradient becomes NaN there.
    safe = _impl.where(at_zero, ones, scaled)
    return _impl.where(at_zero, ones, _impl.divide(_impl.sin(safe), safe))


@dispatch
def logaddexp2(x1, x2):
    """Element-wise ``log2(2 ** x1 + 2 ** x2)`` without overflow.

    Args:
        x1: a tensor.
        x2: a tensor broadcastable with ``x1``.

    Returns:
        A float tensor (integers give ``floatx``).

    Example:
        >>> ops.logaddexp2([1.0], [1.0])  # [2.]
    """
    dtype = _dt.float_dtype(_dt.result_dtype(x1, x2))
    x1 = _impl.multiply(_dt.cast(x1, dtype), _LN2)
    x2 = _impl.multiply(_dt.cast(x2, dtype), _LN2)
    return _impl.divide(_impl.logaddexp(x1, x2), _LN2)


@dispatch
def ldexp(x1, x2):
    """Element-wise ``x1 * 2 ** x2`` for integer exponents ``x2``.

    Args:
        x1: the mantissas.
        x2: integer exponents, broadcastable with ``x1``.

    Returns:
        A float tensor (integer ``x1`` gives ``floatx``).

    Raises:
        TypeError: when ``x2`` is not of an integer dtype.

    Example:
        >>> ops.ldexp([1.0, 3.0], [2, 1])  # [4., 6.]
    """
    if not isinstance(x2, int) or isinstance(x2, bool):
        x2 = _dt.as_tensor(x2)
        x2_dtype = _dt.dtype_of(x2)
        if x2_dtype == "bool" or _dt.is_inexact(x2_dtype):
            raise TypeError(
                f"ldexp: the exponent `x2` must have an integer dtype, got {x2_dtype}. "
                "Cast it first, e.g. ops.cast(x2, 'int32')."
            )
    dtype = _dt.float_dtype(_dt.result_dtype(x1, x2))
    return _impl.multiply(_dt.cast(x1, dtype), _impl.power(2.0, _dt.cast(x2, dtype)))


@dispatch
def fabs(x):
    """Element-wise absolute value as floats (complex inputs are refused).

    Args:
        x: a real tensor.

    Returns:
        A float tensor (integers and bools give ``floatx``).

    Raises:
        TypeError: for complex ``x`` (use ``ops.absolute``).

    Example:
        >>> ops.fabs([-2, 3])  # [2., 3.]
    """
    x = _dt.as_tensor(x)
    if "complex" in _dt.dtype_of(x):
        raise TypeError(
            "fabs: complex inputs are not supported; use ops.absolute for their magnitude."
        )
    return _impl.absolute(_dt.as_float(x))


@dispatch
def conjugate(x):
    """Element-wise complex conjugate (real tensors come back unchanged).

    Args:
        x: a tensor.

    Returns:
        A tensor of the dtype of ``x``.

    Example:
        >>> ops.conjugate([1 + 2j])  # [1 - 2j]
    """
    return _impl.conj(x)


@dispatch
def angle(x):
    """Element-wise argument (phase) of complex numbers, in radians.

    Real inputs give 0 for non-negative values and ``pi`` for negative ones.

    Args:
        x: a tensor.

    Returns:
        A real float tensor (integers give ``floatx``).

    Example:
        >>> ops.angle([1j, -1.0])  # [1.5707964, 3.1415927]
    """
    x = _dt.as_float(x)
    if "complex" in _dt.dtype_of(x):
        return _impl.arctan2(_impl.imag(x), _impl.real(x))
    return _impl.arctan2(_impl.zeros_like(x), x)


@dispatch
def gcd(x1, x2):
    """Element-wise greatest common divisor of integers.

    Args:
        x1: an integer tensor.
        x2: an integer tensor broadcastable with ``x1``.

    Returns:
        A tensor of the inputs' common integer dtype.

    Example:
        >>> ops.gcd([12, 9], 6)  # [6, 3]
    """
    dtype = _dt.result_dtype(x1, x2)
    return _impl.gcd(_dt.cast(x1, dtype), _dt.cast(x2, dtype))


@dispatch
def lcm(x1, x2):
    """Element-wise least common multiple of integers.

    Args:
        x1: an integer tensor.
        x2: an integer tensor broadcastable with ``x1``.

    Returns:
        A tensor of the inputs' common integer dtype.

    Example:
        >>> ops.lcm([4, 6], 6)  # [12, 6]
    """
    dtype = _dt.result_dtype(x1, x2)
    return _impl.lcm(_dt.cast(x1, dtype), _dt.cast(x2, dtype))

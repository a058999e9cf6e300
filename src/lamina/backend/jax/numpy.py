"""JAX implementations of the NumPy-like ops (the names and semantics of ``lamina.ops``)."""

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common import dtypes
from lamina.backend.jax.core import cast
from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import to_jax_dtype


def _t(x):
    return convert_to_tensor(x)


def _s(x):
    """Convert, but keep Python scalars weakly typed so they follow the other operand."""
    if isinstance(x, (int, float, bool)) and not isinstance(x, jax.Array):
        return x
    return convert_to_tensor(x)


def _float(x):
    x = _t(x)
    if not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.issubdtype(x.dtype, jnp.complexfloating)):
        x = x.astype(to_jax_dtype(None))
    return x


def _axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def add(x1, x2):
    return jnp.add(_s(x1), _s(x2))


def subtract(x1, x2):
    return jnp.subtract(_s(x1), _s(x2))


def multiply(x1, x2):
    return jnp.multiply(_s(x1), _s(x2))


def divide(x1, x2):
    return jnp.true_divide(_s(x1), _s(x2))


true_divide = divide


def divide_no_nan(x1, x2):
    x1, x2 = _float(x1), _float(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, x1 / safe)


def floor_divide(x1, x2):
    return jnp.floor_divide(_s(x1), _s(x2))


def mod(x1, x2):
    return jnp.mod(_s(x1), _s(x2))


def power(x1, x2):
    return jnp.power(_s(x1), _s(x2))


def negative(x):
    return jnp.negative(_t(x))


def absolute(x):
    return jnp.abs(_t(x))


abs = absolute


def sign(x):
    return jnp.sign(_t(x))


def square(x):
    return jnp.square(_t(x))


def sqrt(x):
    return jnp.sqrt(_float(x))


def exp(x):
    return jnp.exp(_float(x))


def expm1(x):
    return jnp.expm1(_float(x))


def log(x):
    return jnp.log(_float(x))


def log1p(x):
    return jnp.log1p(_float(x))


def log2(x):
    return jnp.log2(_float(x))


def log10(x):
    return jnp.log10(_float(x))


def logaddexp(x1, x2):
    return jnp.logaddexp(_float(x1), _float(x2))


def reciprocal(x):
    return jnp.reciprocal(_float(x))


def sin(x):
    return jnp.sin(_float(x))


def cos(x):
    return jnp.cos(_float(x))


def tan(x):
    return jnp.tan(_float(x))


def arcsin(x):
    return jnp.arcsin(_float(x))


def arccos(x):
    return jnp.arccos(_float(x))


def arctan(x):
    return jnp.arctan(_float(x))


def arctan2(x1, x2):
    return jnp.arctan2(_float(x1), _float(x2))


def sinh(x):
    return jnp.sinh(_float(x))


def cosh(x):
    return jnp.cosh(_float(x))


def tanh(x):
    return jnp.tanh(_float(x))


def arcsinh(x):
    return jnp.arcsinh(_float(x))


def arccosh(x):
    return jnp.arccosh(_float(x))


def arctanh(x):
    return jnp.arctanh(_float(x))


def floor(x):
    return jnp.floor(_float(x))


def ceil(x):
    return jnp.ceil(_float(x))


def round(x, decimals=0):
    return jnp.round(_float(x), decimals=decimals)


def clip(x, x_min, x_max):
    x = _t(x)
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.int32)
    return jnp.clip(x, x_min, x_max)


def maximum(x1, x2):
    return jnp.maximum(_s(x1), _s(x2))


def minimum(x1, x2):
    return jnp.minimum(_s(x1), _s(x2))


def equal(x1, x2):
    return jnp.equal(_s(x1), _s(x2))


def not_equal(x1, x2):
    return jnp.not_equal(_s(x1), _s(x2))


def greater(x1, x2):
    return jnp.greater(_s(x1), _s(x2))


def greater_equal(x1, x2):
    return jnp.greater_equal(_s(x1), _s(x2))


def less(x1, x2):
    return jnp.less(_s(x1), _s(x2))


def less_equal(x1, x2):
    return jnp.less_equal(_s(x1), _s(x2))


def logical_and(x1, x2):
    return jnp.logical_and(_t(x1), _t(x2))


def logical_or(x1, x2):
    return jnp.logical_or(_t(x1), _t(x2))


def logical_xor(x1, x2):
    return jnp.logical_xor(_t(x1), _t(x2))


def logical_not(x):
    return jnp.logical_not(_t(x))


def isnan(x):
    return jnp.isnan(_t(x))


def isinf(x):
    return jnp.isinf(_t(x))


def isfinite(x):
    return jnp.isfinite(_t(x))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return jnp.isclose(_float(x1), _float(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def where(condition, x1=None, x2=None):
    condition = _t(condition).astype(jnp.bool_)
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    return jnp.where(condition, _s(x1), _s(x2))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


# -- reductions ----------------------------------------------------------------------------
def _reduce_bool(x):
    return x.astype(jnp.int32) if x.dtype == jnp.bool_ else x


def sum(x, axis=None, keepdims=False):
    return jnp.sum(_reduce_bool(_t(x)), axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    return jnp.prod(_reduce_bool(_t(x)), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return jnp.mean(_float(x), axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return jnp.var(_float(x), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return jnp.std(_float(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    return jnp.max(_t(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


amax = max


def min(x, axis=None, keepdims=False, initial=None):
    return jnp.min(_t(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


amin = min


def all(x, axis=None, keepdims=False):
    return jnp.all(_t(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return jnp.any(_t(x), axis=_axis(axis), keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(_t(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(_t(x), axis=axis, keepdims=keepdims)


def argsort(x, axis=-1):
    return jnp.argsort(_t(x), axis=axis, stable=True)


def sort(x, axis=-1):
    return jnp.sort(_t(x), axis=axis, stable=True)


def cumsum(x, axis=None, dtype=None):
    return jnp.cumsum(_t(x), axis=axis, dtype=None if dtype is None else to_jax_dtype(dtype))


def cumprod(x, axis=None, dtype=None):
    return jnp.cumprod(_t(x), axis=axis, dtype=None if dtype is None else to_jax_dtype(dtype))


def count_nonzero(x, axis=None):
    return jnp.count_nonzero(_t(x), axis=_axis(axis))


def average(x, axis=None, weights=None):
    return jnp.average(_float(x), axis=axis, weights=None if weights is None else _float(weights))


def median(x, axis=None, keepdims=False):
    return jnp.median(_float(x), axis=_axis(axis), keepdims=keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return jnp.quantile(_float(x), _t(q), axis=_axis(axis), method=method, keepdims=keepdims)


# -- creation ------------------------------------------------------------------------------
def zeros(shape, dtype=None):
    return jnp.zeros(_shape(shape), dtype=to_jax_dtype(dtype))


def ones(shape, dtype=None):
    return jnp.ones(_shape(shape), dtype=to_jax_dtype(dtype))


def full(shape, fill_value, dtype=None):
    return jnp.full(_shape(shape), fill_value, dtype=None if dtype is None else to_jax_dtype(dtype))


def zeros_like(x, dtype=None):
    return jnp.zeros_like(_t(x), dtype=None if dtype is None else to_jax_dtype(dtype))


def ones_like(x, dtype=None):
    return jnp.ones_like(_t(x), dtype=None if dtype is None else to_jax_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    return jnp.full_like(_t(x), fill_value, dtype=None if dtype is None else to_jax_dtype(dtype))


def empty(shape, dtype=None):
    return zeros(shape, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M=M, k=k, dtype=to_jax_dtype(dtype))


def identity(n, dtype=None):
    return jnp.identity(n, dtype=to_jax_dtype(dtype))


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        is_int = builtins.all(isinstance(v, int) for v in (start, stop, step))
        dtype = "int32" if is_int else None
    return jnp.arange(start, stop, step, dtype=to_jax_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return jnp.linspace(start, stop, num, endpoint=endpoint, dtype=to_jax_dtype(dtype), axis=axis)


def tri(N, M=None, k=0, dtype=None):
    return jnp.tri(N, M=M, k=k, dtype=to_jax_dtype(dtype))


def tril(x, k=0):
    return jnp.tril(_t(x), k=k)


def triu(x, k=0):
    return jnp.triu(_t(x), k=k)


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def copy(x):
    return jnp.array(_t(x), copy=True)


def meshgrid(*x, indexing="xy"):
    return list(jnp.meshgrid(*[_t(v) for v in x], indexing=indexing))


# -- shape manipulation --------------------------------------------------------------------
def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = (newshape,)
    return jnp.reshape(_t(x), tuple(newshape))


def ravel(x):
    return jnp.ravel(_t(x))


def transpose(x, axes=None):
    return jnp.transpose(_t(x), axes=None if axes is None else tuple(axes))


def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(_t(x), axis1, axis2)


def moveaxis(x, source, destination):
    return jnp.moveaxis(_t(x), source, destination)


def expand_dims(x, axis):
    return jnp.expand_dims(_t(x), _axis(axis))


def squeeze(x, axis=None):
    return jnp.squeeze(_t(x), axis=_axis(axis))


def broadcast_to(x, shape):
    return jnp.broadcast_to(_t(x), tuple(shape))


def concatenate(xs, axis=0):
    return jnp.concatenate([_t(x) for x in xs], axis=axis)


def stack(x, axis=0):
    return jnp.stack([_t(v) for v in x], axis=axis)


def hstack(xs):
    return jnp.hstack([_t(x) for x in xs])


def vstack(xs):
    return jnp.vstack([_t(x) for x in xs])


def split(x, indices_or_sections, axis=0):
    x = _t(x)
    if isinstance(indices_or_sections, int) and x.shape[axis] % indices_or_sections:
        raise ValueError(
            f"split: axis {axis} of size {x.shape[axis]} does not divide into "
            f"{indices_or_sections} equal sections."
        )
    return list(jnp.split(x, indices_or_sections, axis=axis))


def tile(x, repeats):
    return jnp.tile(_t(x), repeats)


def repeat(x, repeats, axis=None):
    return jnp.repeat(_t(x), repeats, axis=axis)


def flip(x, axis=None):
    return jnp.flip(_t(x), axis=_axis(axis))


def roll(x, shift, axis=None):
    return jnp.roll(_t(x), shift, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    kwargs = {}
    if mode == "constant":
        kwargs["constant_values"] = constant_values or 0
    return jnp.pad(_t(x), np.asarray(pad_width).tolist() if not isinstance(pad_width, int)
                   else pad_width, mode=mode, **kwargs)


def take(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices)
    if axis is None:
        x, axis = x.ravel(), 0
    size = x.shape[axis]
    indices = jnp.where(indices < 0, indices + size, indices)
    return jnp.take(x, indices, axis=axis, mode="clip")


def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(_t(x), _t(indices), axis=axis, mode="clip")


def diag(x, k=0):
    return jnp.diag(_t(x), k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return jnp.diagonal(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def trace(x, offset=0, axis1=0, axis2=1):
    return jnp.trace(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def nonzero(x):
    return jnp.nonzero(_t(x))


def bincount(x, weights=None, minlength=0):
    return jnp.bincount(_t(x), weights=None if weights is None else _t(weights),
                        minlength=minlength)


def digitize(x, bins):
    return jnp.digitize(_t(x), _t(bins))


def size(x):
    return _t(x).size


def ndim(x):
    return _t(x).ndim


# -- products ------------------------------------------------------------------------------
def matmul(x1, x2):
    return jnp.matmul(_t(x1), _t(x2))


def dot(x1, x2):
    return jnp.dot(_t(x1), _t(x2))


def vdot(x1, x2):
    return jnp.vdot(_t(x1), _t(x2))


def outer(x1, x2):
    return jnp.outer(_t(x1), _t(x2))


def tensordot(x1, x2, axes=2):
    return jnp.tensordot(_t(x1), _t(x2), axes=axes)


def einsum(subscripts, *operands):
    return jnp.einsum(subscripts, *[_t(o) for o in operands])


def cross(x1, x2, axis=-1):
    return jnp.cross(_t(x1), _t(x2), axis=axis)


def diff(a, n=1, axis=-1):
    return jnp.diff(_t(a), n=n, axis=axis)


def conj(x):
    return jnp.conj(_t(x))


def real(x):
    return jnp.real(_t(x))


def imag(x):
    return jnp.imag(_t(x))


def astype(x, dtype):
    return cast(x, dtype)


def result_dtype(*values):
    return dtypes.standardize_dtype(jnp.result_type(*[_s(v) for v in values]))


# -- element-wise kernels the composites in ops/ build on ----------------------------------
def fmod(x1, x2):
    return jnp.fmod(_s(x1), _s(x2))


def hypot(x1, x2):
    return jnp.hypot(_t(x1), _t(x2))


def signbit(x):
    return jnp.signbit(_t(x))


def gcd(x1, x2):
    return jnp.gcd(_t(x1), _t(x2))


def lcm(x1, x2):
    return jnp.lcm(_t(x1), _t(x2))


def bitwise_and(x1, x2):
    return jnp.bitwise_and(_t(x1), _t(x2))


def bitwise_or(x1, x2):
    return jnp.bitwise_or(_t(x1), _t(x2))


def bitwise_xor(x1, x2):
    return jnp.bitwise_xor(_t(x1), _t(x2))


def bitwise_not(x):
    return jnp.invert(_t(x))


def left_shift(x1, x2):
    return jnp.left_shift(_t(x1), _s(x2))


def right_shift(x1, x2):
    return jnp.right_shift(_t(x1), _s(x2))


def isin(x1, x2, assume_unique=False, invert=False):
    return jnp.isin(_t(x1), _t(x2), assume_unique=assume_unique, invert=invert)


def searchsorted(sorted_sequence, values, side="left"):
    result = jnp.searchsorted(_t(sorted_sequence), _t(values), side=side)
    return result.astype(jnp.int32)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return jnp.nanquantile(_float(x), _t(q), axis=_axis(axis), method=method, keepdims=keepdims)


def unique(x, axis=None, size=None, fill_value=0):
    """Sorted unique values (or slices along ``axis``) with their first index, the inverse
    and the counts (int32); ``size`` pads (with ``fill_value``) or truncates."""
    values, index, inverse, counts = jnp.unique(
        _t(x), return_index=True, return_inverse=True, return_counts=True, axis=axis,
        equal_nan=False, size=size, fill_value=None if size is None else fill_value)
    return (values, index.astype(jnp.int32), inverse.astype(jnp.int32),
            counts.astype(jnp.int32))


def view(x, dtype):
    """The bits of ``x`` read as ``dtype``; the last axis rescales when the item sizes
    differ (NumPy's ``ndarray.view``)."""
    x = _t(x)
    dtype = to_jax_dtype(dtype)
    old, new = x.dtype.itemsize, jnp.dtype(dtype).itemsize
    if old > new:
        # bitcast_convert_type splits each item on a new trailing axis: merge it back.
        result = jax.lax.bitcast_convert_type(x, dtype)
        return result.reshape(x.shape[:-1] + (x.shape[-1] * (old // new),))
    if old < new:
        # ... and wants the items to combine on a trailing axis of size new // old.
        x = x.reshape(x.shape[:-1] + (x.shape[-1] // (new // old), new // old))
    return jax.lax.bitcast_convert_type(x, dtype)

"""torch implementations of the NumPy-like ops (the names and semantics of ``lamina.ops``)."""

import builtins

import numpy as np
import torch

from lamina.backend.common import dtypes
from lamina.backend.torch.core import DEFAULT_DEVICE
from lamina.backend.torch.core import cast
from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import to_torch_dtype


def _t(x):
    return convert_to_tensor(x)


def _pair(x1, x2):
    """Convert two operands, letting Python scalars follow the tensor's dtype."""
    if not isinstance(x1, torch.Tensor) and isinstance(x1, (int, float, bool)):
        x2 = _t(x2)
        return x1, x2
    x1 = _t(x1)
    if isinstance(x2, (int, float, bool)) and not isinstance(x2, torch.Tensor):
        return x1, x2
    return x1, _t(x2)


def _float(x):
    x = _t(x)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(to_torch_dtype(None))
    return x


def _axis(axis):
    if axis is None:
        return None
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def add(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.add(x1, x2) if isinstance(x1, torch.Tensor) else torch.add(x2, x1)


def subtract(x1, x2):
    x1, x2 = _pair(x1, x2)
    return x1 - x2


def multiply(x1, x2):
    x1, x2 = _pair(x1, x2)
    return x1 * x2


def divide(x1, x2):
    x1, x2 = _pair(x1, x2)
    result = x1 / x2
    return result


true_divide = divide


def divide_no_nan(x1, x2):
    x1, x2 = _float(x1), _float(x2)
    zero = x2 == 0
    if not (x1.requires_grad or x2.requires_grad):
        # No gradient to keep finite (a metric's result): divide, then zero the x / 0.
        return (x1 / x2).masked_fill_(zero, 0.0)
    return torch.where(zero, 0.0, x1 / torch.where(zero, 1.0, x2))


def floor_divide(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.floor_divide(_t(x1), x2)


def mod(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.remainder(_t(x1), x2)


def power(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.pow(x1, x2)


def negative(x):
    return torch.neg(_t(x))


def absolute(x):
    return torch.abs(_t(x))


abs = absolute


def sign(x):
    return torch.sign(_t(x))


def square(x):
    return torch.square(_t(x))


def sqrt(x):
    return torch.sqrt(_float(x))


def exp(x):
    return torch.exp(_float(x))


def expm1(x):
    return torch.expm1(_float(x))


def log(x):
    return torch.log(_float(x))


def log1p(x):
    return torch.log1p(_float(x))


def log2(x):
    return torch.log2(_float(x))


def log10(x):
    return torch.log10(_float(x))


def logaddexp(x1, x2):
    return torch.logaddexp(_float(x1), _float(x2))


def reciprocal(x):
    return torch.reciprocal(_float(x))


def sin(x):
    return torch.sin(_float(x))


def cos(x):
    return torch.cos(_float(x))


def tan(x):
    return torch.tan(_float(x))


def arcsin(x):
    return torch.asin(_float(x))


def arccos(x):
    return torch.acos(_float(x))


def arctan(x):
    return torch.atan(_float(x))


def arctan2(x1, x2):
    return torch.atan2(_float(x1), _float(x2))


def sinh(x):
    return torch.sinh(_float(x))


def cosh(x):
    return torch.cosh(_float(x))


def tanh(x):
    return torch.tanh(_float(x))


def arcsinh(x):
    return torch.asinh(_float(x))


def arccosh(x):
    return torch.acosh(_float(x))


def arctanh(x):
    return torch.atanh(_float(x))


def floor(x):
    return torch.floor(_float(x))


def ceil(x):
    return torch.ceil(_float(x))


def round(x, decimals=0):
    return torch.round(_float(x), decimals=decimals)


def clip(x, x_min, x_max):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.clamp(x, x_min, x_max)


def maximum(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.maximum(x1.to(dtype), x2.to(dtype))


def minimum(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.minimum(x1.to(dtype), x2.to(dtype))


def equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.eq(_t(x1), x2)


def not_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.ne(_t(x1), x2)


def greater(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.gt(_t(x1), x2)


def greater_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.ge(_t(x1), x2)


def less(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.lt(_t(x1), x2)


def less_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.le(_t(x1), x2)


def logical_and(x1, x2):
    return torch.logical_and(_t(x1), _t(x2))


def logical_or(x1, x2):
    return torch.logical_or(_t(x1), _t(x2))


def logical_xor(x1, x2):
    return torch.logical_xor(_t(x1), _t(x2))


def logical_not(x):
    return torch.logical_not(_t(x))


def isnan(x):
    return torch.isnan(_t(x))


def isinf(x):
    return torch.isinf(_t(x))


def isfinite(x):
    return torch.isfinite(_t(x))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _float(x1), _float(x2)
    return torch.isclose(x1, x2.to(x1.dtype), rtol=rtol, atol=atol, equal_nan=equal_nan)


def where(condition, x1=None, x2=None):
    condition = _t(condition).to(torch.bool)
    if x1 is None and x2 is None:
        return torch.nonzero(condition, as_tuple=True)
    x1, x2 = _t(x1), _t(x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.where(condition, x1.to(dtype), x2.to(dtype))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


# -- reductions ----------------------------------------------------------------------------
def _reduce_bool(x):
    return x.to(torch.int64) if x.dtype == torch.bool else x


def sum(x, axis=None, keepdims=False):
    x = _reduce_bool(_t(x))
    axis = _axis(axis)
    if axis is None:
        result = torch.sum(x)
        return result.reshape((1,) * x.ndim) if keepdims else result
    return torch.sum(x, dim=axis, keepdim=keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = _reduce_bool(_t(x))
    if axis is None:
        result = torch.prod(x)
        return result.reshape((1,) * x.ndim) if keepdims else result
    if isinstance(axis, (tuple, list)):
        for a in sorted([a % x.ndim for a in axis], reverse=True):
            x = torch.prod(x, dim=a, keepdim=keepdims)
        return x
    return torch.prod(x, dim=axis, keepdim=keepdims)


def mean(x, axis=None, keepdims=False):
    x = _float(x)
    axis = _axis(axis)
    if axis is None:
        result = torch.mean(x)
        return result.reshape((1,) * x.ndim) if keepdims else result
    return torch.mean(x, dim=axis, keepdim=keepdims)


def var(x, axis=None, keepdims=False):
    x = _float(x)
    axis = _axis(axis)
    if axis is None:
        result = torch.var(x, correction=0)
        return result.reshape((1,) * x.ndim) if keepdims else result
    return torch.var(x, dim=axis, keepdim=keepdims, correction=0)


def std(x, axis=None, keepdims=False):
    return torch.sqrt(var(x, axis=axis, keepdims=keepdims))


def max(x, axis=None, keepdims=False, initial=None):
    x = _t(x)
    axis = _axis(axis)
    if axis is None:
        result = torch.amax(x)
        result = result.reshape((1,) * x.ndim) if keepdims else result
    else:
        result = torch.amax(x, dim=axis, keepdim=keepdims)
    if initial is not None:
        result = torch.clamp(result, min=initial)
    return result


amax = max


def min(x, axis=None, keepdims=False, initial=None):
    x = _t(x)
    axis = _axis(axis)
    if axis is None:
        result = torch.amin(x)
        result = result.reshape((1,) * x.ndim) if keepdims else result
    else:
        result = torch.amin(x, dim=axis, keepdim=keepdims)
    if initial is not None:
        result = torch.clamp(result, max=initial)
    return result


amin = min


def all(x, axis=None, keepdims=False):
    x = _t(x).to(torch.bool)
    axis = _axis(axis)
    if axis is None:
        result = torch.all(x)
        return result.reshape((1,) * x.ndim) if keepdims else result
    if isinstance(axis, tuple):
        for a in sorted([a % x.ndim for a in axis], reverse=True):
            x = torch.all(x, dim=a, keepdim=keepdims)
        return x
    return torch.all(x, dim=axis, keepdim=keepdims)


def any(x, axis=None, keepdims=False):
    x = _t(x).to(torch.bool)
    axis = _axis(axis)
    if axis is None:
        result = torch.any(x)
        return result.reshape((1,) * x.ndim) if keepdims else result
    if isinstance(axis, tuple):
        for a in sorted([a % x.ndim for a in axis], reverse=True):
            x = torch.any(x, dim=a, keepdim=keepdims)
        return x
    return torch.any(x, dim=axis, keepdim=keepdims)


def argmax(x, axis=None, keepdims=False):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.argmax(x, dim=axis, keepdim=keepdims)


def argmin(x, axis=None, keepdims=False):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.argmin(x, dim=axis, keepdim=keepdims)


def argsort(x, axis=-1):
    return torch.argsort(_t(x), dim=axis, stable=True)


def sort(x, axis=-1):
    return torch.sort(_t(x), dim=axis, stable=True).values


def cumsum(x, axis=None, dtype=None):
    x = _t(x)
    if axis is None:
        x, axis = x.flatten(), 0
    return torch.cumsum(x, dim=axis, dtype=None if dtype is None else to_torch_dtype(dtype))


def cumprod(x, axis=None, dtype=None):
    x = _t(x)
    if axis is None:
        x, axis = x.flatten(), 0
    return torch.cumprod(x, dim=axis, dtype=None if dtype is None else to_torch_dtype(dtype))


def count_nonzero(x, axis=None):
    return torch.count_nonzero(_t(x), dim=_axis(axis))


def average(x, axis=None, weights=None):
    x = _float(x)
    if weights is None:
        return mean(x, axis=axis)
    weights = _float(weights)
    if axis is not None and weights.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        weights = weights.reshape(shape)
    return torch.sum(x * weights, dim=axis) / torch.sum(weights * torch.ones_like(x), dim=axis)


def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    x = _float(x)
    q = convert_to_tensor(q, dtype=x.dtype)
    if axis is None:
        result = torch.quantile(x.flatten(), q, interpolation=method)
        return result.reshape(q.shape + (1,) * x.ndim) if keepdims else result
    return torch.quantile(x, q, dim=axis, keepdim=keepdims, interpolation=method)


# -- creation ------------------------------------------------------------------------------
def _dtype_or_float(dtype):
    return to_torch_dtype(dtype)


def zeros(shape, dtype=None):
    return torch.zeros(_shape(shape), dtype=_dtype_or_float(dtype), device=DEFAULT_DEVICE)


def ones(shape, dtype=None):
    return torch.ones(_shape(shape), dtype=_dtype_or_float(dtype), device=DEFAULT_DEVICE)


def full(shape, fill_value, dtype=None):
    if dtype is None:
        fill_value = _t(fill_value)
        dtype = fill_value.dtype
    return torch.full(
        _shape(shape), fill_value, dtype=to_torch_dtype(dtype), device=DEFAULT_DEVICE
    ) if not isinstance(fill_value, torch.Tensor) else (
        torch.zeros(_shape(shape), dtype=to_torch_dtype(dtype), device=DEFAULT_DEVICE)
        + fill_value.to(to_torch_dtype(dtype))
    )


def zeros_like(x, dtype=None):
    x = _t(x)
    return torch.zeros_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


def ones_like(x, dtype=None):
    x = _t(x)
    return torch.ones_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    x = _t(x)
    return torch.full_like(
        x, fill_value, dtype=None if dtype is None else to_torch_dtype(dtype)
    )


def empty(shape, dtype=None):
    return zeros(shape, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    result = torch.zeros((N, M), dtype=_dtype_or_float(dtype), device=DEFAULT_DEVICE)
    count = builtins.min(N, M - k) if k >= 0 else builtins.min(N + k, M)
    idx = torch.arange(builtins.max(0, count))
    rows = idx - builtins.min(k, 0)
    cols = idx + builtins.max(k, 0)
    result[rows, cols] = 1
    return result


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        is_int = builtins.all(isinstance(v, int) for v in (start, stop, step))
        dtype = "int32" if is_int else None
    return torch.arange(start, stop, step, dtype=to_torch_dtype(dtype), device=DEFAULT_DEVICE)


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    if endpoint:
        result = torch.linspace(start, stop, num, device=DEFAULT_DEVICE)
    else:
        result = torch.linspace(start, stop, num + 1, device=DEFAULT_DEVICE)[:-1]
    return result.to(to_torch_dtype(dtype))


def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return torch.tril(torch.ones((N, M), device=DEFAULT_DEVICE), diagonal=k).to(
        _dtype_or_float(dtype)
    )


def tril(x, k=0):
    return torch.tril(_t(x), diagonal=k)


def triu(x, k=0):
    return torch.triu(_t(x), diagonal=k)


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def copy(x):
    return _t(x).clone()


def meshgrid(*x, indexing="xy"):
    return list(torch.meshgrid(*[_t(v) for v in x], indexing=indexing))


# -- shape manipulation --------------------------------------------------------------------
def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = (newshape,)
    return torch.reshape(_t(x), tuple(newshape))


def ravel(x):
    return torch.ravel(_t(x))


def transpose(x, axes=None):
    x = _t(x)
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    return x.permute(tuple(axes))


def swapaxes(x, axis1, axis2):
    return torch.swapaxes(_t(x), axis1, axis2)


def moveaxis(x, source, destination):
    return torch.movedim(_t(x), source, destination)


def expand_dims(x, axis):
    x = _t(x)
    if isinstance(axis, (tuple, list)):
        out_ndim = x.ndim + len(axis)
        for a in sorted(a % out_ndim for a in axis):
            x = torch.unsqueeze(x, a)
        return x
    return torch.unsqueeze(x, axis)


def squeeze(x, axis=None):
    x = _t(x)
    if axis is None:
        return torch.squeeze(x)
    if isinstance(axis, (tuple, list)):
        return torch.squeeze(x, dim=tuple(axis))
    return torch.squeeze(x, dim=axis)


def broadcast_to(x, shape):
    return torch.broadcast_to(_t(x), tuple(shape))


def concatenate(xs, axis=0):
    xs = [_t(x) for x in xs]
    dtype = xs[0].dtype
    for x in xs[1:]:
        dtype = torch.promote_types(dtype, x.dtype)
    return torch.cat([x.to(dtype) for x in xs], dim=axis)


def stack(x, axis=0):
    return torch.stack([_t(v) for v in x], dim=axis)


def hstack(xs):
    return torch.hstack([_t(x) for x in xs])


def vstack(xs):
    return torch.vstack([_t(x) for x in xs])


def split(x, indices_or_sections, axis=0):
    x = _t(x)
    if isinstance(indices_or_sections, int):
        size = x.shape[axis]
        if size % indices_or_sections:
            raise ValueError(
                f"split: axis {axis} of size {size} does not divide into "
                f"{indices_or_sections} equal sections."
            )
        return list(torch.split(x, size // indices_or_sections, dim=axis))
    return list(torch.tensor_split(x, list(indices_or_sections), dim=axis))


def tile(x, repeats):
    if isinstance(repeats, int):
        repeats = (repeats,)
    return torch.tile(_t(x), tuple(repeats))


def repeat(x, repeats, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = x.flatten(), 0
    if not isinstance(repeats, int):
        repeats = _t(repeats)
    return torch.repeat_interleave(x, repeats, dim=axis)


def flip(x, axis=None):
    x = _t(x)
    if axis is None:
        axis = tuple(range(x.ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return torch.flip(x, dims=tuple(axis))


def roll(x, shift, axis=None):
    return torch.roll(_t(x), shifts=shift, dims=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    x = _t(x)
    pad_width = np.asarray(pad_width).reshape(-1, 2) if not isinstance(pad_width, int) else (
        np.full((x.ndim, 2), pad_width)
    )
    if pad_width.shape[0] == 1 and x.ndim > 1:
        pad_width = np.repeat(pad_width, x.ndim, axis=0)
    flat = []
    for before, after in reversed(pad_width.tolist()):
        flat += [int(before), int(after)]
    if mode == "constant":
        return torch.nn.functional.pad(x, flat, mode="constant", value=constant_values or 0)
    return torch.from_numpy(
        np.pad(x.detach().cpu().numpy(), pad_width, mode=mode)
    ).to(x.device)


def take(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices).to(torch.int64)
    if axis is None:
        x, axis = x.flatten(), 0
    axis = axis % x.ndim
    indices = torch.where(indices < 0, indices + x.shape[axis], indices)
    result = torch.index_select(x, axis, indices.flatten())
    return result.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1 :])


def take_along_axis(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices).to(torch.int64)
    if axis is None:
        x, axis = x.flatten(), 0
    return torch.take_along_dim(x, indices, dim=axis)


def diag(x, k=0):
    return torch.diag(_t(x), diagonal=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2)


def trace(x, offset=0, axis1=0, axis2=1):
    return torch.sum(diagonal(x, offset, axis1, axis2), dim=-1)


def nonzero(x):
    return torch.nonzero(_t(x), as_tuple=True)


def bincount(x, weights=None, minlength=0):
    return torch.bincount(_t(x), weights=None if weights is None else _t(weights),
                          minlength=minlength)


def digitize(x, bins):
    return torch.bucketize(_t(x), _t(bins), right=True)


def size(x):
    return _t(x).numel()


def ndim(x):
    return _t(x).ndim


# -- products ------------------------------------------------------------------------------
def _promote_pair(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return x1.to(dtype), x2.to(dtype)


def matmul(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.matmul(x1, x2)


def dot(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x2.ndim <= 2:
        return torch.matmul(x1, x2)
    return torch.tensordot(x1, x2, dims=([-1], [-2]))


def vdot(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.vdot(x1.flatten(), x2.flatten())


def outer(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.outer(x1.flatten(), x2.flatten())


def tensordot(x1, x2, axes=2):
    x1, x2 = _promote_pair(x1, x2)
    if not isinstance(axes, int):
        axes = [list(a) if isinstance(a, (list, tuple)) else [a] for a in axes]
    return torch.tensordot(x1, x2, dims=axes)


def einsum(subscripts, *operands):
    operands = [_t(o) for o in operands]
    dtype = operands[0].dtype
    for o in operands[1:]:
        dtype = torch.promote_types(dtype, o.dtype)
    operands = [o.to(dtype) for o in operands]
    contraction = _tensordot_contraction(subscripts) if len(operands) == 2 else None
    if contraction is not None:
        # A projection (EinsumDense: "abc,cde->abde"): one matrix product, which torch's
        # einsum would run as a batched one (slower on CPU).
        return torch.tensordot(operands[0], operands[1], dims=contraction)
    return torch.einsum(subscripts, *operands)


_TENSORDOT_CACHE = {}


def _tensordot_contraction(subscripts):
    """For ``"<free_a><k>,<k><free_b>-><free_a><free_b>"`` the count of contracted letters
    ``k`` (a ``tensordot``), else None."""
    if subscripts in _TENSORDOT_CACHE:
        return _TENSORDOT_CACHE[subscripts]
    result = None
    spec = subscripts.replace(" ", "")
    if "..." not in spec and "->" in spec:
        inputs, output = spec.split("->")
        parts = inputs.split(",")
        if len(parts) == 2:
            a, b = parts
            shared = [c for c in a if c in b]
            count = len(shared)
            if (len(set(a)) == len(a) and len(set(b)) == len(b) and count
                    and not set(shared) & set(output)
                    and a[len(a) - count:] == "".join(shared)
                    and b[:count] == "".join(shared)
                    and output == a[:len(a) - count] + b[count:]):
                result = count
    _TENSORDOT_CACHE[subscripts] = result
    return result


def cross(x1, x2, axis=-1):
    x1, x2 = _promote_pair(x1, x2)
    return torch.linalg.cross(x1, x2, dim=axis)


def diff(a, n=1, axis=-1):
    return torch.diff(_t(a), n=n, dim=axis)


def conj(x):
    # torch only flags a conjugated view; resolve it so NumPy (and Keras) can read it.
    return torch.conj(_t(x)).resolve_conj()


def real(x):
    x = _t(x)
    return torch.real(x) if x.dtype.is_complex else x


def imag(x):
    x = _t(x)
    return torch.imag(x) if x.dtype.is_complex else torch.zeros_like(x)


def astype(x, dtype):
    return cast(x, dtype)


def result_dtype(*values):
    tensors = [_t(v) for v in values]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtypes.standardize_dtype(dtype)


# -- element-wise kernels the composites in ops/ build on ----------------------------------
def fmod(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.fmod(_t(x1), x2)


def hypot(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.hypot(x1, x2)


def signbit(x):
    return torch.signbit(_t(x))


def gcd(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.gcd(x1, x2)


def lcm(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.lcm(x1, x2)


def bitwise_and(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.bitwise_and(x1, x2)


def bitwise_or(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.bitwise_or(x1, x2)


def bitwise_xor(x1, x2):
    x1, x2 = _promote_pair(x1, x2)
    return torch.bitwise_xor(x1, x2)


def bitwise_not(x):
    return torch.bitwise_not(_t(x))


def left_shift(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.bitwise_left_shift(_t(x1), x2)


def right_shift(x1, x2):
    x1, x2 = _pair(x1, x2)
    return torch.bitwise_right_shift(_t(x1), x2)


def isin(x1, x2, assume_unique=False, invert=False):
    x1, x2 = _promote_pair(x1, x2)
    if x1.dtype == torch.bool:  # torch.isin has no bool kernel
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def searchsorted(sorted_sequence, values, side="left"):
    sorted_sequence, values = _promote_pair(sorted_sequence, values)
    return torch.searchsorted(sorted_sequence, values, side=side, out_int32=True)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    x = _float(x)
    q = convert_to_tensor(q, dtype=x.dtype)
    ndim = x.ndim
    axes = tuple(range(ndim)) if axis is None else (
        (axis,) if isinstance(axis, int) else tuple(axis))
    axes = tuple(sorted(a % ndim for a in axes))
    kept = [a for a in range(ndim) if a not in axes]
    # torch.nanquantile reduces one dim: move the reduced axes last and merge them.
    merged = x.permute(kept + list(axes)).reshape([x.shape[a] for a in kept] + [-1])
    result = torch.nanquantile(merged, q, dim=-1, interpolation=method)
    if keepdims:
        offset = q.ndim
        for a in axes:
            result = result.unsqueeze(a + offset)
    return result


def unique(x, axis=None, size=None, fill_value=0):
    """Sorted unique values (or slices along ``axis``) with their first index, the inverse
    and the counts (int32); ``size`` pads (with ``fill_value``) or truncates."""
    x = _t(x)
    flat = x.reshape(-1) if axis is None else x
    dim = 0 if axis is None else axis % x.ndim
    values, inverse, counts = torch.unique(flat, sorted=True, return_inverse=True,
                                           return_counts=True, dim=dim)
    length = flat.shape[dim]
    # torch has no return_index: the smallest position mapped to each unique value.
    positions = torch.arange(length, device=flat.device)
    index = torch.full((values.shape[dim],), length, dtype=positions.dtype,
                       device=flat.device)
    index = index.scatter_reduce(0, inverse.reshape(-1), positions, reduce="amin")
    if axis is None:
        inverse = inverse.reshape(x.shape)
    if size is not None:
        found = values.shape[dim]
        if size <= found:
            values = values.narrow(dim, 0, size)
            index, counts = index[:size], counts[:size]
        else:
            # As jnp.unique: values padded with fill_value, indices with the first index.
            pad_shape = list(values.shape)
            pad_shape[dim] = size - found
            fill = torch.full(pad_shape, fill_value, dtype=values.dtype, device=values.device)
            values = torch.cat([values, fill], dim=dim)
            index = torch.cat([index, index[:1].expand(size - found)])
            counts = torch.cat([counts, counts.new_zeros(size - found)])
    return (values, index.to(torch.int32), inverse.to(torch.int32), counts.to(torch.int32))


def view(x, dtype):
    """The bits of ``x`` read as ``dtype``; the last axis rescales when the item sizes
    differ (NumPy's ``ndarray.view``)."""
    return _t(x).contiguous().view(to_torch_dtype(dtype))

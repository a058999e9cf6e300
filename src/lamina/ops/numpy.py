"""NumPy-like ops: the names, arguments and semantics of ``numpy``, on the active backend.

Each op takes tensors, NumPy arrays or Python numbers and returns a backend tensor.
"""

import math as _math

from lamina.backend import KerasTensor
from lamina.backend import numpy as _impl
from lamina.ops import arrays as _arrays
from lamina.ops import bitwise as _bitwise
from lamina.ops import elementwise as _elementwise
from lamina.ops import linalg as _linalg
from lamina.ops import products as _products
from lamina.ops import reductions as _reductions
from lamina.ops import windows as _windows
from lamina.ops.symbolic import dispatch


@dispatch
def add(x1, x2):
    """Element-wise ``x1 + x2`` with broadcasting."""
    return _impl.add(x1, x2)


@dispatch
def subtract(x1, x2):
    """Element-wise ``x1 - x2`` with broadcasting."""
    return _impl.subtract(x1, x2)


@dispatch
def multiply(x1, x2):
    """Element-wise ``x1 * x2`` with broadcasting."""
    return _impl.multiply(x1, x2)


@dispatch
def divide(x1, x2):
    """Element-wise true division ``x1 / x2``."""
    return _impl.divide(x1, x2)


@dispatch
def true_divide(x1, x2):
    """Element-wise true division ``x1 / x2`` (alias of ``divide``)."""
    return _impl.true_divide(x1, x2)


@dispatch
def divide_no_nan(x1, x2):
    """Element-wise ``x1 / x2``, giving 0 where ``x2`` is 0."""
    return _impl.divide_no_nan(x1, x2)


@dispatch
def floor_divide(x1, x2):
    """Element-wise ``x1 // x2``."""
    return _impl.floor_divide(x1, x2)


@dispatch
def mod(x1, x2):
    """Element-wise remainder with the sign of the divisor, as ``numpy.mod``."""
    return _impl.mod(x1, x2)


@dispatch
def power(x1, x2):
    """Element-wise ``x1 ** x2``."""
    return _impl.power(x1, x2)


@dispatch
def negative(x):
    """Element-wise ``-x``."""
    return _impl.negative(x)


@dispatch
def absolute(x):
    """Element-wise absolute value."""
    return _impl.absolute(x)


@dispatch
def abs(x):
    """Element-wise absolute value (alias of ``absolute``)."""
    return _impl.abs(x)


@dispatch
def sign(x):
    """Element-wise sign: -1, 0 or 1."""
    return _impl.sign(x)


@dispatch
def square(x):
    """Element-wise ``x * x``."""
    return _impl.square(x)


@dispatch
def sqrt(x):
    """Element-wise square root."""
    return _impl.sqrt(x)


@dispatch
def exp(x):
    """Element-wise ``e ** x``."""
    return _impl.exp(x)


@dispatch
def expm1(x):
    """Element-wise ``exp(x) - 1``, accurate near 0."""
    return _impl.expm1(x)


@dispatch
def log(x):
    """Element-wise natural logarithm."""
    return _impl.log(x)


@dispatch
def log1p(x):
    """Element-wise ``log(1 + x)``, accurate near 0."""
    return _impl.log1p(x)


@dispatch
def log2(x):
    """Element-wise base-2 logarithm."""
    return _impl.log2(x)


@dispatch
def log10(x):
    """Element-wise base-10 logarithm."""
    return _impl.log10(x)


@dispatch
def logaddexp(x1, x2):
    """Element-wise ``log(exp(x1) + exp(x2))`` without overflow."""
    return _impl.logaddexp(x1, x2)


@dispatch
def reciprocal(x):
    """Element-wise ``1 / x``."""
    return _impl.reciprocal(x)


@dispatch
def sin(x):
    """Element-wise sine."""
    return _impl.sin(x)


@dispatch
def cos(x):
    """Element-wise cosine."""
    return _impl.cos(x)


@dispatch
def tan(x):
    """Element-wise tangent."""
    return _impl.tan(x)


@dispatch
def arcsin(x):
    """Element-wise inverse sine."""
    return _impl.arcsin(x)


@dispatch
def arccos(x):
    """Element-wise inverse cosine."""
    return _impl.arccos(x)


@dispatch
def arctan(x):
    """Element-wise inverse tangent."""
    return _impl.arctan(x)


@dispatch
def arctan2(x1, x2):
    """Element-wise ``atan(x1 / x2)`` in the right quadrant."""
    return _impl.arctan2(x1, x2)


@dispatch
def sinh(x):
    """Element-wise hyperbolic sine."""
    return _impl.sinh(x)


@dispatch
def cosh(x):
    """Element-wise hyperbolic cosine."""
    return _impl.cosh(x)


@dispatch
def tanh(x):
    """Element-wise hyperbolic tangent."""
    return _impl.tanh(x)


@dispatch
def arcsinh(x):
    """Element-wise inverse hyperbolic sine."""
    return _impl.arcsinh(x)


@dispatch
def arccosh(x):
    """Element-wise inverse hyperbolic cosine."""
    return _impl.arccosh(x)


@dispatch
def arctanh(x):
    """Element-wise inverse hyperbolic tangent."""
    return _impl.arctanh(x)


@dispatch
def floor(x):
    """Element-wise floor."""
    return _impl.floor(x)


@dispatch
def ceil(x):
    """Element-wise ceiling."""
    return _impl.ceil(x)


@dispatch
def round(x, decimals=0):
    """Round to ``decimals`` decimal places (half to even)."""
    return _impl.round(x, decimals)


@dispatch
def clip(x, x_min, x_max):
    """Limit values to ``[x_min, x_max]``."""
    return _impl.clip(x, x_min, x_max)


@dispatch
def maximum(x1, x2):
    """Element-wise maximum of two tensors."""
    return _impl.maximum(x1, x2)


@dispatch
def minimum(x1, x2):
    """Element-wise minimum of two tensors."""
    return _impl.minimum(x1, x2)


@dispatch
def equal(x1, x2):
    """Element-wise ``x1 == x2`` as booleans."""
    return _impl.equal(x1, x2)


@dispatch
def not_equal(x1, x2):
    """Element-wise ``x1 != x2`` as booleans."""
    return _impl.not_equal(x1, x2)


@dispatch
def greater(x1, x2):
    """Element-wise ``x1 > x2``."""
    return _impl.greater(x1, x2)


@dispatch
def greater_equal(x1, x2):
    """Element-wise ``x1 >= x2``."""
    return _impl.greater_equal(x1, x2)


@dispatch
def less(x1, x2):
    """Element-wise ``x1 < x2``."""
    return _impl.less(x1, x2)


@dispatch
def less_equal(x1, x2):
    """Element-wise ``x1 <= x2``."""
    return _impl.less_equal(x1, x2)


@dispatch
def logical_and(x1, x2):
    """Element-wise logical AND."""
    return _impl.logical_and(x1, x2)


@dispatch
def logical_or(x1, x2):
    """Element-wise logical OR."""
    return _impl.logical_or(x1, x2)


@dispatch
def logical_xor(x1, x2):
    """Element-wise logical XOR."""
    return _impl.logical_xor(x1, x2)


@dispatch
def logical_not(x):
    """Element-wise logical NOT."""
    return _impl.logical_not(x)


@dispatch
def isnan(x):
    """Element-wise test for NaN."""
    return _impl.isnan(x)


@dispatch
def isinf(x):
    """Element-wise test for infinity."""
    return _impl.isinf(x)


@dispatch
def isfinite(x):
    """Element-wise test for finite values."""
    return _impl.isfinite(x)


@dispatch
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Element-wise ``|x1 - x2| <= atol + rtol * |x2|``."""
    return _impl.isclose(x1, x2, rtol, atol, equal_nan)


@dispatch
def where(condition, x1=None, x2=None):
    """Pick from ``x1`` where ``condition`` holds, else from ``x2``.

    With only ``condition``, return the indices where it holds.
    """
    return _impl.where(condition, x1, x2)


@dispatch
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN with ``nan`` and infinities with large finite values."""
    return _impl.nan_to_num(x, nan, posinf, neginf)


@dispatch
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes when None)."""
    return _impl.sum(x, axis, keepdims)


@dispatch
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``."""
    return _impl.prod(x, axis, keepdims, dtype)


@dispatch
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``."""
    return _impl.mean(x, axis, keepdims)


@dispatch
def var(x, axis=None, keepdims=False):
    """Population variance over ``axis``."""
    return _impl.var(x, axis, keepdims)


@dispatch
def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``."""
    return _impl.std(x, axis, keepdims)


@dispatch
def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over ``axis``."""
    return _impl.max(x, axis, keepdims, initial)


@dispatch
def amax(x, axis=None, keepdims=False, initial=None):
    """Maximum over ``axis`` (alias of ``max``)."""
    return _impl.amax(x, axis, keepdims, initial)


@dispatch
def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over ``axis``."""
    return _impl.min(x, axis, keepdims, initial)


@dispatch
def amin(x, axis=None, keepdims=False, initial=None):
    """Minimum over ``axis`` (alias of ``min``)."""
    return _impl.amin(x, axis, keepdims, initial)


@dispatch
def all(x, axis=None, keepdims=False):
    """True where every element along ``axis`` is true."""
    return _impl.all(x, axis, keepdims)


@dispatch
def any(x, axis=None, keepdims=False):
    """True where some element along ``axis`` is true."""
    return _impl.any(x, axis, keepdims)


@dispatch
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value along ``axis`` (first one on ties)."""
    return _impl.argmax(x, axis, keepdims)


@dispatch
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value along ``axis`` (first one on ties)."""
    return _impl.argmin(x, axis, keepdims)


@dispatch
def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable)."""
    return _impl.argsort(x, axis)


@dispatch
def sort(x, axis=-1):
    """``x`` sorted along ``axis``."""
    return _impl.sort(x, axis)


@dispatch
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (over the flattened tensor when None)."""
    return _impl.cumsum(x, axis, dtype)


@dispatch
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis``."""
    return _impl.cumprod(x, axis, dtype)


@dispatch
def count_nonzero(x, axis=None):
    """Number of non-zero values along ``axis``."""
    return _impl.count_nonzero(x, axis)


@dispatch
def average(x, axis=None, weights=None):
    """Weighted average along ``axis``."""
    return _impl.average(x, axis, weights)


@dispatch
def median(x, axis=None, keepdims=False):
    """Median along ``axis``."""
    return _impl.median(x, axis, keepdims)


@dispatch
def quantile(x, q, axis=None, method='linear', keepdims=False):
    """The ``q``-th quantile(s) along ``axis``."""
    return _impl.quantile(x, q, axis, method, keepdims)


@dispatch
def zeros(shape, dtype=None):
    """A tensor of zeros of ``shape``."""
    return _impl.zeros(shape, dtype)


@dispatch
def ones(shape, dtype=None):
    """A tensor of ones of ``shape``."""
    return _impl.ones(shape, dtype)


@dispatch
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return _impl.full(shape, fill_value, dtype)


@dispatch
def zeros_like(x, dtype=None):
    """Zeros with the shape (and dtype) of ``x``."""
    return _impl.zeros_like(x, dtype)


@dispatch
def ones_like(x, dtype=None):
    """Ones with the shape (and dtype) of ``x``."""
    return _impl.ones_like(x, dtype)


@dispatch
def full_like(x, fill_value, dtype=None):
    """``fill_value`` with the shape (and dtype) of ``x``."""
    return _impl.full_like(x, fill_value, dtype)


@dispatch
def empty(shape, dtype=None):
    """A tensor of ``shape`` (lamina fills it with zeros)."""
    return _impl.empty(shape, dtype)


@dispatch
def eye(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones on the ``k``-th diagonal."""
    return _impl.eye(N, M, k, dtype)


@dispatch
def identity(n, dtype=None):
    """The ``n`` by ``n`` identity matrix."""
    return _impl.identity(n, dtype)


@dispatch
def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)``."""
    return _impl.arange(start, stop, step, dtype)


@dispatch
def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    return _impl.linspace(start, stop, num, endpoint, dtype, axis)


@dispatch
def tri(N, M=None, k=0, dtype=None):
    """A lower-triangular matrix of ones."""
    return _impl.tri(N, M, k, dtype)


@dispatch
def tril(x, k=0):
    """The lower triangle of ``x``."""
    return _impl.tril(x, k)


@dispatch
def triu(x, k=0):
    """The upper triangle of ``x``."""
    return _impl.triu(x, k)


@dispatch
def array(x, dtype=None):
    """A tensor made from ``x``."""
    return _impl.array(x, dtype)


@dispatch
def copy(x):
    """A copy of ``x``."""
    return _impl.copy(x)


@dispatch
def meshgrid(*x, indexing='xy'):
    """Coordinate grids from 1-D coordinate vectors."""
    return _impl.meshgrid(*x, indexing=indexing)


@dispatch
def reshape(x, newshape):
    """``x`` with a new shape (one entry may be -1)."""
    return _impl.reshape(x, newshape)


@dispatch
def ravel(x):
    """``x`` flattened to 1-D."""
    return _impl.ravel(x)


@dispatch
def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None)."""
    return _impl.transpose(x, axes)


@dispatch
def swapaxes(x, axis1, axis2):
    """``x`` with two axes exchanged."""
    return _impl.swapaxes(x, axis1, axis2)


@dispatch
def moveaxis(x, source, destination):
    """``x`` with axes moved to new positions."""
    return _impl.moveaxis(x, source, destination)


@dispatch
def expand_dims(x, axis):
    """``x`` with a new axis of size 1 at ``axis``."""
    return _impl.expand_dims(x, axis)


@dispatch
def squeeze(x, axis=None):
    """``x`` without axes of size 1."""
    return _impl.squeeze(x, axis)


@dispatch
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``."""
    return _impl.broadcast_to(x, shape)


@dispatch
def concatenate(xs, axis=0):
    """Join tensors along an existing axis."""
    return _impl.concatenate(xs, axis)


@dispatch
def stack(x, axis=0):
    """Join tensors along a new axis."""
    return _impl.stack(x, axis)


@dispatch
def hstack(xs):
    """Stack tensors column-wise."""
    return _impl.hstack(xs)


@dispatch
def vstack(xs):
    """Stack tensors row-wise."""
    return _impl.vstack(xs)


@dispatch
def split(x, indices_or_sections, axis=0):
    """Split ``x`` into equal sections or at indices along ``axis``."""
    return _impl.split(x, indices_or_sections, axis)


@dispatch
def tile(x, repeats):
    """Repeat ``x`` ``repeats`` times per axis."""
    return _impl.tile(x, repeats)


@dispatch
def repeat(x, repeats, axis=None):
    """Repeat each element of ``x`` along ``axis``."""
    return _impl.repeat(x, repeats, axis)


@dispatch
def flip(x, axis=None):
    """Reverse the order of elements along ``axis``."""
    return _impl.flip(x, axis)


@dispatch
def roll(x, shift, axis=None):
    """Shift elements along ``axis``, wrapping around."""
    return _impl.roll(x, shift, axis)


@dispatch
def pad(x, pad_width, mode='constant', constant_values=None):
    """Pad ``x`` by ``pad_width`` (pairs per axis)."""
    return _impl.pad(x, pad_width, mode, constant_values)


@dispatch
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis``."""
    return _impl.take(x, indices, axis)


@dispatch
def take_along_axis(x, indices, axis=None):
    """Elements of ``x`` picked by an index tensor along ``axis``."""
    return _impl.take_along_axis(x, indices, axis)


@dispatch
def diag(x, k=0):
    """Extract a diagonal, or build a diagonal matrix from a vector."""
    return _impl.diag(x, k)


@dispatch
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of ``x`` between two axes."""
    return _impl.diagonal(x, offset, axis1, axis2)


@dispatch
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal."""
    return _impl.trace(x, offset, axis1, axis2)


@dispatch
def nonzero(x):
    """Indices of the non-zero elements, one tensor per axis."""
    return _impl.nonzero(x)


@dispatch
def bincount(x, weights=None, minlength=0):
    """Count occurrences of each non-negative int."""
    return _impl.bincount(x, weights, minlength)


@dispatch
def digitize(x, bins):
    """Index of the bin each value falls into."""
    return _impl.digitize(x, bins)


def size(x):
    """The number of elements."""
    if isinstance(x, KerasTensor):
        return None if None in x.shape else int(_math.prod(x.shape))
    return _impl.size(x)


def ndim(x):
    """The number of dimensions."""
    if isinstance(x, KerasTensor):
        return len(x.shape)
    return _impl.ndim(x)


@dispatch
def matmul(x1, x2):
    """Matrix product with batch broadcasting."""
    return _impl.matmul(x1, x2)


@dispatch
def dot(x1, x2):
    """Dot product, as ``numpy.dot``."""
    return _impl.dot(x1, x2)


@dispatch
def vdot(x1, x2):
    """Dot product of flattened tensors."""
    return _impl.vdot(x1, x2)


@dispatch
def outer(x1, x2):
    """Outer product of two vectors."""
    return _impl.outer(x1, x2)


@dispatch
def tensordot(x1, x2, axes=2):
    """Sum of products over the given axes."""
    return _impl.tensordot(x1, x2, axes)


@dispatch
def einsum(subscripts, *operands):
    """Einstein summation."""
    return _impl.einsum(subscripts, *operands)


@dispatch
def cross(x1, x2, axis=-1):
    """Cross product of 3-vectors along ``axis``."""
    return _impl.cross(x1, x2, axis)


@dispatch
def diff(a, n=1, axis=-1):
    """n-th discrete difference along ``axis``."""
    return _impl.diff(a, n, axis)


@dispatch
def conj(x):
    """Complex conjugate."""
    return _impl.conj(x)


@dispatch
def real(x):
    """Real part."""
    return _impl.real(x)


@dispatch
def imag(x):
    """Imaginary part."""
    return _impl.imag(x)


@dispatch
def astype(x, dtype):
    """``x`` cast to ``dtype``."""
    return _impl.astype(x, dtype)


def result_dtype(*values):
    """The dtype that combining ``values`` gives."""
    return _impl.result_dtype(*values)


# Ops written once in topic modules (each documents its own); this is their NumPy namespace.
allclose = _windows.allclose
angle = _elementwise.angle
append = _arrays.append
argpartition = _arrays.argpartition
array_split = _arrays.array_split
bartlett = _windows.bartlett
bitwise_and = _bitwise.bitwise_and
bitwise_invert = _bitwise.bitwise_invert
bitwise_left_shift = _bitwise.bitwise_left_shift
bitwise_not = _bitwise.bitwise_not
bitwise_or = _bitwise.bitwise_or
bitwise_right_shift = _bitwise.bitwise_right_shift
bitwise_xor = _bitwise.bitwise_xor
blackman = _windows.blackman
cbrt = _elementwise.cbrt
conjugate = _elementwise.conjugate
corrcoef = _reductions.corrcoef
correlate = _products.correlate
deg2rad = _elementwise.deg2rad
diagflat = _arrays.diagflat
dsplit = _arrays.dsplit
dstack = _arrays.dstack
empty_like = _arrays.empty_like
exp2 = _elementwise.exp2
fabs = _elementwise.fabs
fliplr = _arrays.fliplr
flipud = _arrays.flipud
fmax = _windows.fmax
fmin = _windows.fmin
fmod = _elementwise.fmod
gcd = _elementwise.gcd
geomspace = _arrays.geomspace
get_item = _arrays.get_item
hamming = _windows.hamming
hanning = _windows.hanning
heaviside = _elementwise.heaviside
histogram = _reductions.histogram
hsplit = _arrays.hsplit
hypot = _elementwise.hypot
i0 = _windows.i0
inner = _products.inner
isin = _arrays.isin
isneginf = _elementwise.isneginf
isposinf = _elementwise.isposinf
isreal = _elementwise.isreal
kaiser = _windows.kaiser
kron = _products.kron
lcm = _elementwise.lcm
ldexp = _elementwise.ldexp
left_shift = _bitwise.left_shift
logaddexp2 = _elementwise.logaddexp2
logspace = _arrays.logspace
nanargmax = _reductions.nanargmax
nanargmin = _reductions.nanargmin
nancumprod = _reductions.nancumprod
nancumsum = _reductions.nancumsum
nanmax = _reductions.nanmax
nanmean = _reductions.nanmean
nanmedian = _reductions.nanmedian
nanmin = _reductions.nanmin
nanpercentile = _reductions.nanpercentile
nanprod = _reductions.nanprod
nanquantile = _reductions.nanquantile
nanstd = _reductions.nanstd
nansum = _reductions.nansum
nanvar = _reductions.nanvar
nextafter = _windows.nextafter
percentile = _reductions.percentile
ptp = _reductions.ptp
rad2deg = _elementwise.rad2deg
right_shift = _bitwise.right_shift
rot90 = _arrays.rot90
searchsorted = _arrays.searchsorted
select = _arrays.select
signbit = _elementwise.signbit
sinc = _elementwise.sinc
slogdet = _linalg.slogdet
trapezoid = _reductions.trapezoid
trunc = _elementwise.trunc
unique = _arrays.unique
unravel_index = _arrays.unravel_index
vander = _arrays.vander
vectorize = _arrays.vectorize
view = _arrays.view
vsplit = _arrays.vsplit

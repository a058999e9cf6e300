"""Building, reshaping, splitting and searching arrays: flips and rotations, appends and
splits, stacks along depth, log- and geometric ranges, Vandermonde matrices, index
conversion, ``select``, ``searchsorted``, ``isin``, ``argpartition``, ``unique``, bit
``view``s, ``get_item`` and ``vectorize``.

Each op is written once here from backend primitives (``searchsorted``, ``isin``,
``unique`` and ``view`` are engine kernels); ``lamina.ops.numpy`` re-exports every name.
"""

import builtins
import functools
import re

import numpy as np

from lamina import backend
from lamina.backend import KerasTensor
from lamina.backend import numpy as _impl
from lamina.ops import core as _core
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch


def _canonical_axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for a tensor with {ndim} dimensions.")
    return axis % ndim


@dispatch
def fliplr(x):
    """Reverse the order of columns (axis 1).

    Args:
        x: a tensor with at least 2 dimensions.

    Returns:
        A tensor of the shape and dtype of ``x``.

    Example:
        >>> ops.fliplr([[1, 2], [3, 4]])  # [[2, 1], [4, 3]]
    """
    x = _dt.as_tensor(x)
    if _impl.ndim(x) < 2:
        raise ValueError(f"fliplr: `x` needs at least 2 dimensions, got shape {tuple(x.shape)}.")
    return _impl.flip(x, axis=1)


@dispatch
def flipud(x):
    """Reverse the order of rows (axis 0).

    Args:
        x: a tensor with at least 1 dimension.

    Returns:
        A tensor of the shape and dtype of ``x``.

    Example:
        >>> ops.flipud([[1, 2], [3, 4]])  # [[3, 4], [1, 2]]
    """
    x = _dt.as_tensor(x)
    if _impl.ndim(x) < 1:
        raise ValueError("flipud: `x` needs at least 1 dimension, got a scalar.")
    return _impl.flip(x, axis=0)


@dispatch
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first axis
    toward the second).

    Args:
        array: a tensor with at least 2 dimensions.
        k: the number of quarter turns (negative turns the other way; default 1).
        axes: two different axes that span the plane (default ``(0, 1)``).

    Returns:
        A tensor of the dtype of ``array``; odd ``k`` swaps the sizes of ``axes``.

    Example:
        >>> ops.rot90([[1, 2], [3, 4]])  # [[2, 4], [1, 3]]
    """
    array = _dt.as_tensor(array)
    ndim = _impl.ndim(array)
    if ndim < 2:
        raise ValueError(
            f"rot90: `array` needs at least 2 dimensions, got shape {tuple(array.shape)}."
        )
    if len(axes) != 2:
        raise ValueError(f"rot90: `axes` must name two axes, got {axes}.")
    first, second = (_canonical_axis(a, ndim) for a in axes)
    if first == second:
        raise ValueError(f"rot90: `axes` must name two different axes, got {axes}.")
    k = k % 4
    if k == 0:
        return array
    if k == 2:
        return _impl.flip(array, axis=(first, second))
    if k == 1:
        return _impl.swapaxes(_impl.flip(array, axis=second), first, second)
    return _impl.flip(_impl.swapaxes(array, first, second), axis=second)


@dispatch
def append(x1, x2, axis=None):
    """Join ``x2`` to the end of ``x1``.

    Args:
        x1: a tensor.
        x2: a tensor; with an ``axis``, of the shape of ``x1`` except along it.
        axis: the axis to join along; None (the default) flattens both first.

    Returns:
        A tensor of the inputs' common dtype.

    Example:
        >>> ops.append([1, 2], [[3], [4]])  # [1, 2, 3, 4]
    """
    dtype = _dt.result_dtype(x1, x2)
    x1, x2 = _dt.cast(x1, dtype), _dt.cast(x2, dtype)
    if axis is None:
        return _impl.concatenate([_impl.ravel(x1), _impl.ravel(x2)], axis=0)
    return _impl.concatenate([x1, x2], axis=axis)


@dispatch
def array_split(x, indices_or_sections, axis=0):
    """Split ``x`` into ``indices_or_sections`` parts along ``axis``; sizes may differ by
    one (the first parts are the longer ones).

    Args:
        x: a tensor.
        indices_or_sections: the number of parts, a positive int.
        axis: the axis to split (default 0).

    Returns:
        A list of tensors.

    Example:
        >>> ops.array_split(ops.arange(5), 2)  # [[0, 1, 2], [3, 4]]
    """
    if not isinstance(indices_or_sections, int) or isinstance(indices_or_sections, bool):
        raise TypeError(
            "array_split: `indices_or_sections` must be an int (the number of parts), got "
            f"{indices_or_sections!r}. To split at given indices use ops.split."
        )
    if indices_or_sections <= 0:
        raise ValueError(
            f"array_split: `indices_or_sections` must be positive, got {indices_or_sections}."
        )
    if not isinstance(axis, int):
        raise TypeError(f"array_split: `axis` must be an int, got {axis!r}.")
    x = _dt.as_tensor(x)
    size = x.shape[_canonical_axis(axis, _impl.ndim(x))]
    base, longer = divmod(size, indices_or_sections)
    cuts = [i * base + builtins.min(i, longer) for i in range(1, indices_or_sections)]
    return _impl.split(x, cuts, axis=axis)


@dispatch
def hsplit(x, indices_or_sections):
    """Split ``x`` column-wise (axis 1, or axis 0 for a 1-D tensor).

    Args:
        x: a tensor with at least 1 dimension.
        indices_or_sections: a number of equal parts, or the indices to split at.

    Returns:
        A list of tensors.

    Example:
        >>> ops.hsplit([[1, 2, 3, 4]], 2)  # [[[1, 2]], [[3, 4]]]
    """
    x = _dt.as_tensor(x)
    ndim = _impl.ndim(x)
    if ndim < 1:
        raise ValueError("hsplit: `x` needs at least 1 dimension, got a scalar.")
    return _impl.split(x, indices_or_sections, axis=1 if ndim > 1 else 0)


@dispatch
def vsplit(x, indices_or_sections):
    """Split ``x`` row-wise (along axis 0).

    Args:
        x: a tensor with at least 2 dimensions.
        indices_or_sections: a number of equal parts, or the indices to split at.

    Returns:
        A list of tensors.

    Example:
        >>> ops.vsplit([[1, 2], [3, 4]], 2)  # [[[1, 2]], [[3, 4]]]
    """
    x = _dt.as_tensor(x)
    if _impl.ndim(x) < 2:
        raise ValueError(f"vsplit: `x` needs at least 2 dimensions, got shape {tuple(x.shape)}.")
    return _impl.split(x, indices_or_sections, axis=0)


@dispatch
def dsplit(x, indices_or_sections):
    """Split ``x`` depth-wise (along axis 2).

    Args:
        x: a tensor with at least 3 dimensions.
        indices_or_sections: a number of equal parts, or the indices to split at.

    Returns:
        A list of tensors.

    Example:
        >>> [p.shape for p in ops.dsplit(ops.zeros((1, 1, 4)), 2)]  # [(1, 1, 2), (1, 1, 2)]
    """
    x = _dt.as_tensor(x)
    if _impl.ndim(x) < 3:
        raise ValueError(f"dsplit: `x` needs at least 3 dimensions, got shape {tuple(x.shape)}.")
    return _impl.split(x, indices_or_sections, axis=2)


def _at_least_3d(x):
    shape = tuple(x.shape)
    if len(shape) == 0:
        return _impl.reshape(x, (1, 1, 1))
    if len(shape) == 1:
        return _impl.reshape(x, (1, shape[0], 1))
    if len(shape) == 2:
        return _impl.reshape(x, shape + (1,))
    return x


@dispatch
def dstack(xs):
    """Stack tensors depth-wise (along axis 2), after making each at least 3-D.

    A 1-D tensor of length ``n`` counts as ``(1, n, 1)``, a 2-D one ``(a, b)`` as
    ``(a, b, 1)``.

    Args:
        xs: a sequence of tensors of the same shape except along axis 2.

    Returns:
        A tensor of the inputs' common dtype.

    Example:
        >>> ops.dstack([[1, 2], [3, 4]])  # [[[1, 3], [2, 4]]]
    """
    dtype = _dt.result_dtype(*xs)
    return _impl.concatenate([_at_least_3d(_dt.cast(x, dtype)) for x in xs], axis=2)


@dispatch
def diagflat(x, k=0):
    """A 2-D tensor with the flattened ``x`` on its ``k``-th diagonal.

    Args:
        x: a tensor (flattened first).
        k: the diagonal: 0 (the default) the main one, positive above, negative below.

    Returns:
        A square tensor of the dtype of ``x``, of side ``size(x) + |k|``.

    Example:
        >>> ops.diagflat([[1, 2]])  # [[1, 0], [0, 2]]
    """
    return _impl.diag(_impl.ravel(x), k)


@dispatch
def empty_like(x, dtype=None):
    """A tensor with the shape (and dtype) of ``x``; lamina fills it with zeros.

    Args:
        x: a tensor whose shape (and dtype) to copy.
        dtype: the dtype; None (the default) takes that of ``x``.

    Returns:
        A tensor of the shape of ``x``.

    Example:
        >>> ops.empty_like(ops.ones((2, 3))).shape  # (2, 3)
    """
    return _impl.zeros_like(x, dtype=None if dtype is None else backend.standardize_dtype(dtype))


def _range_dtype(start, stop, dtype):
    if dtype is not None:
        return backend.standardize_dtype(dtype)
    return _dt.float_dtype(_dt.result_dtype(start, stop))


def _evenly_spaced(start, stop, num, endpoint, dtype, axis):
    """``num`` evenly spaced values from ``start`` to ``stop`` (tensors broadcast), stacked
    along ``axis``."""
    start, stop = _dt.cast(start, dtype), _dt.cast(stop, dtype)
    divisions = builtins.max(num - 1 if endpoint else num, 1)
    steps = _impl.divide(_impl.arange(num, dtype=dtype), float(divisions))
    extra_dims = builtins.max(_impl.ndim(start), _impl.ndim(stop))
    steps = _impl.reshape(steps, (num,) + (1,) * extra_dims)
    values = _impl.add(start, _impl.multiply(steps, _impl.subtract(stop, start)))
    return _impl.moveaxis(values, 0, axis) if axis != 0 else values


@dispatch
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``num`` numbers evenly spaced on a log scale, from ``base ** start`` to
    ``base ** stop``.

    Args:
        start: the first exponent (a number or tensor).
        stop: the last exponent (a number or tensor).
        num: how many values (default 50).
        endpoint: include ``base ** stop`` (the default) or stop just before it.
        base: the base of the powers (default 10).
        dtype: the result dtype; None gives a float dtype (``floatx`` for integers).
        axis: where the new axis goes when ``start`` or ``stop`` are tensors.

    Returns:
        A tensor of ``num`` values along ``axis``.

    Example:
        >>> ops.logspace(0, 2, num=3)  # [1., 10., 100.]
    """
    dtype = _range_dtype(start, stop, dtype)
    compute = dtype if _dt.is_inexact(dtype) else backend.floatx()
    exponents = _evenly_spaced(start, stop, num, endpoint, compute, axis)
    return _dt.cast(_impl.power(_dt.cast(base, compute), exponents), dtype)


@dispatch
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` numbers evenly spaced on a log scale from ``start`` to ``stop`` (a geometric
    progression).

    Args:
        start: the first value (non-zero, of the sign of ``stop``).
        stop: the last value.
        num: how many values (default 50).
        endpoint: include ``stop`` (the default) or stop just before it.
        dtype: the result dtype; None gives a float dtype (``floatx`` for integers).
        axis: where the new axis goes when ``start`` or ``stop`` are tensors.

    Returns:
        A tensor of ``num`` values along ``axis``.

    Example:
        >>> ops.geomspace(1, 1000, num=4)  # [1., 10., 100., 1000.]
    """
    dtype = _range_dtype(start, stop, dtype)
    compute = dtype if _dt.is_inexact(dtype) else backend.floatx()
    start, stop = _dt.cast(start, compute), _dt.cast(stop, compute)
    exponents = _evenly_spaced(_impl.log10(_impl.absolute(start)),
                               _impl.log10(_impl.absolute(stop)), num, endpoint, compute, axis)
    sign = _impl.sign(start)
    if _impl.ndim(sign) and axis != 0:
        sign = _impl.expand_dims(sign, axis)
    return _dt.cast(_impl.multiply(sign, _impl.power(10.0, exponents)), dtype)


@dispatch
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D tensor: columns are powers of ``x``.

    Args:
        x: a 1-D tensor.
        N: the number of columns; None (the default) makes the matrix square.
        increasing: powers grow left to right (default False: the last column is ``x**0``).

    Returns:
        A tensor ``(len(x), N)`` of the dtype of ``x``.

    Example:
        >>> ops.vander([1, 2, 3], N=3)  # [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    x = _dt.as_tensor(x)
    if _impl.ndim(x) != 1:
        raise ValueError(f"vander: `x` must be 1-D, got shape {tuple(x.shape)}.")
    if N is not None and (not isinstance(N, int) or isinstance(N, bool) or N < 0):
        raise ValueError(f"vander: `N` must be a non-negative int or None, got {N!r}.")
    if not isinstance(increasing, bool):
        raise TypeError(f"vander: `increasing` must be a bool, got {increasing!r}.")
    columns = x.shape[0] if N is None else N
    powers = _impl.arange(columns, dtype="int32")
    if not increasing:
        powers = _impl.flip(powers, axis=0)
    dtype = _dt.dtype_of(x)
    result = _impl.power(_impl.expand_dims(x, 1), _impl.expand_dims(powers, 0))
    return _dt.cast(result, dtype)


@dispatch
def unravel_index(indices, shape):
    """Turn flat indices into one index tensor per dimension of ``shape`` (row-major).

    Args:
        indices: an int or integer tensor of flat indices into a tensor of ``shape``.
        shape: the shape the indices refer to.

    Returns:
        A tuple of ``len(shape)`` tensors of the dtype and shape of ``indices``.

    Example:
        >>> ops.unravel_index([5, 7], (2, 4))  # ([1, 1], [1, 3])
    """
    remaining = _dt.as_tensor(indices)
    coordinates = []
    for size in reversed(tuple(shape)):
        coordinates.append(_impl.mod(remaining, size))
        remaining = _impl.floor_divide(remaining, size)
    return tuple(reversed(coordinates))


@dispatch
def select(condlist, choicelist, default=0):
    """Pick, element by element, from the first choice whose condition holds.

    Args:
        condlist: a list of bool tensors.
        choicelist: a list of tensors, one per condition (broadcastable together).
        default: the value where no condition holds (default 0).

    Returns:
        A tensor of the choices' common dtype.

    Example:
        >>> x = ops.arange(4)
        >>> ops.select([x < 1, x > 2], [x, x * 10], default=-1)  # [0, -1, -1, 30]
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError(
            "select: `condlist` and `choicelist` must be lists, got "
            f"{type(condlist).__name__} and {type(choicelist).__name__}."
        )
    if not condlist or len(condlist) != len(choicelist):
        raise ValueError(
            "select: `condlist` and `choicelist` must be non-empty and of the same length, "
            f"got {len(condlist)} and {len(choicelist)}."
        )
    dtype = _dt.result_dtype(*choicelist, default)
    result = _dt.cast(default, dtype)
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = _impl.where(_dt.cast(condition, "bool"), _dt.cast(choice, dtype), result)
    return result


@dispatch
def searchsorted(sorted_sequence, values, side="left"):
    """Indices where ``values`` would be inserted to keep ``sorted_sequence`` sorted.

    Args:
        sorted_sequence: a sorted 1-D tensor.
        values: a tensor of values to place.
        side: ``"left"`` (the default) gives the first suitable index, ``"right"`` the last.

    Returns:
        An int32 tensor of the shape of ``values``.

    Example:
        >>> ops.searchsorted([1, 3, 5], [3, 4])  # [1, 2]
    """
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right', got {side!r}.")
    dtype = _dt.result_dtype(sorted_sequence, values)
    sorted_sequence = _dt.cast(sorted_sequence, dtype)
    if _impl.ndim(sorted_sequence) != 1:
        raise ValueError(
            "searchsorted: `sorted_sequence` must be 1-D, got shape "
            f"{tuple(sorted_sequence.shape)}."
        )
    return _impl.searchsorted(sorted_sequence, _dt.cast(values, dtype), side=side)


@dispatch
def isin(x1, x2, assume_unique=False, invert=False):
    """True where an element of ``x1`` occurs in ``x2``.

    Args:
        x1: a tensor.
        x2: the values to look for (any shape).
        assume_unique: promise both inputs hold unique values (may be faster).
        invert: give True where the element does *not* occur.

    Returns:
        A bool tensor of the shape of ``x1``.

    Example:
        >>> ops.isin([1, 2, 3], [2, 5])  # [False, True, False]
    """
    dtype = _dt.result_dtype(x1, x2)
    return _impl.isin(_dt.cast(x1, dtype), _dt.cast(x2, dtype), assume_unique=assume_unique,
                      invert=invert)


@dispatch
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` along ``axis`` around its ``kth`` smallest element.

    The element at position ``kth`` is the one a full sort would put there; smaller ones
    come before it and larger ones after (in no particular order within each side).

    Args:
        x: a tensor.
        kth: the position (an int) to partition around.
        axis: the axis (default -1); None uses the flattened tensor.

    Returns:
        An int32 tensor of the shape of ``x`` (1-D when ``axis`` is None).

    Example:
        >>> order = ops.argpartition([3, 1, 2], 1)
        >>> ops.take([3, 1, 2], order)[1]  # 2
    """
    x = _dt.as_tensor(x)
    if axis is None:
        x, axis = _impl.ravel(x), 0
    size = x.shape[_canonical_axis(axis, _impl.ndim(x))]
    if not -size <= kth < size:
        raise ValueError(f"argpartition: `kth` {kth} is out of bounds for size {size}.")
    # A stable full sort is one valid partition, and the engines sort fast.
    return _dt.cast(_impl.argsort(x, axis=axis), "int32")


# -- unique --------------------------------------------------------------------------------
def _unique_arguments(x, axis, size):
    """Check ``axis`` and ``size`` against ``x`` (a tensor or KerasTensor); ``axis`` >= 0."""
    rank = len(x.shape)
    if axis is not None:
        if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
            raise ValueError(
                f"unique: `axis` must be None or an int in [{-rank}, {rank}) for an input of "
                f"shape {tuple(x.shape)}. Received: axis={axis!r}."
            )
        axis %= rank
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise ValueError(
            f"unique: `size` must be None or a positive int (the fixed number of unique "
            f"values to return). Received: size={size!r}."
        )
    return axis


def _pick_unique_outputs(outputs, return_index, return_inverse, return_counts):
    values, index, inverse, counts = outputs
    chosen = [values] + [t for t, wanted in ((index, return_index), (inverse, return_inverse),
                                             (counts, return_counts)) if wanted]
    return chosen[0] if len(chosen) == 1 else tuple(chosen)


def _unique_specs(x, axis, size):
    """KerasTensors for ``unique``'s four outputs; data-dependent sizes are None."""
    shape = tuple(x.shape)
    if axis is None:
        values_shape, inverse_shape = (size,), shape
    else:
        values_shape = shape[:axis] + (size,) + shape[axis + 1:]
        inverse_shape = (shape[axis],)
    return (KerasTensor(values_shape, x.dtype), KerasTensor((size,), "int32"),
            KerasTensor(inverse_shape, "int32"), KerasTensor((size,), "int32"))


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The unique elements of ``x`` (or its unique slices along ``axis``), in ascending order.

    Args:
        x: a tensor.
        sorted: kept for Keras compatibility: the values come back in ascending order
            either way (as on every Keras backend).
        return_index: also return, per unique value, the position of its first occurrence
            (in the flattened ``x``, or along ``axis``).
        return_inverse: also return the positions in the unique values that rebuild ``x``:
            shaped like ``x`` when ``axis`` is None, else ``(x.shape[axis],)``.
        return_counts: also return how often each unique value occurs.
        axis: None (flatten ``x`` first) or the axis whose slices are compared whole.
        size: a fixed number of unique values to return (so the output shape does not
            depend on the data, as jitted JAX code needs): fewer are padded, more are cut.
        fill_value: the padding value of the unique values when ``size`` is larger than
            their number; default 0. Padded indices repeat the first one; padded counts
            are 0.

    Returns:
        The unique values (dtype of ``x``), or a tuple of them followed by the requested
        index, inverse and counts tensors (int32), in that order.

    Example:
        >>> ops.unique([3, 1, 2, 1])  # [1, 2, 3]
        >>> values, counts = ops.unique([3, 1, 2, 1], size=5, return_counts=True)
        >>> # values [1, 2, 3, 0, 0], counts [2, 1, 1, 0, 0]
    """
    if isinstance(x, KerasTensor):
        from lamina.layers.core.lambda_layer import OpLayer

        axis = _unique_arguments(x, axis, size)
        specs = _pick_unique_outputs(_unique_specs(x, axis, size), return_index,
                                     return_inverse, return_counts)
        layer = OpLayer(unique)
        # The sizes depend on the values, so running the op on placeholders cannot tell.
        layer.compute_output_spec = lambda *args, **kwargs: specs
        return layer(x, sorted=sorted, return_index=return_index,
                     return_inverse=return_inverse, return_counts=return_counts, axis=axis,
                     size=size, fill_value=fill_value)
    x = _dt.as_tensor(x)
    axis = _unique_arguments(x, axis, size)
    outputs = _impl.unique(x, axis=axis, size=size,
                           fill_value=0 if fill_value is None else fill_value)
    return _pick_unique_outputs(outputs, return_index, return_inverse, return_counts)


# -- bit views and indexing ----------------------------------------------------------------
def _itemsize(dtype):
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


@dispatch
def view(x, dtype=None):
    """The bits of ``x`` reinterpreted as ``dtype`` (no conversion of values).

    As NumPy's ``ndarray.view``: with a smaller item size the last axis grows by the size
    ratio; with a larger one it shrinks by it (and must divide evenly).

    Args:
        x: a tensor.
        dtype: the dtype to read the bits as; None returns ``x`` unchanged.

    Returns:
        A tensor of ``dtype``.

    Example:
        >>> ops.view(np.array([1.0], "float32"), "int32")  # [1065353216]
    """
    x = _dt.as_tensor(x)
    if dtype is None:
        return x
    dtype = backend.standardize_dtype(dtype)
    old, new = _itemsize(backend.dtype_of(x)), _itemsize(dtype)
    if old != new and (len(x.shape) == 0 or (x.shape[-1] * old) % new):
        raise ValueError(
            f"view: viewing {backend.dtype_of(x)} ({old} bytes) as {dtype} ({new} bytes) "
            f"regroups the bytes of the last axis, so `x` needs a last axis whose byte size "
            f"is a multiple of {new}. Received x of shape {tuple(x.shape)}. Reshape `x` or "
            "pick a dtype of the same size."
        )
    return _impl.view(x, dtype)


def get_item(x, key):
    """``x[key]``: NumPy-style indexing (ints, slices, ``None``, ``...``, index arrays).

    Args:
        x: a tensor (or a symbolic tensor, which records the indexing).
        key: an index, a slice, or a tuple of them; a list is read as an index array.

    Returns:
        The indexed tensor.

    Example:
        >>> ops.get_item(np.arange(6).reshape(2, 3), (slice(None), 1))  # [1, 4]
    """
    if isinstance(key, list):
        key = np.asarray(key)
    if isinstance(x, KerasTensor):
        return x[key]
    return _dt.as_tensor(x)[key]


# -- vectorize -----------------------------------------------------------------------------
_CORE_DIMS = re.compile(r"\(([^()]*)\)")
_SIGNATURE = re.compile(r"^\s*\([^()]*\)(\s*,\s*\([^()]*\))*\s*->"
                        r"\s*\([^()]*\)(\s*,\s*\([^()]*\))*\s*$")


def _parse_signature(signature):
    """``"(m,n),(n)->(m)"`` as the core-dimension names of each input: ``[(m, n), (n,)]``."""
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise ValueError(
            "vectorize: `signature` must look like '(m,n),(n)->(m)': the core dimensions "
            "of each input in parentheses, '->', then those of each output. Received: "
            f"signature={signature!r}."
        )
    inputs = signature.split("->")[0]
    return [tuple(d.strip() for d in dims.split(",") if d.strip())
            for dims in _CORE_DIMS.findall(inputs)]


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Turn ``pyfunc`` into a function that maps over the leading (loop) axes of its inputs.

    The inputs are broadcast together over their loop axes (all axes, or those before the
    core axes a ``signature`` names), and ``pyfunc`` runs once per loop position, vectorized
    by the engine (``torch.vmap`` / ``jax.vmap``), as ``numpy.vectorize`` does in a loop.

    Args:
        pyfunc: the function; by default it takes and returns scalar tensors.
        excluded: optional set of positions of arguments passed to ``pyfunc`` unchanged
            (not mapped). Keyword arguments are always passed unchanged.
        signature: optional generalized-ufunc signature such as ``"(m,n),(n)->(m)"``:
            ``pyfunc`` then takes inputs with those trailing core axes.

    Returns:
        The vectorized function (it also takes symbolic tensors, recording a graph node).

    Example:
        >>> add = ops.vectorize(lambda a, b: a + b)
        >>> add([1, 2, 3], 10)  # [11, 12, 13]
    """
    if not callable(pyfunc):
        raise TypeError(f"vectorize: `pyfunc` must be callable. Received: {pyfunc!r}.")
    excluded = frozenset(excluded or ())
    core_dims = None if signature is None else _parse_signature(signature)

    @functools.wraps(pyfunc)
    def vectorized(*args, **kwargs):
        positions = [i for i in range(len(args)) if i not in excluded]
        tensors = [_dt.as_tensor(args[i]) for i in positions]
        if core_dims is not None and len(core_dims) != len(tensors):
            raise ValueError(
                f"vectorize: the signature {signature!r} names {len(core_dims)} input(s), "
                f"but the function got {len(tensors)} mapped argument(s)."
            )
        cores = [0] * len(tensors) if core_dims is None else [len(d) for d in core_dims]
        for tensor, core in zip(tensors, cores):
            if len(tensor.shape) < core:
                raise ValueError(
                    f"vectorize: an input of shape {tuple(tensor.shape)} has fewer axes than "
                    f"the {core} core axes the signature {signature!r} gives it."
                )
        loops = [tuple(t.shape)[:len(t.shape) - c] for t, c in zip(tensors, cores)]
        loop_shape = tuple(np.broadcast_shapes(*loops)) if loops else ()
        tensors = tuple(
            _impl.broadcast_to(t, loop_shape + tuple(t.shape)[len(t.shape) - c:])
            for t, c in zip(tensors, cores))

        def call(values):
            full = list(args)
            for position, value in zip(positions, values):
                full[position] = value
            return pyfunc(*full, **kwargs)

        function = call
        for _ in loop_shape:  # one engine vmap per loop axis, outermost first
            function = functools.partial(_core.vectorized_map, function)
        return function(tensors)

    # Symbolic inputs record a graph node, as for any op.
    return dispatch(vectorized)

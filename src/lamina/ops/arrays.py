"""Building, reshaping, splitting and searching arrays: flips and rotations, appends and
splits, stacks along depth, log- and geometric ranges, Vandermonde matrices, index
conversion, ``select``, ``searchsorted``, ``isin`` and ``argpartition``.

Each op is written once here from backend primitives (``searchsorted`` and ``isin`` are
engine kernels); ``lamina.ops.numpy`` re-exports every name.
"""

import builtins

from lamina import backend
from lamina.backend import numpy as _impl
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

"""Sums of products beyond ``matmul``/``tensordot``: inner and Kronecker products and 1-D
cross-correlation.

Each op is written once here from backend primitives; ``lamina.ops.numpy`` re-exports every
name.
"""

from lamina.backend import numpy as _impl
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch


@dispatch
def inner(x1, x2):
    """Inner product over the last axes: ``sum(x1[..., i] * x2[..., i])``.

    Args:
        x1: a tensor ``(..., n)`` (or a scalar).
        x2: a tensor ``(..., n)`` (or a scalar).

    Returns:
        A tensor ``x1.shape[:-1] + x2.shape[:-1]`` of the inputs' common dtype (a scalar
        operand multiplies instead).

    Example:
        >>> ops.inner([1, 2, 3], [0, 1, 0])  # 2
    """
    dtype = _dt.result_dtype(x1, x2)
    x1, x2 = _dt.cast(x1, dtype), _dt.cast(x2, dtype)
    if _impl.ndim(x1) == 0 or _impl.ndim(x2) == 0:
        return _impl.multiply(x1, x2)
    if _dt.is_inexact(dtype):
        return _impl.tensordot(x1, x2, axes=([-1], [-1]))
    # Integers and bools: multiply and sum exactly (matrix kernels are for floats).
    outer_shape = tuple(x1.shape[:-1]) + tuple(x2.shape[:-1])
    rows = _impl.reshape(x1, (-1, 1, x1.shape[-1]))
    columns = _impl.reshape(x2, (1, -1, x2.shape[-1]))
    total = _impl.sum(_impl.multiply(rows, columns), axis=-1)
    return _dt.cast(_impl.reshape(total, outer_shape), dtype)


@dispatch
def kron(x1, x2):
    """Kronecker product: each element of ``x1`` scales a whole copy of ``x2``.

    Args:
        x1: a tensor.
        x2: a tensor (the lower-rank one gets leading axes of size 1).

    Returns:
        A tensor of the inputs' common dtype, of shape ``x1.shape * x2.shape`` per axis.

    Example:
        >>> ops.kron([1, 10], [1, 2])  # [1, 2, 10, 20]
    """
    dtype = _dt.result_dtype(x1, x2)
    x1, x2 = _dt.cast(x1, dtype), _dt.cast(x2, dtype)
    rank = max(_impl.ndim(x1), _impl.ndim(x2))
    shape1 = (1,) * (rank - _impl.ndim(x1)) + tuple(x1.shape)
    shape2 = (1,) * (rank - _impl.ndim(x2)) + tuple(x2.shape)
    # Interleave the axes: (a0, 1, a1, 1, ...) times (1, b0, 1, b1, ...).
    spread1 = [d for size in shape1 for d in (size, 1)]
    spread2 = [d for size in shape2 for d in (1, size)]
    product = _impl.multiply(_impl.reshape(x1, spread1), _impl.reshape(x2, spread2))
    return _impl.reshape(product, tuple(a * b for a, b in zip(shape1, shape2)))


def _correlation_dtype(x1, x2):
    dtype = _dt.result_dtype(x1, x2)
    if dtype == "int64":
        return "float64"
    if dtype in ("bfloat16", "float16", "float64") or "complex" in dtype:
        return dtype
    return "float32"  # Keras's rule: float32 here, whatever floatx is


@dispatch
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences: ``c[k] = sum_n x1[n + k] * conj(x2[n])``.

    Args:
        x1: a 1-D tensor of length ``n``.
        x2: a 1-D tensor of length ``m``.
        mode: ``"valid"`` (the default: only full overlaps, ``max(n, m) - min(n, m) + 1``
            values), ``"same"`` (``max(n, m)`` values, centred) or ``"full"``
            (``n + m - 1`` values, every partial overlap).

    Returns:
        A 1-D float tensor (float32 for integers and float32 inputs, float64 for int64).

    Example:
        >>> ops.correlate([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])  # [3.5]
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: `mode` must be 'valid', 'same' or 'full', got {mode!r}.")
    dtype = _correlation_dtype(x1, x2)
    x1, x2 = _dt.cast(x1, dtype), _dt.cast(x2, dtype)
    if _impl.ndim(x1) != 1 or _impl.ndim(x2) != 1:
        raise ValueError(
            f"correlate: `x1` and `x2` must be 1-D, got shapes {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}."
        )
    n, m = x1.shape[0], x2.shape[0]
    full_length = n + m - 1
    # Every lag k in [-(m - 1), n - 1]: a window of m values of x1 padded with zeros.
    padded = _impl.pad(x1, [(m - 1, m - 1)])
    windows = _impl.add(_impl.expand_dims(_impl.arange(full_length), 1),
                        _impl.expand_dims(_impl.arange(m), 0))
    full = _impl.matmul(_impl.take(padded, windows, axis=0), _impl.conj(x2))
    if mode == "full":
        return full
    if mode == "valid":
        start, length = min(n, m) - 1, max(n, m) - min(n, m) + 1
    else:
        length = max(n, m)
        start = (full_length - length) // 2
    return full[start:start + length]

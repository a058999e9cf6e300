"""Bitwise ops on integer (and bool) tensors: and, or, xor, not and bit shifts.

The engines' kernels do the work; this module picks the result dtype the Keras way (Python
integers follow the tensor's dtype) and gives the NumPy and array-API spellings.
``lamina.ops.numpy`` re-exports every name.
"""

from lamina.backend import numpy as _impl
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch


def _common(x, y):
    dtype = _dt.result_dtype(x, y)
    return _dt.cast(x, dtype), _dt.cast(y, dtype)


@dispatch
def bitwise_and(x, y):
    """Element-wise bitwise AND of integers (logical AND of bools).

    Args:
        x: an integer or bool tensor.
        y: an integer or bool tensor broadcastable with ``x``.

    Returns:
        A tensor of the inputs' common dtype.

    Example:
        >>> ops.bitwise_and([12, 10], 6)  # [4, 2]
    """
    return _impl.bitwise_and(*_common(x, y))


@dispatch
def bitwise_or(x, y):
    """Element-wise bitwise OR of integers (logical OR of bools).

    Args:
        x: an integer or bool tensor.
        y: an integer or bool tensor broadcastable with ``x``.

    Returns:
        A tensor of the inputs' common dtype.

    Example:
        >>> ops.bitwise_or([12, 10], 6)  # [14, 14]
    """
    return _impl.bitwise_or(*_common(x, y))


@dispatch
def bitwise_xor(x, y):
    """Element-wise bitwise exclusive OR of integers (logical XOR of bools).

    Args:
        x: an integer or bool tensor.
        y: an integer or bool tensor broadcastable with ``x``.

    Returns:
        A tensor of the inputs' common dtype.

    Example:
        >>> ops.bitwise_xor([12, 10], 6)  # [10, 12]
    """
    return _impl.bitwise_xor(*_common(x, y))


@dispatch
def bitwise_not(x):
    """Element-wise bitwise NOT: every bit flipped (``-x - 1`` for signed integers).

    Args:
        x: an integer or bool tensor.

    Returns:
        A tensor of the dtype of ``x``.

    Example:
        >>> ops.bitwise_not([0, 5])  # [-1, -6]
    """
    return _impl.bitwise_not(x)


@dispatch
def bitwise_invert(x):
    """Element-wise bitwise NOT (the array-API name of :func:`bitwise_not`).

    Args:
        x: an integer or bool tensor.

    Returns:
        A tensor of the dtype of ``x``.

    Example:
        >>> ops.bitwise_invert([0, 5])  # [-1, -6]
    """
    return _impl.bitwise_not(x)


def _shift_operands(x, y):
    if isinstance(y, int) and not isinstance(y, bool):
        # A Python shift count keeps the dtype of x (bools shift as int32).
        x = _dt.as_tensor(x)
        return (_dt.cast(x, "int32") if _dt.dtype_of(x) == "bool" else x), y
    return _common(x, y)


@dispatch
def bitwise_left_shift(x, y):
    """Shift the bits of ``x`` left by ``y`` places (``x * 2 ** y``).

    Args:
        x: an integer tensor.
        y: shift counts (an integer tensor or Python int), broadcastable with ``x``.

    Returns:
        A tensor of the common dtype (the dtype of ``x`` for a Python int ``y``).

    Example:
        >>> ops.bitwise_left_shift([1, 3], 2)  # [4, 12]
    """
    return _impl.left_shift(*_shift_operands(x, y))


@dispatch
def left_shift(x, y):
    """Shift the bits of ``x`` left by ``y`` places (NumPy's name).

    Args:
        x: an integer tensor.
        y: shift counts (an integer tensor or Python int), broadcastable with ``x``.

    Returns:
        A tensor of the common dtype (the dtype of ``x`` for a Python int ``y``).

    Example:
        >>> ops.left_shift([1, 3], 2)  # [4, 12]
    """
    return _impl.left_shift(*_shift_operands(x, y))


@dispatch
def bitwise_right_shift(x, y):
    """Shift the bits of ``x`` right by ``y`` places (floor division by ``2 ** y``).

    Args:
        x: an integer tensor.
        y: shift counts (an integer tensor or Python int), broadcastable with ``x``.

    Returns:
        A tensor of the common dtype (the dtype of ``x`` for a Python int ``y``).

    Example:
        >>> ops.bitwise_right_shift([16, -16], 2)  # [4, -4]
    """
    return _impl.right_shift(*_shift_operands(x, y))


@dispatch
def right_shift(x, y):
    """Shift the bits of ``x`` right by ``y`` places (NumPy's name).

    Args:
        x: an integer tensor.
        y: shift counts (an integer tensor or Python int), broadcastable with ``x``.

    Returns:
        A tensor of the common dtype (the dtype of ``x`` for a Python int ``y``).

    Example:
        >>> ops.right_shift([16, -16], 2)  # [4, -4]
    """
    return _impl.right_shift(*_shift_operands(x, y))

"""Keras's dtype rules for op results, shared by the composite ops in ``ops/``.

Python numbers are weak: ``op(int8_tensor, 2)`` stays int8 and only a Python float turns an
integer result into ``floatx``, as in Keras. Ops that need a float result turn bool and
integer inputs into ``floatx``.
"""

from lamina import backend


def _is_python_number(value):
    return isinstance(value, (bool, int, float)) and not backend.is_tensor(value)


def is_inexact(dtype):
    """True for float and complex dtype names."""
    return backend.is_float_dtype(dtype) or "complex" in dtype


def result_dtype(*values):
    """The dtype combining ``values`` (tensors, arrays, Python numbers) gives in Keras."""
    tensors = [v for v in values if not _is_python_number(v)]
    if not tensors:
        return backend.numpy.result_dtype(*values)
    dtype = backend.numpy.result_dtype(*tensors)
    numbers = [v for v in values if _is_python_number(v)]
    if any(isinstance(v, float) for v in numbers) and not is_inexact(dtype):
        return backend.floatx()
    if dtype == "bool" and any(not isinstance(v, bool) for v in numbers):
        return "int32"
    return dtype


def float_dtype(dtype, wide_int64=False):
    """The float dtype an op that computes in floats returns for inputs of ``dtype``.

    Float (and complex) dtypes are kept; bool and integers give ``floatx``, except int64,
    which gives float64 where ``wide_int64`` (the ops whose Keras rule says so).
    """
    dtype = backend.standardize_dtype(dtype)
    if is_inexact(dtype):
        return dtype
    if wide_int64 and dtype == "int64":
        return "float64"
    return backend.floatx()


def as_tensor(x):
    """``x`` as a tensor of the active backend."""
    return backend.convert_to_tensor(x)


def cast(x, dtype):
    """``x`` as a tensor of ``dtype`` (no copy when it already is one)."""
    x = backend.convert_to_tensor(x)
    return x if backend.dtype_of(x) == dtype else backend.cast(x, dtype)


def as_float(x, wide_int64=False):
    """``x`` as a tensor of ``float_dtype(x.dtype)``."""
    x = backend.convert_to_tensor(x)
    return cast(x, float_dtype(backend.dtype_of(x), wide_int64))


def dtype_of(x):
    """The dtype name of ``x`` (a tensor, array or Python number)."""
    return backend.dtype_of(backend.convert_to_tensor(x))

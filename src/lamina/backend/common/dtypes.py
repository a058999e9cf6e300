"""Dtype names: every dtype is spelled as a string (``"float32"``) above the backend seam."""

import numpy as np

from lamina.backend import config

FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
INT_TYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
ALLOWED_DTYPES = FLOAT_TYPES + INT_TYPES + ("bool", "complex64", "complex128")

_ALIASES = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "int": "int64",
    "long": "int64",
    "bool_": "bool",
}


def standardize_dtype(dtype):
    """Return the string name of ``dtype`` (numpy, torch, jax, Python type or string).

    ``None`` gives :func:`lamina.backend.floatx`.
    """
    if dtype is None:
        return config.floatx()
    try:
        return _NAMES[dtype]  # called for every tensor a layer sees: remember the answers
    except (KeyError, TypeError):
        pass
    name = _standardize(dtype)
    try:
        _NAMES[dtype] = name
    except TypeError:
        pass
    return name


_NAMES = {}


def _standardize(dtype):
    if dtype is float:
        return "float32"
    if dtype is int:
        return "int64" if config.backend() == "torch" else "int32"
    if dtype is bool:
        return "bool"
    if isinstance(dtype, type) and issubclass(dtype, np.generic):
        name = np.dtype(dtype).name  # np.float32 and friends (their `name` is a descriptor)
    elif hasattr(dtype, "name") and not isinstance(dtype, str):
        name = dtype.name
    else:
        name = str(dtype)
    name = name.replace("torch.", "").replace("dtype(", "").strip("')\"")
    name = _ALIASES.get(name, name)
    if name not in ALLOWED_DTYPES:
        try:
            name = np.dtype(name).name
        except TypeError:
            pass
    if name not in ALLOWED_DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}. Expected one of {ALLOWED_DTYPES}.")
    return name


def is_float_dtype(dtype):
    """True when ``dtype`` is a floating point dtype."""
    return standardize_dtype(dtype) in FLOAT_TYPES


def is_int_dtype(dtype):
    """True when ``dtype`` is a signed or unsigned integer dtype."""
    return standardize_dtype(dtype) in INT_TYPES

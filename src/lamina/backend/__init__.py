"""The engine seam: reads the backend choice once and exposes the chosen engine.

Everything above this package asks ``lamina.backend`` for tensors, variables and primitives
and never imports torch or jax itself. ``backend/<name>/`` modules define the same names for
each engine; ``interface.py`` lists them.
"""

import importlib

from lamina.backend import config
from lamina.backend.common import dtypes
from lamina.backend.common import scopes
from lamina.backend.common.dtypes import is_float_dtype
from lamina.backend.common.dtypes import is_int_dtype
from lamina.backend.common.dtypes import standardize_dtype
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.backend.common.name_scope import name_scope
from lamina.backend.common.stateless_scope import StatelessScope
from lamina.backend.common.stateless_scope import SymbolicScope
from lamina.backend.common.variables import BaseVariable
from lamina.backend.config import backend
from lamina.backend.config import epsilon
from lamina.backend.config import floatx
from lamina.backend.config import image_data_format
from lamina.backend.config import set_epsilon
from lamina.backend.config import set_floatx
from lamina.backend.config import set_image_data_format
from lamina.backend.config import standardize_data_format

_engine = importlib.import_module(f"lamina.backend.{config.backend()}")

LayerBase = _engine.LayerBase
Variable = _engine.Variable
cast = _engine.cast
cond = _engine.cond
convert_to_numpy = _engine.convert_to_numpy
convert_to_tensor = _engine.convert_to_tensor
core = _engine.core
dtype_of = _engine.dtype_of
export = _engine.export
get_device = _engine.get_device
image = _engine.image
linalg = _engine.linalg
is_tensor = _engine.is_tensor
math = _engine.math
nn = _engine.nn
no_grad = _engine.no_grad
numpy = _engine.numpy
optimizers = _engine.optimizers
random = _engine.random
rnn = _engine.rnn
shape = _engine.shape
stop_gradient = _engine.stop_gradient
take_rows = _engine.take_rows
value_and_grad = _engine.value_and_grad


def is_keras_tensor(x):
    """True when ``x`` is a symbolic tensor made by ``lamina.Input`` or a layer call on one."""
    return isinstance(x, KerasTensor)


_UIDS = {}


def get_uid(prefix=""):
    """A counter per ``prefix``: 1 on the first call, then 2, 3... (reset by
    :func:`clear_session`).

    Example:
        >>> lamina.backend.get_uid("block"), lamina.backend.get_uid("block")
        (1, 2)
    """
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def clear_session(free_memory=True):
    """Reset the automatic layer names (``dense``, ``dense_1``...) and the
    :func:`get_uid` counters; with ``free_memory``, collect garbage too."""
    import gc

    scopes.reset_names()
    _UIDS.clear()
    if free_memory:
        gc.collect()


def result_type(*dtypes_):
    """The dtype that mixing values of ``dtypes_`` gives, as a name."""
    import numpy as np

    names = [standardize_dtype(d) for d in dtypes_]
    if "bfloat16" in names:
        others = [n for n in names if n != "bfloat16"]
        if all(not is_float_dtype(n) or n == "bfloat16" for n in others):
            return "bfloat16"
        names = ["float32" if n == "bfloat16" else n for n in names]
    return np.result_type(*[np.dtype(n) for n in names]).name


__all__ = [
    "BaseVariable",
    "KerasTensor",
    "LayerBase",
    "StatelessScope",
    "SymbolicScope",
    "Variable",
    "backend",
    "cast",
    "clear_session",
    "cond",
    "config",
    "convert_to_numpy",
    "convert_to_tensor",
    "core",
    "dtype_of",
    "dtypes",
    "epsilon",
    "export",
    "floatx",
    "get_device",
    "get_uid",
    "image",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "is_tensor",
    "linalg",
    "math",
    "name_scope",
    "nn",
    "no_grad",
    "numpy",
    "optimizers",
    "random",
    "result_type",
    "rnn",
    "scopes",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "shape",
    "standardize_data_format",
    "standardize_dtype",
    "stop_gradient",
    "take_rows",
    "value_and_grad",
]

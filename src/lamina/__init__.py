"""lamina: a Keras-compatible deep-learning API that runs on PyTorch or JAX.

``import lamina as keras`` and write Keras code; the backend is chosen with the
``LAMINA_BACKEND`` environment variable (``torch`` by default, or ``jax``).

The submodules (``lamina.layers``, ``lamina.ops``...) and the top-level names
(``lamina.Sequential``...) load on first use, so ``import lamina`` does not pay for
importing the engine (torch or JAX) until a program touches something that needs it.
``from lamina import layers`` and ``import lamina.layers`` work as usual.
"""

import importlib

# Reads LAMINA_BACKEND / ~/.lamina/lamina.json and refuses an unknown backend name now,
# without importing the engine.
from lamina import _settings  # noqa: F401

__version__ = "0.1.0"
version = __version__

# Public submodules, loaded on first attribute access.
_SUBMODULES = (
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "data",
    "datasets",
    "dtype_policies",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
    "wrappers",
)

# Top-level names and the submodule that defines each.
_NAMES = {
    "DTypePolicy": "dtype_policies",
    "FloatDTypePolicy": "dtype_policies",
    "Initializer": "initializers",
    "KerasTensor": "backend",
    "Loss": "losses",
    "Metric": "metrics",
    "Optimizer": "optimizers",
    "Regularizer": "regularizers",
    "Variable": "backend",
    "Input": "layers",
    "InputSpec": "layers",
    "Layer": "layers",
    "Model": "models",
    "Sequential": "models",
    "StatelessScope": "backend",
    "SymbolicScope": "backend",
    "name_scope": "backend",
    "Function": "models",
    "Operation": "ops",
    "RematScope": "_runtime",
    "device": "_runtime",
    "remat": "_runtime",
}


def __getattr__(name):
    """Load a submodule or a top-level name the first time it is asked for."""
    if name in _SUBMODULES:
        module = importlib.import_module(f"lamina.{name}")
        globals()[name] = module
        return module
    if name in _NAMES:
        value = getattr(importlib.import_module(f"lamina.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


def __dir__():
    """The public names, loaded or not (for ``dir()`` and tab completion)."""
    return sorted(set(globals()) | set(_SUBMODULES) | set(_NAMES))


__all__ = sorted(list(_SUBMODULES) + list(_NAMES) + ["__version__", "version"])

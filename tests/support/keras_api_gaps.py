"""List the public Keras 3 names that lamina does not have yet (a developer's checklist).

For each public module of Keras 3 (``keras``, ``keras.layers``, ``keras.ops``...), prints
the names in ``dir(keras.X)`` that ``lamina.X`` lacks. Keras 3 is a test-only dependency
installed in ``.venv``. Not a test: run it by hand.

Example:
    >>> # .venv/bin/python tests/support/keras_api_gaps.py
"""

import importlib
import os

MODULES = (
    "", "activations", "applications", "backend", "callbacks", "config", "constraints",
    "datasets", "distribution", "dtype_policies", "export", "initializers", "layers",
    "legacy", "losses", "metrics", "mixed_precision", "models", "ops", "ops.image",
    "ops.linalg", "ops.nn", "ops.numpy", "optimizers", "optimizers.schedules",
    "preprocessing", "preprocessing.image", "preprocessing.sequence", "quantizers", "random",
    "regularizers", "saving", "tree", "utils", "visualization", "wrappers",
)


def missing_names():
    """``{module: [names lamina lacks]}``, or the string ``"module"`` when lamina has no
    such module at all."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    gaps = {}
    for name in MODULES:
        suffix = "." + name if name else ""
        keras_module = importlib.import_module("keras" + suffix)
        try:
            lamina_module = importlib.import_module("lamina" + suffix)
        except ImportError:
            gaps[name or "keras"] = "module"
            continue
        public = [n for n in dir(keras_module) if not n.startswith("_")]
        lacking = [n for n in public if not hasattr(lamina_module, n)]
        if lacking:
            gaps[name or "keras"] = lacking
    return gaps


if __name__ == "__main__":
    for module, names in missing_names().items():
        if names == "module":
            print(f"{module}: the whole module is missing")
        else:
            print(f"{module}: {len(names)} missing: {' '.join(names)}")

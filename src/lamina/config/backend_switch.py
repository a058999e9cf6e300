"""``set_backend``: switch the engine in a running process (``keras.config.set_backend``)."""

import importlib
import os
import sys


def set_backend(backend):
    """Switch lamina to another backend in this process, as ``keras.config.set_backend``.

    Every ``lamina.*`` module is unloaded and loaded again on the new engine on first use;
    the ``lamina`` module itself stays, so ``import lamina as keras`` names keep working.
    Objects made before the switch (layers, models, tensors, variables) belong to the old
    engine: do not use them afterwards. Sets ``LAMINA_BACKEND`` (and ``KERAS_BACKEND``) in
    ``os.environ`` so child processes use the same engine.

    Args:
        backend: ``"torch"`` or ``"jax"``.

    Raises:
        ValueError: for any other name.

    Example:
        >>> lamina.config.set_backend("jax")
        >>> lamina.backend.backend()
        'jax'
    """
    import lamina

    valid = lamina._settings._VALID_BACKENDS
    if backend not in valid:
        raise ValueError(
            f"set_backend: `backend` must be one of {valid}; lamina runs on these engines "
            f"only. Received: backend={backend!r}."
        )
    os.environ["LAMINA_BACKEND"] = os.environ["KERAS_BACKEND"] = backend
    for name in [n for n in sys.modules if n.startswith("lamina.")]:
        del sys.modules[name]
    for name in list(vars(lamina)):
        if name in lamina._SUBMODULES or name in lamina._NAMES:
            delattr(lamina, name)
    lamina._settings = importlib.import_module("lamina._settings")

"""Process-wide settings (engine-free): which backend runs, floatx, epsilon, image_data_format.

The backend is read once, at import, from the ``LAMINA_BACKEND`` environment variable, else
from ``KERAS_BACKEND`` when it is ``"torch"`` or ``"jax"``, else from
``~/.lamina/lamina.json`` (key ``"backend"``), else it is ``"torch"``. Importing lamina
only reads this file; it never writes it.
"""

import json
import os

_VALID_BACKENDS = ("torch", "jax")
_VALID_FLOATX = ("float16", "bfloat16", "float32", "float64")
_VALID_DATA_FORMATS = ("channels_last", "channels_first")


def _read_config_file():
    path = os.path.join(os.path.expanduser("~"), ".lamina", "lamina.json")
    try:
        with open(path) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _chosen_backend():
    """LAMINA_BACKEND, else KERAS_BACKEND when it names an engine lamina runs on (Keras
    scripts set it before ``import keras``), else the config file, else torch."""
    chosen = os.environ.get("LAMINA_BACKEND")
    if chosen:
        return chosen
    keras_choice = os.environ.get("KERAS_BACKEND", "").strip().lower()
    if keras_choice in _VALID_BACKENDS:
        return keras_choice
    if keras_choice:
        import warnings

        warnings.warn(
            f"KERAS_BACKEND={keras_choice!r} is not an engine lamina runs on "
            f"({', '.join(_VALID_BACKENDS)}); using "
            f"{_CONFIG.get('backend', 'torch')!r}. Set LAMINA_BACKEND to choose.",
            stacklevel=3)
    return _CONFIG.get("backend", "torch")


_CONFIG = _read_config_file()
_BACKEND = _chosen_backend().strip().lower()
if _BACKEND not in _VALID_BACKENDS:
    raise ValueError(
        f"LAMINA_BACKEND must be one of {_VALID_BACKENDS}, got {_BACKEND!r}. "
        "Set it to 'torch' or 'jax' (or edit ~/.lamina/lamina.json)."
    )
_FLOATX = _CONFIG.get("floatx", "float32")
_EPSILON = float(_CONFIG.get("epsilon", 1e-7))
_IMAGE_DATA_FORMAT = _CONFIG.get("image_data_format", "channels_last")


def backend():
    """Return the name of the active backend, ``"torch"`` or ``"jax"``.

    Example:
        >>> lamina.backend.backend() in ("torch", "jax")
        True
    """
    return _BACKEND


def floatx():
    """Return the default float type as a string, ``"float32"`` unless changed."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type (``"float16"``, ``"bfloat16"``, ``"float32"``, ``"float64"``)."""
    global _FLOATX
    value = str(value)
    if value not in _VALID_FLOATX:
        raise ValueError(f"set_floatx expects one of {_VALID_FLOATX}, got {value!r}.")
    _FLOATX = value


def epsilon():
    """Return the fuzz factor used to avoid division by zero, ``1e-7`` by default."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """Return the default image layout, ``"channels_last"`` unless changed."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Set the default image layout: ``"channels_last"`` or ``"channels_first"``."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in _VALID_DATA_FORMATS:
        raise ValueError(
            f"set_image_data_format expects one of {_VALID_DATA_FORMATS}, got {data_format!r}."
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    """Return ``data_format`` or, when it is None, the global :func:`image_data_format`."""
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in _VALID_DATA_FORMATS:
        raise ValueError(
            f"data_format must be one of {_VALID_DATA_FORMATS}, got {data_format!r}."
        )
    return data_format

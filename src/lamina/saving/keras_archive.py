"""``.keras`` files: a zip holding ``config.json``, ``metadata.json`` and
``model.weights.h5``, laid out as Keras 3 writes them; and the entry points
``save_model`` / ``load_model``, which hand legacy ``.h5`` files to ``legacy_h5``.

Loading reads JSON and HDF5 only: nothing in a file is imported, unpickled or executed.
Saving writes a temporary file and renames it over the target, so a crash never leaves a
half-written model behind.
"""

import datetime
import io
import json
import os
import zipfile

from lamina.saving import safe_loading
from lamina.saving import serialization
from lamina.saving import weights_h5

_KERAS_VERSION = "3.15.1"
_CONFIG_LIMIT = 256 * 2**20  # bytes; a larger config.json is not a model config

_UNSUPPORTED_FORMAT = (
    "File format not supported: {filepath!r}. lamina reads `.keras` files (zip archives "
    "written by model.save('name.keras')) and legacy HDF5 files (`.h5`). To read only "
    "weights, build the model and call model.load_weights(...)."
)


# -- configs -----------------------------------------------------------------------------
def _plain(value):
    """A compile argument (loss, metric...) as JSON: names stay names, objects get configs."""
    from lamina import losses as losses_module

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if callable(value) and hasattr(value, "__name__") and not hasattr(value, "get_config"):
        return serialization.registry.get_registered_name(value)
    try:
        return losses_module.serialize(value)
    except Exception:  # not a loss: a metric or another configurable object
        return serialization.serialize_keras_object(value)


def compile_config(model):
    """The arguments ``model`` was compiled with, as Keras writes them (None if not)."""
    if not getattr(model, "compiled", False):
        return None
    from lamina import optimizers

    specs = getattr(model, "_compile_args", {})
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": _plain(specs.get("loss")),
        "loss_weights": _plain(specs.get("loss_weights")),
        "metrics": _plain(specs.get("metrics")),
        "weighted_metrics": _plain(specs.get("weighted_metrics")),
        "run_eagerly": model.run_eagerly,
        "steps_per_execution": model.steps_per_execution,
        "jit_compile": model.jit_compile,
    }


def model_config(model):
    """``model``'s full config, as in ``config.json``: class, config, build and compile."""
    config = serialization.serialize_keras_object(model)
    if getattr(model, "built", False):
        shape = getattr(model, "_build_input_shape", None)
        input_layer = getattr(model, "_input_layer", None)  # a Sequential's, as Keras writes
        if shape is None and input_layer is not None:
            shape = input_layer.batch_shape
        config["build_config"] = {"input_shape": shape}
    compiled = compile_config(model)
    if compiled is not None:
        config["compile_config"] = compiled
    return config


def model_from_config(config, custom_objects=None, compile=True, safe_mode=True,
                      source="the config"):
    """Rebuild (and build, and compile) a model from :func:`model_config`'s output.

    Args:
        config: the dict.
        custom_objects: extra names for custom classes and functions.
        compile: whether to compile with the saved ``compile_config``.
        safe_mode: refuse Lambda layers stored as code.
        source: what the config came from, for error messages.

    Returns:
        The model.
    """
    from lamina.layers.core import lambda_layer

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"{source} does not describe a model: expected a JSON object with 'class_name' "
            f"and 'config', got {type(config).__name__}."
        )
    with lambda_layer.safe_mode_scope(safe_mode):
        try:
            model = serialization.deserialize_keras_object(config,
                                                           custom_objects=custom_objects)
        except (KeyError, IndexError, AttributeError) as error:
            raise ValueError(
                f"Could not rebuild the model from {source}: the config is incomplete or "
                f"malformed ({type(error).__name__}: {error})."
            ) from error
    build_shape = (config.get("build_config") or {}).get("input_shape")
    if not getattr(model, "built", True) and build_shape is not None:
        model.build(_as_shape(build_shape))
    compiled = config.get("compile_config")
    if compile and compiled:
        compile_from_config(model, compiled, custom_objects)
    return model


def _as_shape(shape):
    if isinstance(shape, list) and shape and all(
            isinstance(d, int) or d is None for d in shape):
        return tuple(shape)
    if isinstance(shape, dict):
        return {k: _as_shape(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_as_shape(s) for s in shape]
    return shape


def compile_from_config(model, config, custom_objects=None):
    """Compile ``model`` with a saved ``compile_config`` (Keras's keys)."""
    from lamina import optimizers

    optimizer = config.get("optimizer", "rmsprop")
    if isinstance(optimizer, dict):
        optimizer = optimizers.deserialize(optimizer, custom_objects=custom_objects)
    model.compile(optimizer=optimizer, loss=_decode(config.get("loss"), custom_objects),
                  loss_weights=config.get("loss_weights"),
                  metrics=_decode(config.get("metrics"), custom_objects),
                  weighted_metrics=_decode(config.get("weighted_metrics"), custom_objects),
                  run_eagerly=config.get("run_eagerly", False),
                  steps_per_execution=config.get("steps_per_execution", 1),
                  jit_compile=config.get("jit_compile", "auto"))


def _decode(spec, custom_objects):
    if isinstance(spec, dict) and "class_name" in spec:
        return serialization.deserialize_keras_object(spec, custom_objects=custom_objects)
    if isinstance(spec, dict):
        return {k: _decode(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_decode(v, custom_objects) for v in spec]
    return spec


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot write {type(value).__name__} into a saved config.")


def to_json(model, **kwargs):
    """``model``'s config (with build and compile configs) as a JSON string."""
    return json.dumps(model_config(model), default=_json_default, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from ``model.to_json()``'s string.

    Args:
        json_string: the JSON text.
        custom_objects: a dict name -> class or function for custom objects.

    Returns:
        The model, built and compiled as described by the JSON.

    Example:
        >>> clone = lamina.models.model_from_json(model.to_json())
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(
            f"model_from_json expects the JSON string from model.to_json(), got "
            f"{type(json_string).__name__}."
        )
    try:
        config = json.loads(json_string)
    except ValueError as error:
        raise ValueError(f"model_from_json: the string is not valid JSON ({error}).") from None
    return model_from_config(config, custom_objects=custom_objects, source="the JSON string")


# -- files -------------------------------------------------------------------------------
def _is_legacy_h5(filepath):
    return filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save ``model`` (architecture, weights, optimizer state) to a file.

    Args:
        model: the model.
        filepath: ``name.keras`` (Keras 3's format), or ``name.h5`` for the legacy HDF5
            format (with a warning, as Keras gives).
        overwrite: whether an existing file may be replaced.
        zipped: must be None or True: lamina writes only zipped ``.keras`` files.
        **kwargs: ``include_optimizer`` for ``.h5`` files.

    Example:
        >>> lamina.saving.save_model(model, "model.keras")
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"model.save: {filepath!r} exists and overwrite=False.")
    if _is_legacy_h5(filepath):
        from lamina.saving import legacy_h5

        legacy_h5.save_model(model, filepath, include_optimizer=kwargs.pop(
            "include_optimizer", True))
        return
    if kwargs:
        raise TypeError(f"model.save got unexpected keyword argument(s) {sorted(kwargs)}.")
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"model.save: the file name must end in `.keras` (or `.h5` for the legacy "
            f"format), got {filepath!r}. Use model.save_weights('name.weights.h5') to save "
            "only the weights."
        )
    if zipped is False:
        raise ValueError(
            "model.save: zipped=False (an unzipped folder) is not supported by lamina; "
            "leave `zipped` at its default."
        )
    import h5py

    config = model_config(model)
    metadata = {"keras_version": _KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        weights_h5.write_groups(f, model)

    def write(path):
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config, default=_json_default))
            archive.writestr("model.weights.h5", weights.getvalue())

    weights_h5.atomic_write(filepath, write)


def _read_member(archive, name, filepath, limit=None):
    # Size, zip-bomb and damage checks live in safe_loading.
    return safe_loading.read_member(archive, name, filepath, max_bytes=limit)


def _read_archive(filepath):
    """``(config dict, weights bytes or None)`` from a ``.keras`` file."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}.")
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ValueError(
            f"{filepath!r} is not a valid .keras file (not a zip archive)."
        ) from None
    with archive:
        safe_loading.check_zip_members(archive, filepath)  # "../evil", duplicates
        names = set(archive.namelist())
        if "config.json" not in names:
            raise ValueError(f"{filepath!r} is not a valid .keras file: it has no config.json.")
        raw = _read_member(archive, "config.json", filepath, limit=_CONFIG_LIMIT)
        weights = _read_member(archive, "model.weights.h5", filepath) \
            if "model.weights.h5" in names else None
    try:
        config = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{filepath!r}: config.json is not valid JSON ({error}).") from None
    return config, weights


def _open_weights(weights, filepath):
    import h5py

    try:
        f = h5py.File(io.BytesIO(weights), "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"{filepath!r}: model.weights.h5 is unreadable ({error}).") from None
    try:
        safe_loading.check_h5_file(f, filepath)  # links and data from other files
    except BaseException:
        f.close()
        raise
    return f


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save(...)`` by lamina or Keras.

    Args:
        filepath: a ``.keras`` file, or a legacy ``.h5`` file (Keras 2 or Keras 3).
        custom_objects: dict name -> class or function for custom layers, losses...
        compile: whether to compile the model with the saved training configuration.
        safe_mode: refuse configs that would need code from the file (Lambda layers whose
            function is stored as code). lamina never runs such code in either mode.

    Returns:
        The model, with its weights (and optimizer state when compiled).

    Raises:
        FileNotFoundError: when there is no such file.
        lamina.saving.LoadingError: (a ValueError) for any problem with the file's content.

    Example:
        >>> model = lamina.models.load_model("model.keras")
    """
    filepath = os.fspath(filepath)
    # Whatever a damaged or hostile file makes go wrong surfaces as a LoadingError.
    with safe_loading.loading_errors(filepath):
        return _load_model(filepath, custom_objects, compile, safe_mode)


def _load_model(filepath, custom_objects, compile, safe_mode):
    if filepath.endswith(".weights.h5"):
        raise ValueError(
            f"{filepath!r} is a weights file: it holds no architecture. Build the model in "
            "code, then call model.load_weights(filepath)."
        )
    if _is_legacy_h5(filepath):
        from lamina.saving import legacy_h5

        stored = os.path.getsize(filepath) if os.path.exists(filepath) else 0
        with safe_loading.variable_budget(filepath, stored):
            return legacy_h5.load_model(filepath, custom_objects=custom_objects,
                                        compile=compile, safe_mode=safe_mode)
    if not filepath.endswith(".keras") and os.path.exists(filepath) and \
            not zipfile.is_zipfile(filepath):
        raise ValueError(_UNSUPPORTED_FORMAT.format(filepath=filepath))
    config, weights = _read_archive(filepath)
    safe_loading.check_config(config, filepath)  # nesting depth, input shapes
    # Building may not allocate more than the weights file stores (Dense(units=10**12)).
    with safe_loading.variable_budget(filepath, len(weights or b"")):
        model = model_from_config(config, custom_objects=custom_objects, compile=compile,
                                  safe_mode=safe_mode, source=f"{filepath!r} (config.json)")
    if weights is not None:
        with _open_weights(weights, filepath) as f:
            weights_h5.read_groups(f, model, filepath)
    return model


def load_weights_from_archive(model, filepath, skip_mismatch=False):
    """Load only the weights stored inside a ``.keras`` file into ``model``."""
    filepath = os.fspath(filepath)
    _, weights = _read_archive(filepath)
    if weights is None:
        raise ValueError(f"{filepath!r} holds no model.weights.h5, so no weights to load.")
    with _open_weights(weights, filepath) as f:
        weights_h5.read_groups(f, model, filepath, skip_mismatch)

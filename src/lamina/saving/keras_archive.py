"""``.keras`` files: a zip holding ``config.json``, ``metadata.json`` and
``model.weights.h5``, laid out as Keras 3 writes them.

Loading reads JSON and HDF5 only: nothing in a file is imported, unpickled or executed.
Saving writes a temporary file and renames it over the target, so a crash never leaves a
half-written model behind.
"""

import datetime
import io
import json
import os
import zipfile

from lamina.saving import serialization
from lamina.saving import weights_h5

_KERAS_VERSION = "3.15.1"


def _compile_config(model):
    if not getattr(model, "compiled", False):
        return None
    from lamina import losses as losses_module
    from lamina import optimizers

    def plain(value):
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if callable(value) and hasattr(value, "__name__") and not hasattr(value, "get_config"):
            return value.__name__
        try:
            return losses_module.serialize(value)
        except Exception:
            return serialization.serialize_keras_object(value)

    specs = getattr(model, "_compile_args", {})
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": plain(specs.get("loss")),
        "loss_weights": plain(specs.get("loss_weights")),
        "metrics": plain(specs.get("metrics")),
        "weighted_metrics": plain(specs.get("weighted_metrics")),
        "run_eagerly": model.run_eagerly,
        "steps_per_execution": model.steps_per_execution,
        "jit_compile": model.jit_compile,
    }


def save_model(model, filepath, overwrite=True, zipped=True):
    """Write ``model`` (architecture, weights, optimizer state) to a ``.keras`` file."""
    import h5py

    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"model.save: the file name must end in `.keras`, got {filepath!r}. Use "
            "model.save_weights('name.weights.h5') to save only the weights."
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"model.save: {filepath!r} exists and overwrite=False.")
    config = serialization.serialize_keras_object(model)
    config["build_config"] = {"input_shape": getattr(model, "_build_input_shape", None)}
    compile_config = _compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    metadata = {"keras_version": _KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        optimizer = model.optimizer if getattr(model, "compiled", False) else None
        weights_h5.write_groups(f, model, optimizer=optimizer)

    def write(path):
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config, default=_json_default))
            archive.writestr("model.weights.h5", weights.getvalue())

    weights_h5.atomic_write(filepath, write)


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot write {type(value).__name__} into a saved config.")


def _open_archive(filepath):
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}.")
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile:
        raise ValueError(
            f"{filepath!r} is not a valid .keras file (not a zip archive)."
        ) from None
    names = set(archive.namelist())
    if "config.json" not in names:
        raise ValueError(f"{filepath!r} is not a valid .keras file: it has no config.json.")
    return archive


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save("name.keras")`` (by lamina or Keras 3).

    Args:
        filepath: the ``.keras`` file.
        custom_objects: dict name -> class or function for custom layers, losses...
        compile: whether to compile the model with the saved training configuration.
        safe_mode: refuse configs that would need code from the file (Lambda layers whose
            function is stored as code). lamina never runs such code in either mode.

    Returns:
        The model, with its weights (and optimizer state when compiled).
    """
    import h5py

    filepath = os.fspath(filepath)
    if filepath.endswith(".h5") and not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"{filepath!r}: legacy Keras 2 HDF5 model files are not supported yet; save the "
            "model as .keras."
        )
    with _open_archive(filepath) as archive:
        try:
            config = json.loads(archive.read("config.json"))
        except ValueError as error:
            raise ValueError(f"{filepath!r}: config.json is not valid JSON ({error}).") from None
        weights = archive.read("model.weights.h5") if "model.weights.h5" in \
            archive.namelist() else None
    if not isinstance(config, dict):
        raise ValueError(f"{filepath!r}: config.json does not describe a model.")
    from lamina.layers.core import lambda_layer

    with lambda_layer.safe_mode_scope(safe_mode):
        model = serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    build_shape = (config.get("build_config") or {}).get("input_shape")
    if not model.built and build_shape is not None:
        model.build(_as_shape(build_shape))
    compile_config = config.get("compile_config")
    if compile and compile_config:
        _compile_from_config(model, compile_config, custom_objects)
    if weights is not None:
        try:
            f = h5py.File(io.BytesIO(weights), "r")
        except OSError as error:
            raise ValueError(f"{filepath!r}: model.weights.h5 is unreadable ({error}).") \
                from None
        with f:
            weights_h5.read_groups(f, model, filepath)
            if compile and compile_config and model.optimizer is not None:
                model.optimizer.build(model.trainable_variables)
                weights_h5.read_optimizer(f, model.optimizer)
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


def _compile_from_config(model, config, custom_objects):
    from lamina import optimizers

    optimizer = optimizers.deserialize(config["optimizer"]) if isinstance(
        config.get("optimizer"), dict) else config.get("optimizer", "rmsprop")
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


def load_weights_from_archive(model, filepath, skip_mismatch=False):
    """Load only the weights stored inside a ``.keras`` file into ``model``."""
    import h5py

    with _open_archive(filepath) as archive:
        weights = archive.read("model.weights.h5")
    with h5py.File(io.BytesIO(weights), "r") as f:
        weights_h5.read_groups(f, model, filepath, skip_mismatch)

"""Legacy HDF5 model files (``model.save("m.h5")``), as Keras 2 and Keras 3 write them.

Layout: root attributes ``model_config`` (the model's JSON config) and, for a compiled
model, ``training_config``; a ``model_weights`` group with attribute ``layer_names`` and one
group per layer whose ``weight_names`` attribute lists its weights (trainable first, the
layer's sublayers included) stored as datasets under those names; and an
``optimizer_weights`` group with its own ``weight_names``. A weights-only file
(Keras 2's ``save_weights("w.h5")``) holds the layer groups at its root.

Keras 2 configs use some spellings Keras 3 dropped; ``translate_keras2_config`` is the one
place that rewrites them. Loading reads JSON and arrays only and never runs code.
"""

import json
import os
import warnings

import numpy as np

from lamina.saving import keras_archive
from lamina.saving import safe_loading
from lamina.saving import weights_h5

_KERAS_VERSION = keras_archive._KERAS_VERSION
# HDF5 keeps attributes in the object header, which holds at most 64 KiB; longer name
# lists are split over ``name0``, ``name1``... as Keras does.
_HEADER_LIMIT = 64512

LEGACY_FORMAT_WARNING = (
    "You are saving your model as an HDF5 file via `model.save()` or "
    "`keras.saving.save_model(model)`. This file format is considered legacy. We recommend "
    "using instead the native Keras format, e.g. `model.save('my_model.keras')` or "
    "`keras.saving.save_model(model, 'my_model.keras')`. "
)


# -- Keras 2 spellings -------------------------------------------------------------------
# Constructor arguments Keras 2 wrote that Keras 3 (and lamina) no longer take, with the
# value that means "off". A different value is a feature lamina lacks: loading stops and
# says so, rather than silently computing something else.
_DROPPED_ARGUMENTS = {
    "BatchNormalization": {"fused": None, "renorm": False, "renorm_clipping": None,
                           "renorm_momentum": 0.99, "virtual_batch_size": None,
                           "adjustment": None},
    "LSTM": {"time_major": False},
    "GRU": {"time_major": False},
    "SimpleRNN": {"time_major": False},
    "RNN": {"time_major": False},
    "MultiHeadAttention": {"query_shape": "any", "key_shape": "any", "value_shape": "any"},
    "Attention": {"causal": False},
    "AdditiveAttention": {"causal": False},
    "InputLayer": {"ragged": False},
}
_RENAMED_CLASSES = {"Model": "Functional"}
_RENAMED_ARGUMENTS = {"LeakyReLU": {"alpha": "negative_slope"},
                      "InputLayer": {"batch_input_shape": "batch_shape"}}
# Keras 2's default loss reduction, "auto", is Keras 3's "sum_over_batch_size".
_KERAS2_REDUCTIONS = {"auto": "sum_over_batch_size"}


def translate_keras2_config(config):
    """Rewrite a (possibly Keras 2) model config into the Keras 3 spelling lamina reads.

    Handles: the class name ``Model``; Keras 2's node lists in Functional configs
    (``[[["input_1", 0, 0, {}]]]``); Keras 1-2.2 Sequential configs that are a bare list of
    layers; mixed-precision ``Policy`` dtypes; and the arguments in ``_DROPPED_ARGUMENTS``,
    ``_RENAMED_ARGUMENTS`` and one-element ``axis`` lists. Keras 3 configs pass through.

    Args:
        config: a ``{"class_name", "config"}`` dict (or any JSON value inside one).

    Returns:
        The translated copy.

    Raises:
        ValueError: for a Keras 2 feature with no lamina equivalent, naming the layer.
    """
    if isinstance(config, list):
        return [translate_keras2_config(c) for c in config]
    if not isinstance(config, dict):
        return config
    if "class_name" not in config or not isinstance(config.get("config"), (dict, list)):
        return {k: translate_keras2_config(v) for k, v in config.items()}
    out = dict(config)
    name = _RENAMED_CLASSES.get(config["class_name"], config["class_name"])
    out["class_name"] = name
    if name in ("Policy", "DTypePolicy") and isinstance(config["config"], dict) and \
            "module" not in config:
        return config["config"].get("name", "float32")
    inner = config["config"]
    if name == "Sequential" and isinstance(inner, list):
        inner = {"name": config.get("name", "sequential"), "layers": inner}
    inner = {k: translate_keras2_config(v) for k, v in inner.items()}
    for old, new in _RENAMED_ARGUMENTS.get(name, {}).items():
        if old in inner:
            value = inner.pop(old)
            inner.setdefault(new, value)
    layer_name = inner.get("name", name)
    for key, default in _DROPPED_ARGUMENTS.get(name, {}).items():
        if key in inner:
            value = inner.pop(key)
            if value not in (default, None) and not (key.endswith("_shape") or
                                                   key == "fused"):
                raise ValueError(
                    f"Layer {layer_name!r} ({name}) was saved with the Keras 2 argument "
                    f"{key}={value!r}, which Keras 3 and lamina do not support. Rebuild the "
                    "model without it and load its weights with model.load_weights(...)."
                )
    if isinstance(inner.get("axis"), list) and len(inner["axis"]) == 1 and name in (
            "BatchNormalization",):
        inner["axis"] = inner["axis"][0]
    if isinstance(inner.get("dtype"), dict) and inner["dtype"].get("class_name") == "Policy":
        inner["dtype"] = inner["dtype"]["config"]["name"]
    if name in ("Functional",) or "input_layers" in inner:
        _translate_nodes(inner)
    out["config"] = inner
    if "inbound_nodes" in config:
        out["inbound_nodes"] = _translate_node_list(config["inbound_nodes"])
    return out


def _is_keras2_history(value):
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _tensor_ref(history):
    return {"class_name": "__keras_tensor__",
            "config": {"keras_history": [history[0], history[1], history[2]]}}


def _kwargs_refs(value):
    if _is_keras2_history(value) and len(value) == 3:
        return _tensor_ref(value)
    if isinstance(value, dict):
        return {k: _kwargs_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_kwargs_refs(v) for v in value]
    return value


def _translate_node_list(nodes):
    """Keras 2 ``[[[layer, node, tensor, kwargs], ...], ...]`` to ``[{"args", "kwargs"}]``."""
    out = []
    for node in nodes or []:
        if isinstance(node, dict):  # already Keras 3
            out.append(node)
            continue
        entries = [e for e in node if _is_keras2_history(e)]
        kwargs = {}
        for entry in entries:
            if len(entry) == 4 and isinstance(entry[3], dict):
                kwargs.update(_kwargs_refs(entry[3]))
        tensors = [_tensor_ref(e) for e in entries]
        args = [tensors[0]] if len(tensors) == 1 else [tensors]
        out.append({"args": args, "kwargs": kwargs})
    return out


def _translate_nodes(inner):
    for entry in inner.get("layers", []):
        if isinstance(entry, dict) and "inbound_nodes" in entry:
            entry["inbound_nodes"] = _translate_node_list(entry["inbound_nodes"])


def _translate_training_config(training, output_count=None):
    """A Keras 2 / Keras 3 legacy ``training_config`` as a Keras 3 ``compile_config``.

    Keras 2 wrote metrics as one list per output, ``[["mae"]]`` even for a single output;
    for a one-output model that list is unwrapped.
    """

    def objective(spec):
        if isinstance(spec, list):
            return [objective(s) for s in spec]
        if isinstance(spec, dict) and "class_name" in spec:
            inner = dict(spec.get("config") or {})
            if spec["class_name"] == "MeanMetricWrapper" and isinstance(inner.get("fn"), str):
                return inner["fn"]
            if inner.get("reduction") in _KERAS2_REDUCTIONS:
                inner["reduction"] = _KERAS2_REDUCTIONS[inner["reduction"]]
            return {**spec, "config": inner}
        if isinstance(spec, dict):
            return {k: objective(v) for k, v in spec.items()}
        return spec

    def per_output(spec):
        if output_count == 1 and isinstance(spec, list) and len(spec) == 1 and \
                isinstance(spec[0], list):
            return spec[0]
        return spec

    optimizer = training.get("optimizer_config") or "rmsprop"
    if isinstance(optimizer, dict):
        name = optimizer.get("class_name", "")
        optimizer = {**optimizer, "class_name": name.split(">")[-1]}
    return {
        "optimizer": optimizer,
        "loss": objective(training.get("loss")),
        "loss_weights": training.get("loss_weights"),
        "metrics": per_output(objective(training.get("metrics"))),
        "weighted_metrics": per_output(objective(training.get("weighted_metrics"))),
        "run_eagerly": training.get("run_eagerly", False),
        "steps_per_execution": training.get("steps_per_execution", 1),
        "jit_compile": training.get("jit_compile", "auto"),
    }


# -- attributes --------------------------------------------------------------------------
def _text(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    return str(value)


def _read_names(group, name):
    """A list-of-names attribute, joined from ``name0``, ``name1``... when split."""
    if name in group.attrs:
        values = group.attrs[name]
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
        if not chunk:
            return None
    return [_text(v) for v in np.atleast_1d(np.asarray(values, dtype=object)) if _text(v)]


def _write_names(group, name, names):
    data = np.asarray([n.encode("utf-8") for n in names], dtype="S") if names else \
        np.zeros((0,), dtype="S1")
    if data.nbytes <= _HEADER_LIMIT:
        group.attrs[name] = data
        return
    chunks = int(np.ceil(data.nbytes / _HEADER_LIMIT))
    for i, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{i}"] = part


def _json_attr(f, name, filepath):
    if name not in f.attrs:
        return None
    raw = f.attrs[name]
    try:
        return json.loads(_text(raw))
    except ValueError as error:
        raise ValueError(f"{filepath!r}: the {name!r} attribute is not valid JSON ({error}).") \
            from None


def _open(filepath, what):
    import h5py

    if not os.path.exists(filepath):
        raise FileNotFoundError(f"{what}: no such file {filepath!r}.")
    try:
        f = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(
            f"{what}: {filepath!r} is not a valid HDF5 file ({error}). Legacy `.h5` files are "
            "written by Keras's model.save('name.h5')."
        ) from None
    try:
        safe_loading.check_h5_file(f, filepath)  # links and data from other files
    except BaseException:
        f.close()
        raise
    return f


# -- loading -----------------------------------------------------------------------------
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a legacy HDF5 model file (Keras 2 or Keras 3 ``model.save("m.h5")``).

    Args:
        filepath: the ``.h5`` file.
        custom_objects: dict name -> class or function for custom objects.
        compile: whether to compile with the saved ``training_config`` (a configuration
            lamina cannot rebuild gives a warning and an uncompiled model).
        safe_mode: refuse Lambda layers stored as code.

    Returns:
        The model with its weights (and optimizer state where it matches).

    Example:
        >>> model = lamina.models.load_model("keras2_model.h5")
    """
    filepath = os.fspath(filepath)
    with _open(filepath, "load_model") as f:
        config = _json_attr(f, "model_config", filepath)
        if config is None:
            raise ValueError(
                f"{filepath!r} holds no model configuration (no `model_config` attribute): "
                "it is a weights-only file. Build the model in code, then call "
                "model.load_weights(filepath)."
            )
        safe_loading.check_config(config, filepath)  # nesting depth, input shapes
        config = translate_keras2_config(config)
        model = keras_archive.model_from_config(
            config, custom_objects=custom_objects, compile=False, safe_mode=safe_mode,
            source=f"{filepath!r} (model_config)")
        weights = f["model_weights"] if "model_weights" in f else f
        load_weights_from_group(weights, model, filepath)
        training = _json_attr(f, "training_config", filepath)
        if compile and training:
            try:
                keras_archive.compile_from_config(
                    model, _translate_training_config(training, len(model.outputs)),
                    custom_objects)
            except (ValueError, TypeError, KeyError) as error:
                warnings.warn(
                    f"{filepath!r}: the saved training configuration could not be restored "
                    f"({error}). The model is returned uncompiled; call model.compile(...) "
                    "before training.", stacklevel=2)
                return model
            if "optimizer_weights" in f:
                _load_optimizer_weights(f["optimizer_weights"], model, filepath)
    return model


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load a legacy ``.h5`` weights (or model) file into ``model``.

    Args:
        model: the built model.
        filepath: a file from Keras 2's ``save_weights("w.h5")`` or any ``save("m.h5")``.
        by_name: match saved layers to the model's layers by name (layers the file lacks
            keep their weights); otherwise by order of the layers that have weights.
        skip_mismatch: skip layers whose weight count or shapes differ (with a warning)
            instead of raising. (A different number of layers is always an error without
            ``by_name``.)

    Example:
        >>> model.load_weights("keras2_weights.h5", by_name=True, skip_mismatch=True)
    """
    filepath = os.fspath(filepath)
    with _open(filepath, "load_weights") as f:
        group = f["model_weights"] if "model_weights" in f else f
        load_weights_from_group(group, model, filepath, by_name=by_name,
                                skip_mismatch=skip_mismatch)


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _saved_layers(group, filepath):
    import h5py

    names = _read_names(group, "layer_names")
    if names is None:
        raise ValueError(
            f"{filepath!r} is not a legacy Keras weights file: it has no `layer_names` "
            "attribute. Files written by model.save_weights('name.weights.h5') are read by "
            "the same call with that suffix."
        )
    saved = []
    for name in names:
        if name not in group or not isinstance(group[name], h5py.Group):
            raise ValueError(f"{filepath!r}: layer {name!r} is listed but has no group.")
        layer_group = group[name]
        weight_names = _read_names(layer_group, "weight_names") or []
        where = f"{filepath!r}: layer {name!r}"
        datasets = [(weight_name, safe_loading.dataset(layer_group, weight_name, where))
                    for weight_name in weight_names]
        saved.append((name, datasets))
    return saved


def _top_level_datasets(group, filepath):
    """The model's own weights (Keras 3 writes them outside ``layer_names``)."""
    import h5py

    top = group.get("top_level_model_weights")
    if not isinstance(top, h5py.Group):
        return []
    where = f"{filepath!r}: the model's own weights"
    return [(name, safe_loading.dataset(top, name, where))
            for name in _read_names(top, "weight_names") or []]


def load_weights_from_group(group, model, filepath, by_name=False, skip_mismatch=False):
    """Assign ``model``'s weights from an open legacy weights group (checked first)."""
    saved = [(n, d) for n, d in _saved_layers(group, filepath) if d]
    plan = []
    if by_name:
        index = {}
        for layer in model.layers:
            index.setdefault(layer.name, []).append(layer)
        for name, datasets in saved:
            for layer in index.get(name, []):
                plan.extend(_plan(layer, datasets, filepath, skip_mismatch))
    else:
        layers = [layer for layer in model.layers if _legacy_weights(layer)]
        top = saved
        if len(top) != len(layers):
            raise ValueError(
                f"Layer count mismatch loading {filepath!r}: the model has {len(layers)} "
                f"layers with weights ({[layer.name for layer in layers]}) but the file holds "
                f"{len(top)} ({[n for n, _ in top]}). Load with by_name=True to match layers "
                "by name."
            )
        for layer, (_, datasets) in zip(layers, top):
            plan.extend(_plan(layer, datasets, filepath, skip_mismatch))
    own = _top_level_datasets(group, filepath)
    if own:
        model_own = list(model._trainable_variables) + list(model._non_trainable_variables)
        plan.extend(_plan(model, own, filepath, skip_mismatch, variables=model_own))
    for variable, value in plan:
        variable.assign(value)


def _plan(layer, datasets, filepath, skip_mismatch, variables=None):
    variables = _legacy_weights(layer) if variables is None else variables
    if len(variables) != len(datasets):
        return _mismatch(
            f"Layer {layer.name!r} expects {len(variables)} weights "
            f"({[v.name for v in variables]}), but the file {filepath!r} holds "
            f"{len(datasets)} for it ({[n for n, _ in datasets]}).", skip_mismatch)
    plan = []
    for variable, (weight_name, dataset) in zip(variables, datasets):
        if tuple(dataset.shape) != tuple(variable.shape):
            return _mismatch(
                f"Layer {layer.name!r}: weight {variable.name!r} has shape "
                f"{tuple(variable.shape)}, but the file {filepath!r} holds shape "
                f"{tuple(dataset.shape)} ({weight_name!r}).", skip_mismatch)
        plan.append((variable, weights_h5._as_dtype(np.asarray(dataset[()]), variable)))
    return plan


def _mismatch(message, skip_mismatch):
    if not skip_mismatch:
        raise ValueError(message + " Pass skip_mismatch=True to skip such layers.")
    warnings.warn(f"Skipping weight loading: {message}", stacklevel=5)
    return []


def _load_optimizer_weights(group, model, filepath):
    optimizer = model.optimizer
    names = _read_names(group, "weight_names") or []
    if not names:
        return
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    variables = optimizer.variables
    where = f"{filepath!r}: optimizer weights"
    shapes_match = len(variables) == len(names) and all(
        tuple(safe_loading.dataset(group, n, where).shape) == tuple(v.shape)
        for n, v in zip(names, variables))
    if not shapes_match:
        warnings.warn(
            f"{filepath!r}: the saved optimizer state ({len(names)} variables) does not match "
            f"optimizer {optimizer.name!r} ({len(variables)} variables), probably because it "
            "was written by Keras 2's optimizer. The weights are loaded; the optimizer starts "
            "afresh.", stacklevel=3)
        return
    for variable, name in zip(variables, names):
        variable.assign(weights_h5._as_dtype(np.asarray(group[name][()]), variable))


# -- saving ------------------------------------------------------------------------------
def _weight_names(layer):
    """``{id(variable): "layer/sublayer/.../name"}`` for a top-level layer, as Keras paths."""
    names = {}

    def visit(owner, prefix, seen):
        if id(owner) in seen:
            return
        seen.add(id(owner))
        for variable in list(owner._trainable_variables) + list(owner._non_trainable_variables):
            names.setdefault(id(variable), f"{prefix}/{variable.name}")
        for sub in owner._layers:
            visit(sub, f"{prefix}/{sub.name}", seen)

    visit(layer, layer.name, set())
    return names


def _unique_names(names):
    used, out = set(), []
    for name in names:
        candidate, i = name, 1
        while candidate in used:
            candidate, i = f"{name}_{i}", i + 1
        used.add(candidate)
        out.append(candidate)
    return out


def _write_layer(group, layer, variables, names_of):
    names = _unique_names([names_of.get(id(v), f"{layer.name}/{v.name}") for v in variables])
    _write_names(group, "weight_names", names)
    for name, variable in zip(names, variables):
        group.create_dataset(name, data=np.asarray(variable.numpy()))


def save_model(model, filepath, include_optimizer=True):
    """Write ``model`` to a legacy HDF5 file (atomically), with Keras's legacy warning.

    Args:
        model: the model.
        filepath: the ``.h5`` path.
        include_optimizer: whether to store the optimizer's state of a compiled model.

    Example:
        >>> save_model(model, "model.h5")
    """
    import h5py

    from lamina import backend

    warnings.warn(LEGACY_FORMAT_WARNING, UserWarning, stacklevel=3)
    filepath = os.fspath(filepath)
    config = keras_archive.model_config(model)
    model_config = {"class_name": config["class_name"], "config": config["config"]}
    compiled = config.get("compile_config")

    def write(path):
        with h5py.File(path, "w") as f:
            f.attrs["backend"] = backend.backend()
            f.attrs["keras_version"] = _KERAS_VERSION
            f.attrs["model_config"] = json.dumps(model_config,
                                                 default=keras_archive._json_default)
            weights = f.create_group("model_weights")
            weights.attrs["backend"] = backend.backend()
            weights.attrs["keras_version"] = _KERAS_VERSION
            layers = list(model.layers)
            _write_names(weights, "layer_names", [layer.name for layer in layers])
            for layer in layers:
                _write_layer(weights.create_group(layer.name), layer, _legacy_weights(layer),
                             _weight_names(layer))
            own = list(model._trainable_variables) + list(model._non_trainable_variables)
            _write_layer(weights.create_group("top_level_model_weights"), model, own,
                         _weight_names(model))
            if compiled is None or not include_optimizer:
                return
            training = {k: v for k, v in compiled.items() if k != "optimizer"}
            training["optimizer_config"] = {"class_name": compiled["optimizer"]["class_name"],
                                            "config": compiled["optimizer"]["config"]}
            f.attrs["training_config"] = json.dumps(training,
                                                    default=keras_archive._json_default)
            optimizer = model.optimizer
            if optimizer is not None and optimizer.built:
                group = f.create_group("optimizer_weights")
                variables = optimizer.variables
                names = _unique_names([str(getattr(v, "path", None) or v.name)
                                       for v in variables])
                _write_names(group, "weight_names", names)
                for name, variable in zip(names, variables):
                    group.create_dataset(name, data=np.asarray(variable.numpy()))

    weights_h5.atomic_write(filepath, write)

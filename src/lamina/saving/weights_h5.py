"""``.weights.h5`` files, laid out as Keras 3 lays them out.

Each saveable object (a layer, a model, the optimizer) is an HDF5 group holding a ``vars``
group with its own variables as datasets ``"0"``, ``"1"``, ... in creation order (trainable
first). Its children are sub-groups: a Sequential or Functional model's layers sit under
``layers/<snake_case_class_name>`` (``dense``, ``dense_1``, ...); another layer's sublayers
sit under the attribute name that holds them. Writes are atomic: a temporary file in the
same folder is renamed over the target.
"""

import os
import tempfile

import numpy as np

from lamina.layers.layer import Layer
from lamina.layers.layer import to_snake_case

# Attributes that are never walked for children (views of other state, or not saved).
_SKIPPED_ATTRIBUTES = frozenset({
    "_explicit_layers", "_stack", "_input_layer", "_nodes", "_inbound_nodes",
    "_compile_loss", "_compile_metrics", "_loss_tracker", "_step_functions", "history",
    "optimizer", "_output_tensor", "_inputs_struct", "_outputs_struct", "_input_tensors",
    "_output_tensors", "_torch_params",
})


def _is_graph_model(layer):
    return type(layer).__name__ in ("Sequential", "Functional") or hasattr(layer, "_nodes")


def _own_variables(layer):
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _children(layer):
    """``(path, layer)`` pairs of the sublayers saved under ``layer``'s group."""
    if _is_graph_model(layer):
        return _container("layers", layer.layers)
    pairs = []
    names = [n for n in layer._tracked_names if n not in _SKIPPED_ATTRIBUTES]
    for name in sorted(set(names)):
        value = getattr(layer, name, None)
        if isinstance(value, Layer):
            pairs.append((name, value))
        elif isinstance(value, (list, tuple)):
            pairs.extend(_container(name, [v for v in value if isinstance(v, Layer)]))
        elif isinstance(value, dict):
            pairs.extend(_container(name, [v for v in value.values() if isinstance(v, Layer)]))
    return pairs


def _container(prefix, layers):
    used, pairs = {}, []
    for layer in layers:
        base = to_snake_case(type(layer).__name__)
        count = used.get(base, 0)
        used[base] = count + 1
        name = base if count == 0 else f"{base}_{count}"
        pairs.append((f"{prefix}/{name}", layer))
    return pairs


def _walk(layer, path="", visited=None):
    """Yield ``(group path, object name, own variables)`` for ``layer`` and its children."""
    visited = set() if visited is None else visited
    if id(layer) in visited:
        return
    visited.add(id(layer))
    yield path, layer.name, _own_variables(layer)
    for child_path, child in _children(layer):
        yield from _walk(child, f"{path}/{child_path}" if path else child_path, visited)


def write_groups(h5file, model, optimizer=None):
    """Write the variables of ``model`` (and ``optimizer``) into an open HDF5 file."""
    for path, name, variables in _walk(model):
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = name
        for i, variable in enumerate(variables):
            group.create_dataset(str(i), data=variable.numpy())
    if optimizer is not None and getattr(optimizer, "variables", None):
        group = h5file.require_group("optimizer/vars")
        group.attrs["name"] = getattr(optimizer, "name", "optimizer")
        for i, variable in enumerate(optimizer.variables):
            group.create_dataset(str(i), data=variable.numpy())


def read_groups(h5file, model, filepath, skip_mismatch=False):
    """Assign the variables of ``model`` from an open HDF5 file written as above."""
    for path, name, variables in _walk(model):
        key = f"{path}/vars" if path else "vars"
        if not variables:
            continue
        if key not in h5file:
            if skip_mismatch:
                continue
            raise ValueError(
                f"The weights file {filepath!r} has no weights for layer {name!r} (group "
                f"{key!r}). It was probably saved from a different model architecture."
            )
        group = h5file[key]
        if len(group) != len(variables):
            if skip_mismatch:
                continue
            raise ValueError(
                f"Layer {name!r} expects {len(variables)} weights, but the file "
                f"{filepath!r} holds {len(group)} for it (group {key!r})."
            )
        for i, variable in enumerate(variables):
            value = np.asarray(group[str(i)])
            if tuple(value.shape) != tuple(variable.shape):
                if skip_mismatch:
                    continue
                raise ValueError(
                    f"Layer {name!r}: weight {variable.name!r} has shape {variable.shape}, "
                    f"but the file {filepath!r} holds shape {tuple(value.shape)}."
                )
            variable.assign(value)


def read_optimizer(h5file, optimizer):
    """Assign the optimizer's variables from the file (when both have them)."""
    if "optimizer/vars" not in h5file or not optimizer.variables:
        return False
    group = h5file["optimizer/vars"]
    if len(group) != len(optimizer.variables):
        return False
    for i, variable in enumerate(optimizer.variables):
        variable.assign(np.asarray(group[str(i)]))
    return True


def atomic_write(filepath, write):
    """Call ``write(tmp_path)``, then rename the temporary file over ``filepath``."""
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    handle, tmp_path = tempfile.mkstemp(dir=folder, prefix=".lamina-", suffix=".tmp")
    os.close(handle)
    try:
        write(tmp_path)
        os.replace(tmp_path, filepath)
    finally:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights to a ``.weights.h5`` file (atomically)."""
    import h5py

    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"save_weights: the file name must end in `.weights.h5`, got {filepath!r}."
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath!r} exists and overwrite=False.")

    def write(path):
        with h5py.File(path, "w") as f:
            write_groups(f, model)

    atomic_write(filepath, write)


def load_weights(model, filepath, skip_mismatch=False):
    """Read weights saved by :func:`save_weights` (or Keras 3) into ``model``."""
    import h5py

    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from lamina.saving import keras_archive

        return keras_archive.load_weights_from_archive(model, filepath, skip_mismatch)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"load_weights: expected a `.weights.h5` or `.keras` file, got {filepath!r}."
        )
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_weights: no such file {filepath!r}.")
    try:
        f = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(
            f"load_weights: {filepath!r} is not a readable HDF5 weights file ({error})."
        ) from None
    with f:
        read_groups(f, model, filepath, skip_mismatch)

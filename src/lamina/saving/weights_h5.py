"""``.weights.h5`` files, laid out as Keras 3 lays them out.

Every saveable object (a layer, a model, the optimizer) is an HDF5 group holding a ``vars``
group: its own variables as datasets ``"0"``, ``"1"``, ... in creation order (trainable
first), and its name in the ``name`` attribute. Where an object's group sits is decided the
way Keras 3 decides it, by walking attributes from the model down:

1. A Sequential or Functional model's layers come first, under ``layers``.
2. Then the object's attributes by name, public names (``layers`` and ``optimizer`` of a
   model included) before private ones (``_name``), each sorted.
3. A layer (or optimizer) held by an attribute sits under the attribute's name; a list,
   tuple or dict of them sits under the attribute's name, each element named after its
   class in snake case, numbered from the second on (``dense``, ``dense_1``...). A nested
   container is named ``container``, ``container_1``...
4. An object reached twice is saved once, at the first path that reaches it.

Writes are atomic: a temporary file in the same folder is renamed over the target. Loads
check every group and shape before assigning anything, so a bad file leaves the model as
it was.
"""

import os
import tempfile
import warnings

import numpy as np

from lamina.layers.layer import Layer
from lamina.layers.layer import to_snake_case
from lamina.saving import safe_loading

# Attributes lamina's own base classes (Layer, Model, Sequential, Functional, the trainer)
# set: internal views of state saved elsewhere, never walked (Keras skips its base classes'
# attributes the same way).
_FRAMEWORK_ATTRIBUTES = frozenset({
    "_build_input_shape", "_compile_args", "_compile_loss", "_compile_metrics",
    "_explicit_layers", "_inbound_nodes", "_init_args", "_input_layer", "_input_shape_arg",
    "_input_tensors", "_inputs_struct", "_loss_tracker", "_losses", "_nodes",
    "_non_trainable_variables", "_output_mask", "_output_masks", "_output_tensor",
    "_output_tensors", "_outputs_struct", "_seed_generators", "_stack", "_step_functions",
    "_torch_params", "_tracked_names", "_trainable_variables", "history", "input_spec",
})

_NOT_H5 = (
    "{what}: {filepath!r} is not a readable HDF5 file ({error}). Expected a file written by "
    "`model.save_weights('name.weights.h5')` (lamina or Keras 3)."
)


def _optimizer_class():
    from lamina.optimizers.optimizer import Optimizer

    return Optimizer


def _is_saveable(value):
    return isinstance(value, (Layer, _optimizer_class()))


def _is_graph_model(obj):
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    return isinstance(obj, (Functional, Sequential))


def _framework_classes():
    """Classes whose properties are lamina internals, not a user's sublayers."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    return set(Functional.__mro__) | set(Sequential.__mro__)


def _attribute_names(obj):
    """The attribute names Keras would walk on ``obj``, in its order (public first)."""
    from lamina.models.model import Model

    if not isinstance(obj, Layer):
        return []
    names = set(obj._tracked_names)
    framework = _framework_classes()
    for cls in type(obj).__mro__:
        if cls not in framework:
            names.update(n for n, v in vars(cls).items() if isinstance(v, property))
    if isinstance(obj, Model):
        # Keras walks a model's ``layers`` property and its ``optimizer`` attribute.
        names.update(("layers", "optimizer"))
    names = [n for n in names if not n.startswith("__") and n not in _FRAMEWORK_ATTRIBUTES]
    return sorted(names, key=lambda n: (n.startswith("_"), n))


def _children(obj):
    """``(attribute name, value)`` pairs below ``obj``: saveables and containers."""
    if _is_graph_model(obj):
        yield "layers", obj.layers
    for name in _attribute_names(obj):
        try:
            value = getattr(obj, name)
        except Exception:  # a property that cannot be computed holds nothing to save
            continue
        if value is not obj and (_is_saveable(value) or isinstance(value, (list, tuple, dict))):
            yield name, value


def _join(path, name):
    return f"{path}/{name}" if path else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _walk(obj, path="", visited=None):
    """Yield ``(group path, object)`` for ``obj`` and every saveable below it, each once."""
    visited = set() if visited is None else visited
    if id(obj) in visited:
        return
    visited.add(id(obj))
    yield path, obj
    for name, value in _children(obj):
        if _is_saveable(value):
            yield from _walk(value, _join(path, name), visited)
        else:
            yield from _walk_container(value, _join(path, name), visited, set())


def _walk_container(container, path, visited, seen_containers):
    if id(container) in seen_containers:
        return
    seen_containers.add(id(container))
    items = list(container.values()) if isinstance(container, dict) else list(container)
    used = {}
    for item in items:
        if _is_saveable(item):
            name = _unique(to_snake_case(type(item).__name__), used)
            yield from _walk(item, _join(path, name), visited)
        elif isinstance(item, (list, tuple, dict)):
            name = _unique("container", used)
            yield from _walk_container(item, _join(path, name), visited, seen_containers)


def weight_paths(model):
    """``{group path: object}`` for every saveable in ``model``, as files lay them out.

    Example:
        >>> sorted(weight_paths(model))
        ['', 'layers/dense', 'layers/dense_1']
    """
    return dict(_walk(model))


def _own_variables(obj):
    if isinstance(obj, _optimizer_class()):
        return list(obj.variables)
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def _variables_in_file(obj):
    """The variables a weights file holds for ``obj``, in order: its own, or fewer where the
    layer says so (a LoRA layer: the kernel, which the file holds merged, and the bias)."""
    hook = getattr(obj, "_variables_in_weights_file", None)
    variables = hook() if hook is not None else None
    return _own_variables(obj) if variables is None else variables


def _values_for_file(obj):
    hook = getattr(obj, "_values_for_weights_file", None)
    values = hook() if hook is not None else None
    if values is None:
        values = [variable.numpy() for variable in _own_variables(obj)]
    return values


def _has_custom_hook(obj, hook):
    """Whether a user's class defines Keras's ``save_own_variables`` / ``load_own_variables``."""
    return isinstance(obj, Layer) and callable(getattr(type(obj), hook, None))


class _Store:
    """The ``vars`` group of one object, as the dict-like store Keras's hooks receive."""

    def __init__(self, group, where):
        self._group = group
        self._where = where

    def __setitem__(self, key, value):
        self._group.create_dataset(str(key), data=np.asarray(value))

    def __getitem__(self, key):
        return _read_dataset(self._group, str(key), self._where)

    def __contains__(self, key):
        return str(key) in self._group

    def __len__(self):
        return len(self._group)

    def keys(self):
        """The dataset names, as Keras's store gives them."""
        return list(self._group.keys())


def _read_dataset(group, key, where, shape=None):
    # Refuses missing entries, links, data from other files and non-numbers (safe_loading).
    dataset = safe_loading.dataset(group, key, where)
    if shape is not None and tuple(dataset.shape) != tuple(shape):
        return None
    try:
        return np.asarray(dataset[()])
    except (OSError, ValueError, TypeError) as error:
        raise ValueError(f"{where}: dataset {dataset.name!r} cannot be read ({error}).") \
            from None


# -- writing -----------------------------------------------------------------------------
def write_groups(h5file, model):
    """Write the variables of ``model`` (its optimizer included) into an open HDF5 file."""
    for path, obj in _walk(model):
        group = h5file.require_group(_join(path, "vars"))
        group.attrs["name"] = str(getattr(obj, "name", "") or "")
        if _has_custom_hook(obj, "save_own_variables"):
            obj.save_own_variables(_Store(group, obj.name))
            continue
        for i, value in enumerate(_values_for_file(obj)):
            group.create_dataset(str(i), data=np.asarray(value))


def atomic_write(filepath, write):
    """Call ``write(tmp_path)``, then rename the temporary file over ``filepath``.

    A crash during ``write`` leaves ``filepath`` as it was, and no temporary file behind.
    """
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


# -- reading -----------------------------------------------------------------------------
def _as_dtype(value, variable):
    dtype = getattr(variable, "dtype", None)
    if dtype is not None and str(value.dtype) != str(dtype):
        try:
            return value.astype(str(dtype))
        except TypeError:  # a dtype NumPy does not know (bfloat16): the backend casts it
            return value
    return value


def _plan_layer(h5file, path, obj, filepath, skip_mismatch):
    """``[(variable, array)]`` to assign for one layer, after checking the file."""
    key = _join(path, "vars")
    variables = _variables_in_file(obj)
    label = f"Layer {obj.name!r} (group {key!r})"
    if key not in h5file:
        if not variables:
            return []
        message = (
            f"{label}: the weights file {filepath!r} has no weights for it; the layer has "
            f"{len(variables)} ({', '.join(v.name for v in variables)}). The file was "
            "probably saved from a different model architecture."
        )
        return _mismatch(message, skip_mismatch)
    group = h5file[key]
    if len(group) != len(variables):
        if not variables and not getattr(obj, "built", True):
            hint = ("The layer is not built yet, so it has no weights: call the model on a "
                    "batch of data (or model.build(input_shape)) before loading.")
        else:
            hint = "The file was probably saved from a different model architecture."
        message = (
            f"{label} expects {len(variables)} weights "
            f"({', '.join(v.name for v in variables) or 'none'}), but the file {filepath!r} "
            f"holds {len(group)} for it. {hint}"
        )
        return _mismatch(message, skip_mismatch)
    plan = []
    for i, variable in enumerate(variables):
        value = _read_dataset(group, str(i), label, shape=variable.shape)
        if value is None:
            message = (
                f"{label}: weight {variable.name!r} has shape {tuple(variable.shape)}, but "
                f"the file {filepath!r} holds shape {tuple(group[str(i)].shape)} for it. "
                "Build the model with the same layer sizes as the saved one."
            )
            return _mismatch(message, skip_mismatch)
        plan.append((variable, _as_dtype(value, variable)))
    return plan


def _mismatch(message, skip_mismatch):
    if not skip_mismatch:
        raise ValueError(message)
    warnings.warn(f"Skipping weight loading: {message}", stacklevel=4)
    return []


def _plan_optimizer(h5file, path, optimizer, model, filepath):
    """The optimizer's ``[(variable, array)]``, or ``[]`` with a warning when they differ."""
    key = _join(path, "vars")
    if key not in h5file:
        return []
    group = h5file[key]
    if not optimizer.built and len(group) > len(optimizer.variables) and model.built:
        # The file holds the optimizer's slots: create them so training resumes from them.
        optimizer.build(model.trainable_variables)
    variables = optimizer.variables
    problem = None
    if len(group) != len(variables):
        problem = f"it has {len(variables)} variables but the file holds {len(group)}"
    else:
        plan = []
        for i, variable in enumerate(variables):
            value = _read_dataset(group, str(i), f"Optimizer {optimizer.name!r}",
                                  shape=variable.shape)
            if value is None:
                problem = (f"variable {i} ({variable.name!r}) has shape "
                           f"{tuple(variable.shape)} but the file holds "
                           f"{tuple(group[str(i)].shape)}")
                break
            plan.append((variable, _as_dtype(value, variable)))
    if problem is not None:
        warnings.warn(
            f"Skipping the optimizer state in {filepath!r} for optimizer {optimizer.name!r}: "
            f"{problem}. The model weights are loaded; training restarts the optimizer's "
            "state. Compile with the optimizer the file was saved with to restore it.",
            stacklevel=4,
        )
        return []
    return plan


def read_groups(h5file, model, filepath, skip_mismatch=False):
    """Assign ``model``'s variables (and its optimizer's) from an open HDF5 file.

    Everything is checked first and assigned after, so an error leaves the model unchanged.

    Raises:
        ValueError: a group is missing, or a weight count or shape differs (naming the layer
            and weight), unless ``skip_mismatch`` (then that layer is skipped with a warning).
    """
    plan, custom, loaded = [], [], []
    for path, obj in _walk(model):
        if isinstance(obj, _optimizer_class()):
            plan.extend(_plan_optimizer(h5file, path, obj, model, filepath))
        elif _has_custom_hook(obj, "load_own_variables"):
            key = _join(path, "vars")
            if key in h5file:
                custom.append((obj, _Store(h5file[key], f"Layer {obj.name!r}")))
        else:
            entries = _plan_layer(h5file, path, obj, filepath, skip_mismatch)
            if entries:
                loaded.append(obj)
            plan.extend(entries)
    for variable, value in plan:
        variable.assign(value)
    for obj in loaded:  # e.g. a LoRA layer zeroes its factors: the file's kernel is merged
        after = getattr(obj, "_after_weights_file_load", None)
        if after is not None:
            after()
    for obj, store in custom:
        obj.load_own_variables(store)


# -- files -------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights (and its optimizer's state) to a ``.weights.h5`` file.

    Args:
        model: the model.
        filepath: a path ending in ``.weights.h5``.
        overwrite: whether an existing file may be replaced.

    Example:
        >>> save_weights(model, "model.weights.h5")
    """
    import h5py

    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"save_weights: the file name must end in `.weights.h5`, got {filepath!r}. "
            "Use model.save('name.keras') to save the whole model."
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath!r} exists and overwrite=False.")

    def write(path):
        with h5py.File(path, "w") as f:
            write_groups(f, model)

    atomic_write(filepath, write)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Read weights into ``model`` from a ``.weights.h5``, ``.keras`` or legacy ``.h5`` file.

    Args:
        model: a built model.
        filepath: the file (lamina- or Keras-written).
        skip_mismatch: skip (with a warning) layers whose weights do not match.
        **kwargs: ``by_name=True`` for legacy ``.h5`` files: match layers by name.

    Raises:
        FileNotFoundError: when there is no such file.
        lamina.saving.LoadingError: (a ValueError) for any problem with the file's content.

    Example:
        >>> load_weights(model, "model.weights.h5")
    """
    filepath = os.fspath(filepath)
    by_name = kwargs.pop("by_name", False)
    if kwargs:
        raise TypeError(f"load_weights got unexpected keyword argument(s) {sorted(kwargs)}.")
    # Whatever a damaged or hostile file makes go wrong surfaces as a LoadingError.
    with safe_loading.loading_errors(filepath):
        return _load_weights(model, filepath, skip_mismatch, by_name)


def _load_weights(model, filepath, skip_mismatch, by_name):
    import h5py

    if filepath.endswith(".keras"):
        from lamina.saving import keras_archive

        _no_by_name(by_name, filepath)
        return keras_archive.load_weights_from_archive(model, filepath, skip_mismatch)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_weights: no such file {filepath!r}.")
    if not filepath.endswith(".weights.h5") and filepath.endswith((".h5", ".hdf5")):
        from lamina.saving import legacy_h5

        return legacy_h5.load_weights(model, filepath, by_name=by_name,
                                      skip_mismatch=skip_mismatch)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"load_weights: expected a `.weights.h5`, `.keras` or legacy `.h5` file, got "
            f"{filepath!r}."
        )
    _no_by_name(by_name, filepath)
    try:
        f = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(_NOT_H5.format(what="load_weights", filepath=filepath,
                                        error=error)) from None
    with f:
        safe_loading.check_h5_file(f, filepath)  # links and data from other files
        if "layer_names" in f.attrs or ("model_weights" in f and "vars" not in f):
            # A legacy file under the new suffix.
            from lamina.saving import legacy_h5

            group = f["model_weights"] if "model_weights" in f else f
            return legacy_h5.load_weights_from_group(group, model, filepath, by_name=False,
                                                     skip_mismatch=skip_mismatch)
        read_groups(f, model, filepath, skip_mismatch)


def _no_by_name(by_name, filepath):
    if by_name:
        raise ValueError(
            f"load_weights: `by_name=True` works with legacy `.h5` files only; {filepath!r} "
            "is matched by the model's structure. Drop `by_name`, or use skip_mismatch=True."
        )

"""Pretrained weights of the application models: download once, then load into the model.

Keras publishes the ImageNet weights as legacy HDF5 files (``model.save_weights("w.h5")``
in Keras 2), under the URLs each architecture module names. ``get_file`` caches them in
``~/.keras/models/`` (``$KERAS_HOME/models/``), so a cache that Keras filled is reused.
Files that name every layer as the model does are read by ``lamina.saving``'s legacy
loader, by name; the others (a few old Keras 2 spellings) are read here, layer by layer in
Keras's layer order, as Keras reads them.
"""

import os

# Where Keras publishes the application weights; each module appends its folder.
KERAS_APPLICATIONS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
# The cache subfolder Keras uses for model files.
CACHE_SUBDIR = "models"


def fetch(file_name, origin, file_hash=None):
    """Download ``origin`` into ``~/.keras/models/file_name`` (once) and return the path.

    Args:
        file_name: the file's name in the cache.
        origin: the URL.
        file_hash: the expected md5 or sha256 digest, or None (some Keras files have none).

    Returns:
        The local path.

    Example:
        >>> fetch("vgg16_notop.h5", "https://example.com/vgg16_notop.h5")
    """
    from lamina.utils import file_utils

    return file_utils.get_file(file_name, origin, cache_subdir=CACHE_SUBDIR,
                               file_hash=file_hash)


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _names(group, attribute):
    """A list-of-names attribute (long lists are split over ``name0``, ``name1``...)."""
    values = list(group.attrs.get(attribute, []))
    chunk = 0
    while f"{attribute}{chunk}" in group.attrs:
        values.extend(group.attrs[f"{attribute}{chunk}"])
        chunk += 1
    return [_text(value) for value in values]


def _saved_layer_names(filepath):
    """The layer names a legacy ``.h5`` weights file lists (empty when it lists none)."""
    import h5py

    with h5py.File(filepath, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        return set(_names(group, "layer_names"))


def _load_in_keras_order(model, filepath):
    """Assign the file's layers, in its order, to the model's layers with weights in
    Keras's order (how Keras reads these files), checking counts and shapes."""
    import h5py

    from lamina.applications import _building
    from lamina.saving import safe_loading

    layers = [layer for layer in _building.keras_layer_order(model.inputs, model.outputs)
              if layer.weights]
    with h5py.File(filepath, "r") as f:
        safe_loading.check_h5_file(f, filepath)  # no links or data from other files
        group = f["model_weights"] if "model_weights" in f else f
        saved = []
        for name in _names(group, "layer_names"):
            weight_names = _names(group[name], "weight_names")
            if weight_names:
                where = f"{filepath!r}: layer {name!r}"
                saved.append((name, [safe_loading.dataset(group[name], weight_name, where)
                                     for weight_name in weight_names]))
        if len(saved) != len(layers):
            raise ValueError(
                f"The weights file {filepath!r} holds {len(saved)} layers with weights, but "
                f"model {model.name!r} has {len(layers)}: the file belongs to another "
                "architecture or configuration. Delete it from the cache if it is damaged."
            )
        for layer, (name, datasets) in zip(layers, saved):
            shapes = [tuple(dataset.shape) for dataset in datasets]
            expected = [tuple(weight.shape) for weight in layer.weights]
            if shapes != expected:
                raise ValueError(
                    f"Layer {layer.name!r} of model {model.name!r} has weights of shapes "
                    f"{expected}, but the matching layer {name!r} of {filepath!r} holds "
                    f"{shapes}: the file belongs to another architecture or configuration."
                )
            layer.set_weights([dataset[()] for dataset in datasets])


def load_legacy_h5(model, filepath):
    """Load a Keras application weights file into ``model``.

    Layers are matched by name when the file names every layer of the model that has
    weights. Otherwise (some Keras 2 files spell a few names differently, e.g. DenseNet's
    ``conv1/conv`` for ``conv1_conv``) they are matched by position in Keras's layer order,
    which is how Keras itself reads these files; a different number of layers or a
    different shape is then an error.

    Args:
        model: the built application model.
        filepath: the ``.h5`` file.

    Example:
        >>> load_legacy_h5(model, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    """
    filepath = os.fspath(filepath)
    needed = {layer.name for layer in model.layers if layer.weights}
    if needed <= _saved_layer_names(filepath):
        model.load_weights(filepath, by_name=True)
    else:
        _load_in_keras_order(model, filepath)


def load_weights(model, weights, file_name, origin, file_hash=None):
    """Give ``model`` the weights its ``weights`` argument asks for.

    Args:
        model: the built application model.
        weights: None (keep the random initial weights), ``"imagenet"`` (download
            ``origin`` as ``file_name`` and load it), or the path of a weights file (loaded
            with ``model.load_weights``, as Keras does).
        file_name: the ImageNet file's name in the cache.
        origin: its URL.
        file_hash: its md5 or sha256 digest, or None.

    Example:
        >>> load_weights(model, "imagenet", "w.h5", "https://example.com/w.h5")
    """
    if weights is None:
        return
    if isinstance(weights, str) and weights == "imagenet":
        load_legacy_h5(model, fetch(file_name, origin, file_hash))
        return
    model.load_weights(weights)

"""The ``DataAdapter`` base class and the conversions every adapter shares.

An adapter turns one kind of user data (arrays, a generator, a ``PyDataset``, a DataLoader)
into *passes*: iterators of ``(x, y, sample_weight)`` batches whose leaves are backend
tensors. ``EpochIterator`` picks the adapter and cuts passes into epochs; it never looks at
the data itself.
"""

import numpy as np

from lamina import backend
from lamina import tree
from lamina.data import data_utils


class DataAdapter:
    """Base class: one kind of data, served as passes of ``(x, y, sample_weight)`` batches.

    Subclasses implement ``new_pass``; the rest has defaults.

    Attributes:
        is_one_shot: True when a pass cannot be restarted (a Python generator): every
            ``new_pass`` call continues the same stream.

    Example:
        >>> adapter = ArrayDataAdapter(np.zeros((10, 2)), batch_size=4)
        >>> [b[0].shape[0] for b in adapter.new_pass()]
        [4, 4, 2]
    """

    is_one_shot = False

    @property
    def num_batches(self):
        """Batches in one pass, or ``None`` when unknown (an endless or unsized source)."""
        return None

    def new_pass(self):
        """An iterator over one pass of ``(x, y, sample_weight)`` tuples of tensors."""
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement new_pass()")

    def on_epoch_begin(self):
        """Called by ``EpochIterator`` before each epoch."""

    def on_epoch_end(self):
        """Called by ``EpochIterator`` after each epoch."""


def batches_stay_on_host():
    """True when the engine takes NumPy batches best as they are (JAX: a jitted step
    moves its arguments to the device itself), so array data is not copied to a device
    buffer up front. torch wraps NumPy memory without a copy, so there it is converted.

    Also on a GPU, JAX does better with host batches: measured on an H200, gathering each
    batch from device-resident arrays with eager JAX ops (two dispatches per batch) made
    the mlp 18% and the cnn 27% slower than the host gather and the jitted step's own
    asynchronous copy."""
    return backend.backend() == "jax"


def to_tensor(value, name="x", keep_numpy=False):
    """Convert one leaf (array, tensor, array-like) to a backend tensor.

    Floats whose dtype is not floatx become floatx (so float64 NumPy data trains in float32),
    as Keras does; integers and booleans keep their dtype (JAX narrows 64-bit to 32-bit
    unless x64 is enabled).

    Args:
        value: a NumPy array, backend tensor, or anything ``np.asarray`` accepts; ``None``
            passes through.
        name: the argument this leaf came from, for error messages.
        keep_numpy: return NumPy data as a NumPy array (dtype fixed the same way)
            instead of a tensor.

    Returns:
        A backend tensor (or NumPy array), or ``None``.

    Example:
        >>> to_tensor(np.zeros((2,), "float64")).dtype  # torch.float32 / float32
    """
    if value is None:
        return None
    if backend.is_tensor(value):
        dtype = backend.standardize_dtype(value.dtype)
    else:
        if not isinstance(value, np.ndarray):
            value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(
                f"`{name}` holds an array of dtype {value.dtype} (shape {value.shape}), which "
                "cannot become a tensor. Pass numeric arrays: encode strings or objects as "
                "numbers first (e.g. with a StringLookup layer or np.asarray(..., 'float32'))."
            )
        dtype = value.dtype.name
    floatx = backend.floatx()
    target = floatx if backend.is_float_dtype(dtype) and dtype != floatx else None
    if keep_numpy and isinstance(value, np.ndarray):
        if target is None and dtype in _NARROW_ON_DEVICE:
            # The device narrows 64-bit values anyway; doing it here keeps dtypes stable.
            target = backend.standardize_dtype(backend.convert_to_tensor(value[:0]).dtype)
        return value if target is None or target == dtype else value.astype(target)
    return backend.convert_to_tensor(value, dtype=target)


_NARROW_ON_DEVICE = ("int64", "uint64", "float64", "complex128")


def structure_to_tensors(structure, name="x", keep_numpy=False):
    """Apply ``to_tensor`` to every leaf of a structure, keeping lists, tuples and dicts."""
    if structure is None:
        return None
    return tree.map_structure(lambda leaf: to_tensor(leaf, name, keep_numpy), structure)


def broadcast_sample_weight(y, sample_weight):
    """Match ``sample_weight`` to the structure of ``y``.

    A single per-sample array given with several outputs is shared by every output, as in
    Keras; a structure must match ``y``'s structure.

    Example:
        >>> broadcast_sample_weight([y1, y2], w)
        [w, w]
    """
    if sample_weight is None or y is None or not tree.is_nested(y):
        return sample_weight
    if tree.is_nested(sample_weight):
        same_kind = isinstance(y, dict) == isinstance(sample_weight, dict)
        if not same_kind or len(tree.flatten(sample_weight)) != len(tree.flatten(y)):
            raise ValueError(
                "Provide one `sample_weight` array per output in `y`, in the same structure "
                f"(list or dict) as `y`. Received y with {len(tree.flatten(y))} outputs "
                f"({type(y).__name__}) and sample_weight as a {type(sample_weight).__name__} "
                f"of {len(tree.flatten(sample_weight))} arrays."
            )
        return sample_weight
    shape = tuple(sample_weight.shape)
    if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
        raise ValueError(
            "With several outputs, a single `sample_weight` array must hold one weight per "
            f"sample (shape (samples,)); received shape {shape}. To weight each output "
            "differently, pass one `sample_weight` array per output."
        )
    return tree.map_structure(lambda _: sample_weight, y)


def apply_class_weight(y, sample_weight, class_weight):
    """Fold ``class_weight`` into ``sample_weight`` (NumPy / tensor structures in, same out).

    The class weights multiply any ``sample_weight`` already given (as tf.keras 2 did;
    Keras 3 refuses the combination).

    Args:
        y: the targets of a single-output model.
        sample_weight: per-sample weights or ``None``.
        class_weight: a checked dict class index -> weight, or ``None``.

    Returns:
        The new sample weights (a NumPy array unless ``class_weight`` is None).

    Example:
        >>> apply_class_weight(np.array([0, 1]), None, {1: 2.0})
        array([1., 2.], dtype=float32)
    """
    if class_weight is None:
        return sample_weight
    if y is None:
        raise ValueError(
            "`class_weight` needs targets to read each sample's class, but no `y` was given. "
            "Pass `y` (or have the generator / PyDataset yield `(x, y)`), or drop class_weight."
        )
    if tree.is_nested(y):
        raise ValueError(
            "`class_weight` is only supported for models with a single output, but `y` has "
            f"{len(tree.flatten(y))} outputs ({type(y).__name__}). Use per-output "
            "`sample_weight` arrays instead."
        )
    weights = data_utils.class_weight_to_sample_weights(y, class_weight)
    if sample_weight is None:
        return weights
    if tree.is_nested(sample_weight):
        raise ValueError(
            "`class_weight` with a single output needs a single `sample_weight` array, "
            f"received a {type(sample_weight).__name__}."
        )
    given = backend.convert_to_numpy(sample_weight)
    return given * weights.reshape(weights.shape + (1,) * (given.ndim - 1))


def standardize_batch(batch, source, class_weight=None):
    """Turn one batch yielded by a generator / PyDataset / loader into tensors.

    Args:
        batch: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (lists read as tuples).
        source: what produced it (``"generator"``, ``"PyDataset"``), for error messages.
        class_weight: an optional checked dict class index -> weight.

    Returns:
        ``(x, y, sample_weight)`` with backend tensors as leaves.

    Example:
        >>> standardize_batch((np.zeros((2, 3)), np.ones((2,))), "generator")[2] is None
        True
    """
    try:
        x, y, sample_weight = data_utils.unpack_x_y_sample_weight(batch)
    except ValueError as error:
        raise ValueError(
            f"The {source} produced a batch that is not `x`, `(x,)`, `(x, y)` or "
            f"`(x, y, sample_weight)`. {error}"
        ) from None
    if x is None:
        raise ValueError(f"The {source} produced a batch whose inputs `x` are None.")
    sample_weight = broadcast_sample_weight(y, apply_class_weight(y, sample_weight, class_weight))
    return (
        structure_to_tensors(x, "x"),
        structure_to_tensors(y, "y"),
        structure_to_tensors(sample_weight, "sample_weight"),
    )

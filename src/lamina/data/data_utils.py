"""Helpers on ``(x, y, sample_weight)`` data: packing, counting samples, splitting, class weights.

These work on in-memory structures (arrays, tensors, and lists, tuples or dicts of them). The
classes that turn data into batches live beside this module: ``array_adapter``,
``generator_adapter``, ``py_dataset`` and ``epoch_iterator``.
"""

import math

import numpy as np

from lamina import backend
from lamina import tree

_BAD_FORMAT = (
    "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
    "found a {kind} of length {length}: {data!s:.200}"
)


def unpack_x_y_sample_weight(data):
    """Split a batch into ``(x, y, sample_weight)``, filling what is missing with ``None``.

    Meant for a custom ``train_step``: it accepts ``x``, ``(x,)``, ``(x, y)`` and
    ``(x, y, sample_weight)``. As in Keras, a *list* of length 1-3 is read like a tuple,
    so ``[x, y]`` gives ``x`` and ``y``; anything else that is not a tuple (an array, a
    dict) is ``x`` alone.

    Args:
        data: a single value, or a tuple or list of 1 to 3 elements.

    Returns:
        The tuple ``(x, y, sample_weight)``; ``y`` and ``sample_weight`` are ``None`` when
        ``data`` does not hold them.

    Raises:
        ValueError: ``data`` is a tuple or list longer than 3 (or empty).

    Example:
        >>> x, y, sw = unpack_x_y_sample_weight((np.ones((2, 3)), np.zeros((2,))))
        >>> sw is None
        True
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(_BAD_FORMAT.format(kind="tuple", length=len(data), data=data))


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Pack ``x``, ``y`` and ``sample_weight`` into the tuple form ``fit`` reads.

    ``x`` alone is returned as is, unless it is a list or tuple (several inputs), which is
    wrapped as ``(x,)`` so that unpacking does not mistake it for ``(x, y)``.

    Args:
        x: the inputs.
        y: the targets, or ``None``.
        sample_weight: the per-sample weights, or ``None``.

    Returns:
        ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

    Example:
        >>> pack_x_y_sample_weight([a, b])  # two inputs, no targets
        ([a, b],)
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def is_array_like(value):
    """True for a NumPy array, a backend tensor, or anything with ``__array__`` (pandas)."""
    if isinstance(value, (str, bytes)):
        return False
    return (
        isinstance(value, np.ndarray)
        or backend.is_tensor(value)
        or hasattr(value, "__array__")
    )


def is_array_structure(data):
    """True when ``data`` is an array or a list / tuple / dict whose leaves are arrays or None.

    A structure with no array at all (``None``, ``[]``) is not an array structure.
    """
    leaves = tree.flatten(data)
    has_array = False
    for leaf in leaves:
        if leaf is None:
            continue
        if not is_array_like(leaf):
            return False
        has_array = True
    return has_array


def _num_samples(value):
    shape = getattr(value, "shape", None)
    if shape is None or len(shape) == 0:
        return None
    return int(shape[0])


def data_cardinality(data):
    """The number of samples in an array structure, or ``None`` when it cannot be counted.

    Args:
        data: an array, a tensor, or a list / tuple / dict of them (``None`` leaves are
            skipped). Generators, datasets and other iterables give ``None``.

    Returns:
        The common first-dimension size of the leaves, or ``None`` for non-array data.

    Raises:
        ValueError: the leaves have different numbers of samples.

    Example:
        >>> data_cardinality({"a": np.zeros((5, 2)), "b": np.zeros((5,))})
        5
    """
    if not is_array_structure(data):
        return None
    sizes = {_num_samples(leaf) for leaf in tree.flatten(data) if leaf is not None}
    if len(sizes) > 1:
        raise ValueError(
            "Data cardinality is ambiguous: the arrays have "
            f"{', '.join(str(s) for s in sorted(sizes, key=str))} samples. "
            "Make sure all arrays contain the same number of samples."
        )
    return sizes.pop()


def check_data_cardinality(x, y=None, sample_weight=None):
    """Raise a ValueError naming each argument's sizes when x, y and sample_weight disagree.

    Args:
        x: an array structure.
        y: an array structure or ``None``.
        sample_weight: an array structure or ``None``.

    Returns:
        The common number of samples.

    Example:
        >>> check_data_cardinality(np.zeros((100, 2)), np.zeros((90,)))
        Traceback (most recent call last):
        ValueError: Data cardinality is ambiguous: x sizes: 100, y sizes: 90. ...
    """
    named = [("x", x), ("y", y), ("sample_weight", sample_weight)]
    sizes = {}
    for name, value in named:
        if value is None:
            continue
        sizes[name] = [_num_samples(leaf) for leaf in tree.flatten(value) if leaf is not None]
    for name, counts in sizes.items():
        if any(count is None for count in counts):
            raise ValueError(
                f"`{name}` holds a scalar (an array without a samples dimension); each array "
                "passed as data needs the samples along its first axis."
            )
    distinct = {count for counts in sizes.values() for count in counts}
    if len(distinct) > 1:
        described = ", ".join(
            f"{name} sizes: {', '.join(str(c) for c in counts)}" for name, counts in sizes.items()
        )
        raise ValueError(
            f"Data cardinality is ambiguous: {described}. "
            "Make sure all arrays contain the same number of samples."
        )
    return distinct.pop() if distinct else None


def train_validation_split(arrays, validation_split):
    """Split array data into a training part and the LAST ``validation_split`` fraction.

    As in Keras, nothing is shuffled before the split: the validation samples are the last
    ``len - floor(len * (1 - validation_split))`` samples.

    Args:
        arrays: an array structure, typically the tuple ``(x, y, sample_weight)``; ``None``
            leaves stay ``None``.
        validation_split: a float strictly between 0 and 1.

    Returns:
        ``(train_arrays, validation_arrays)``, two structures shaped like ``arrays``.

    Raises:
        ValueError: ``validation_split`` is not in (0, 1), the data is not arrays (a
            generator or dataset), or too few samples to leave both parts non-empty.

    Example:
        >>> (x_tr, y_tr), (x_val, y_val) = train_validation_split((x, y), 0.2)
    """
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
            or not 0.0 < validation_split < 1.0:
        raise ValueError(
            "`validation_split` must be a float strictly between 0 and 1 (e.g. 0.2 keeps the "
            f"last 20% of the samples for validation). Received: "
            f"validation_split={validation_split!r}"
        )
    leaves = [leaf for leaf in tree.flatten(arrays) if leaf is not None]
    if not leaves:
        return arrays, arrays
    if not all(is_array_like(leaf) for leaf in leaves):
        kinds = sorted({type(leaf).__name__ for leaf in leaves if not is_array_like(leaf)})
        raise ValueError(
            "`validation_split` is only supported for arrays/tensors (NumPy arrays, backend "
            f"tensors, or lists / dicts of them). Received data of type {', '.join(kinds)}. "
            "For a generator, PyDataset or DataLoader, pass `validation_data` instead."
        )
    num_samples = _num_samples(leaves[0])
    split_at = int(math.floor(num_samples * (1.0 - validation_split)))
    if split_at == 0 or split_at == num_samples:
        raise ValueError(
            f"The data has {num_samples} samples, too few to split into a training and a "
            f"validation set with validation_split={validation_split}. Provide more data or "
            "use a different `validation_split`."
        )

    def split(start, stop):
        return lambda leaf: None if leaf is None else leaf[start:stop]

    train = tree.map_structure(split(0, split_at), arrays)
    validation = tree.map_structure(split(split_at, num_samples), arrays)
    return train, validation


def check_class_weight(class_weight):
    """Validate a ``class_weight`` dict (class index -> weight) and return it with int keys.

    Example:
        >>> check_class_weight({0: 1.0, 1: 5.0})
        {0: 1.0, 1: 5.0}
    """
    if not isinstance(class_weight, dict):
        raise ValueError(
            "`class_weight` must be a dict mapping class indices to weights, e.g. "
            f"{{0: 1.0, 1: 5.0}}. Received: class_weight={class_weight!r} "
            f"(of type {type(class_weight).__name__})"
        )
    checked = {}
    for key, weight in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise ValueError(
                "`class_weight` keys must be integer class indices (0, 1, ...). "
                f"Received key {key!r} in class_weight={class_weight!r}"
            )
        checked[int(key)] = float(weight)
    return checked


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights (NumPy float32) that give each sample the weight of its class.

    The class of a sample is the argmax of a one-hot / probability ``y`` (last dimension
    above 1), or the rounded value of an integer label, of shape ``(n,)`` or ``(n, 1)``
    (binary labels included). Classes missing from ``class_weight`` get weight 1, as in Keras.

    Args:
        y: the targets of one output (array or tensor), ``(n,)``, ``(n, 1)`` or ``(n, classes)``.
        class_weight: a dict class index -> weight.

    Returns:
        A NumPy float32 array of shape ``(n,)`` (the adapters cast it to floatx).

    Example:
        >>> class_weight_to_sample_weights(np.array([0, 1, 1]), {1: 3.0})
        array([1., 3., 3.], dtype=float32)
    """
    labels = backend.convert_to_numpy(y) if not isinstance(y, np.ndarray) else y
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    if labels.ndim != 1:
        raise ValueError(
            "`class_weight` needs targets with one class per sample: shape (samples,), "
            "(samples, 1) or one-hot (samples, classes). Received targets of shape "
            f"{tuple(np.shape(y))}."
        )
    labels = np.round(labels).astype("int64")
    weights = np.ones(labels.shape, dtype="float32")
    for key, weight in class_weight.items():
        weights[labels == key] = weight
    return weights

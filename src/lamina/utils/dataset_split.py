"""``split_dataset``: cut a dataset in two (e.g. training and test) by sample.

Keras returns ``tf.data`` (or torch) datasets; lamina gathers the samples into NumPy
arrays and returns two ``SplitDataset`` objects, ``PyDataset``s that serve them singly or,
after ``.batch(n)``, in batches.
"""

import numbers
import random

import numpy as np

from lamina import backend
from lamina import ops
from lamina import tree
from lamina.data.py_dataset import PyDataset
from lamina.utils import dataset_utils


def _to_numpy(value):
    if backend.is_tensor(value):
        return np.asarray(ops.convert_to_numpy(value))
    return np.asarray(value)


def _stack_samples(samples):
    """A list of same-structure samples to one structure of stacked arrays."""
    try:
        return tree.map_structure(lambda *leaves: np.stack([_to_numpy(v) for v in leaves]),
                                  *samples)
    except ValueError as error:
        raise ValueError(
            "split_dataset: every sample of `dataset` must have the same structure and "
            f"shapes ({error}). Pad or resize the samples first."
        ) from None


def _concatenate_batches(batches):
    try:
        return tree.map_structure(
            lambda *leaves: np.concatenate([_to_numpy(v) for v in leaves]), *batches)
    except ValueError as error:
        raise ValueError(
            "split_dataset: every batch of `dataset` must have the same structure and "
            f"sample shapes ({error}). Pad or resize the samples first."
        ) from None


def _columns(dataset):
    """``dataset`` as ``(data, batch_size)``: a structure of arrays sharing axis 0 (one
    row per sample), and the batch size to serve the splits in (None: unbatched)."""
    if isinstance(dataset, np.ndarray) or backend.is_tensor(dataset):
        return _to_numpy(dataset), None
    if isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("split_dataset: `dataset` is an empty list/tuple. Pass one "
                             "or more arrays with the same number of samples.")
        arrays = []
        for i, element in enumerate(dataset):
            if not (isinstance(element, np.ndarray) or backend.is_tensor(element)):
                raise ValueError(
                    "split_dataset: a list/tuple `dataset` must hold arrays (one per "
                    f"input or target), received a {type(element).__name__} at index {i}. "
                    "Convert it with np.asarray first."
                )
            arrays.append(_to_numpy(element))
            if arrays[i].shape[:1] != arrays[0].shape[:1]:
                raise ValueError(
                    "split_dataset: the arrays of `dataset` must have the same length. "
                    f"Array 0 has shape {arrays[0].shape}, array {i} has shape "
                    f"{arrays[i].shape}."
                )
        return tuple(arrays), None
    if isinstance(dataset, PyDataset):
        if dataset.num_batches is None:
            raise ValueError("split_dataset: `dataset` is an endless PyDataset "
                             "(num_batches is None); split a dataset of known length.")
        items = [tree.lists_to_tuples(item) for item in dataset]
        if not items:
            raise ValueError("split_dataset: `dataset` yields no batches.")
        batch_size = getattr(dataset, "batch_size", "batched")
        if batch_size is None:  # It yields single samples.
            return _stack_samples(items), None
        if not isinstance(batch_size, numbers.Integral):
            batch_size = len(tree.flatten(items[0])[0])
        return _concatenate_batches(items), int(batch_size)
    if hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__"):
        # A map-style dataset (e.g. a torch.utils.data.Dataset) yields single samples.
        samples = [tree.lists_to_tuples(dataset[i]) for i in range(len(dataset))]
        if not samples:
            raise ValueError("split_dataset: `dataset` is empty.")
        return _stack_samples(samples), None
    raise TypeError(
        "split_dataset: `dataset` must be a NumPy array, a list/tuple of arrays, a lamina "
        "PyDataset, or a sized indexable dataset (e.g. torch.utils.data.Dataset). "
        f"Received an object of type {type(dataset).__name__}."
    )


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_float(value):
    return isinstance(value, numbers.Real) and not _is_int(value) and not isinstance(
        value, bool)


def _split_sizes(left_size, right_size, total):
    """Keras's rules for the two sizes, as numbers of samples."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and not (_is_int(size) or _is_float(size)):
            raise TypeError(
                f"split_dataset: `{name}` must be an int (a number of samples), a float "
                f"(a fraction) or None. Received: {name}={size!r} of type "
                f"{type(size).__name__}."
            )
    if left_size == 0 and right_size == 0:
        raise ValueError("split_dataset: `left_size` and `right_size` are both 0; at "
                         "least one must be positive.")
    sizes = {}
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            sizes[name] = None
        elif _is_int(size):
            if not 0 < size < total:
                raise ValueError(
                    f"split_dataset: an int `{name}` must be between 1 and {total - 1} "
                    f"(the dataset has {total} samples). Received: {name}={size}."
                )
            sizes[name] = int(size)
        else:
            if not 0 < size < 1:
                raise ValueError(
                    f"split_dataset: a float `{name}` is a fraction and must lie strictly "
                    f"between 0 and 1. Received: {name}={size}."
                )
            sizes[name] = round(size * total)
    if _is_float(left_size) and _is_float(right_size) and left_size + right_size > 1:
        raise ValueError(
            "split_dataset: the fractions `left_size` and `right_size` add up to more "
            f"than 1. Received: left_size={left_size}, right_size={right_size}."
        )
    left, right = sizes["left_size"], sizes["right_size"]
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"split_dataset: `left_size` + `right_size` is {left + right} samples, more "
            f"than the {total} in the dataset."
        )
    for side, size in (("left", left), ("right", right)):
        if size == 0:
            raise ValueError(
                f"split_dataset: with {total} samples, left_size={left_size!r} and "
                f"right_size={right_size!r} leave the {side} split empty. Adjust the "
                "sizes."
            )
    return left, right


class SplitDataset(dataset_utils.DatasetMethods, PyDataset):
    """One side of ``split_dataset``: samples held in NumPy arrays, as a ``PyDataset``.

    Args:
        data: an array, or a tuple/dict of arrays, sharing axis 0 (one row per sample).
        batch_size: samples per batch, or None (default) to yield single samples, as a
            split ``tf.data.Dataset`` does.

    Example:
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), len(left.batch(3))
        (8, 3)
    """

    def __init__(self, data, batch_size=None, **kwargs):
        super().__init__(**kwargs)
        self.data = data
        self.batch_size = batch_size
        self._count = len(tree.flatten(data)[0])

    def batch(self, batch_size):
        """The same samples served in batches of ``batch_size`` (the last may be smaller).

        Example:
            >>> [b.shape for b in SplitDataset(np.zeros((5, 2))).batch(2)]
            [(2, 2), (2, 2), (1, 2)]
        """
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError("SplitDataset.batch: `batch_size` must be a positive int. "
                             f"Received: batch_size={batch_size!r}.")
        return SplitDataset(self.data, batch_size)

    def __len__(self):
        if self.batch_size is None:
            return self._count
        return -(-self._count // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"SplitDataset: index {index} is out of range for {len(self)} "
                             "items.")
        index %= len(self)
        if self.batch_size is not None:
            index = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return tree.map_structure(lambda column: column[index], self.data)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Split a dataset into two (e.g. training and test), by sample.

    The left split takes the first ``left_size`` samples and the right split the last
    ``right_size`` (after shuffling, when asked), as Keras does for ``tf.data``; with
    ``shuffle`` the order is Keras's: ``random.Random(seed)`` shuffles the sample list.

    Args:
        dataset: a NumPy array (or tensor), a list/tuple of arrays with the same number of
            samples, a lamina ``PyDataset`` (e.g. from ``image_dataset_from_directory``;
            batches are split into samples), or a sized indexable dataset such as a
            ``torch.utils.data.Dataset``.
        left_size: an int (samples) or a float in ``(0, 1)`` (a fraction of the samples)
            for the left split; None (default) takes what ``right_size`` leaves.
        right_size: the same for the right split; None (default) takes what
            ``left_size`` leaves. At least one of the two must be given.
        shuffle: shuffle the samples before splitting (default False).
        seed: an int seeding the shuffle.
        preferred_backend: accepted for Keras compatibility and ignored: lamina always
            returns its own datasets.

    Returns:
        A tuple ``(left, right)`` of ``SplitDataset`` objects (``PyDataset``) yielding
        samples with the structure of ``dataset``'s (a list/tuple of arrays gives tuples).
        A batched ``PyDataset`` gives splits batched the same way; others give unbatched
        splits, which ``.batch(batch_size)`` batches for ``fit``.

    Example:
        >>> data = np.random.random((1000, 4))
        >>> left, right = lamina.utils.split_dataset(data, left_size=0.8)
        >>> len(left), len(right)
        (800, 200)
    """
    del preferred_backend
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give `left_size`, `right_size` or both. Received "
                         "left_size=None and right_size=None.")
    data, batch_size = _columns(dataset)
    total = len(tree.flatten(data)[0])
    if total == 0:
        raise ValueError("split_dataset: `dataset` holds no samples.")
    left, right = _split_sizes(left_size, right_size, total)
    indices = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(indices)
    left_rows = np.array(indices[:left])
    right_rows = np.array(indices[total - right:])
    return (SplitDataset(tree.map_structure(lambda c: c[left_rows], data), batch_size),
            SplitDataset(tree.map_structure(lambda c: c[right_rows], data), batch_size))

"""What the ``*_dataset_from_directory`` builders share: finding and labelling the files,
Keras's argument checks and validation split, and the dataset they return.

Keras builds ``tf.data`` pipelines here; lamina has no TensorFlow, so a folder of files
becomes a ``DirectoryDataset``: a ``PyDataset`` that reads the files of a batch when the
batch is asked for, with the few ``tf.data`` methods Keras programs call (``map``,
``take``, ...). The file-type specifics (decoding images, text, audio) live in
``image_dataset.py``, ``text_dataset.py`` and ``audio_dataset.py``; ``split_dataset`` lives
in ``dataset_split.py``.
"""

import numbers
import os

import numpy as np

from lamina.data.py_dataset import PyDataset
from lamina.utils import io_utils

LABEL_MODES = ("int", "categorical", "binary", None)
_SUBSETS = ("training", "validation", "both", None)
FORMATS = ("tf", "grain")

_SEED_NEEDED = (
    "{function}: with `validation_split` and `shuffle=True` you must pass a `seed`, so "
    "that two calls (subset='training' and subset='validation') shuffle the files the same "
    "way and the subsets do not overlap. Pass e.g. seed=1337, or subset='both'."
)


# --- Arguments -------------------------------------------------------------------------

def check_common_arguments(function, labels, label_mode, class_names, validation_split,
                           subset, shuffle, seed):
    """Keras's checks on the arguments every ``*_dataset_from_directory`` takes.

    Returns:
        ``(labels, label_mode)``, both None when either asks for no labels.
    """
    if isinstance(labels, np.ndarray):  # Keras wants a list; an array is no less clear.
        labels = labels.tolist()
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"{function}: `labels` must be 'inferred' (labels from the subdirectory "
                "names), None (no labels) or a list/tuple of integer labels, one per file "
                f"in sorted path order. Received: labels={labels!r}."
            )
        if class_names:
            raise ValueError(
                f"{function}: `class_names` can only be given with labels='inferred'; "
                f"with explicit labels the classes are the sorted labels. Received: "
                f"labels={labels!r}, class_names={class_names!r}."
            )
    if label_mode not in LABEL_MODES:
        raise ValueError(
            f"{function}: `label_mode` must be one of {LABEL_MODES}. Received: "
            f"label_mode={label_mode!r}."
        )
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"{function}: `validation_split` must be a float strictly between 0 and 1. "
            f"Received: validation_split={validation_split!r}."
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            f"{function}: `subset` and `validation_split` go together: give both or "
            f"neither. Received: validation_split={validation_split!r}, "
            f"subset={subset!r}."
        )
    if subset not in _SUBSETS:
        raise ValueError(
            f"{function}: `subset` must be 'training', 'validation' or 'both'. Received: "
            f"subset={subset!r}."
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(_SEED_NEEDED.format(function=function))
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def check_format(function, format):
    """``format`` is accepted for Keras compatibility; both values give a PyDataset."""
    if format not in FORMATS:
        raise ValueError(
            f"{function}: `format` must be 'tf' or 'grain' (both give a lamina PyDataset). "
            f"Received: format={format!r}."
        )


def check_batch_size(function, batch_size):
    """``batch_size`` is a positive int, or None for single samples."""
    if batch_size is not None and (isinstance(batch_size, bool)
                                   or not isinstance(batch_size, numbers.Integral)
                                   or batch_size <= 0):
        raise ValueError(
            f"{function}: `batch_size` must be a positive int, or None to yield single "
            f"samples. Received: batch_size={batch_size!r}."
        )


def check_binary(function, label_mode, class_names):
    """Binary labels need exactly two classes, as in Keras."""
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f"{function}: label_mode='binary' needs exactly 2 classes, found "
            f"{len(class_names)}: class_names={class_names}. Use label_mode='int' or "
            "'categorical' for more classes."
        )


# --- Finding the files ------------------------------------------------------------------

def _class_subdirectories(function, directory, class_names):
    """The class folders: visible subdirectories in sorted order, or ``class_names``."""
    subdirs = sorted(
        name for name in os.listdir(directory)
        if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
    )
    if class_names is None:
        return subdirs
    if not set(class_names).issubset(subdirs):
        raise ValueError(
            f"{function}: every entry of `class_names` must name a subdirectory of "
            f"{directory!r}. Subdirectories: {subdirs}; received class_names="
            f"{list(class_names)}."
        )
    return list(class_names)


def _walk_files(directory, extensions, follow_links):
    """Relative paths of the matching files under ``directory``, folder by folder in
    sorted order, names sorted within a folder (Keras's order)."""
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(extensions):
                found.append(os.path.relpath(os.path.join(root, name), directory))
    return found


def index_directory(function, directory, labels, extensions, class_names=None,
                    shuffle=True, seed=None, follow_links=False, verbose=True):
    """List the files under ``directory`` with their integer labels, Keras's way.

    With ``labels="inferred"`` each class subdirectory is walked in class order; otherwise
    the whole tree is. With ``shuffle`` the list is then permuted by
    ``np.random.RandomState(seed)``, the permutation Keras applies.

    Returns:
        ``(file_paths, labels, class_names)``: paths as ``str``, an int32 array of labels
        (or the given labels, or None), the class names (None without labels).
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(
            f"{function}: `directory` must be an existing folder. Received: "
            f"directory={directory!r}."
        )
    file_paths = []
    if labels == "inferred":
        class_names = _class_subdirectories(function, directory, class_names)
        label_list = []
        for index, name in enumerate(class_names):
            relative = _walk_files(os.path.join(directory, name), extensions, follow_links)
            file_paths += [os.path.join(directory, name, path) for path in relative]
            label_list += [index] * len(relative)
        labels = np.array(label_list, dtype="int32")
    else:
        if class_names is not None:
            raise ValueError(
                f"{function}: `class_names` can only be given with labels='inferred'. "
                f"Received: labels={labels!r}, class_names={class_names!r}."
            )
        relative = _walk_files(directory, extensions, follow_links)
        file_paths = [os.path.join(directory, path) for path in relative]
        if labels is not None:
            if len(labels) != len(file_paths):
                raise ValueError(
                    f"{function}: `labels` must hold one label per file. Received "
                    f"{len(labels)} labels, but found {len(file_paths)} files in "
                    f"{directory!r}."
                )
            class_names = [str(label) for label in sorted(set(labels))]
            labels = np.asarray(labels)
    if verbose:
        if labels is None:
            io_utils.print_msg(f"Found {len(file_paths)} files.")
        else:
            io_utils.print_msg(f"Found {len(file_paths)} files belonging to "
                               f"{len(class_names)} classes.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        order = np.arange(len(file_paths))
        np.random.RandomState(seed).shuffle(order)
        file_paths = [file_paths[i] for i in order]
        if labels is not None:
            labels = labels[order]
    return file_paths, labels, class_names


def split_files(function, directory, file_paths, labels, validation_split, subset, kind,
                verbose):
    """The ``(file_paths, labels)`` pairs of the subsets asked for, as a list.

    As in Keras the last ``int(validation_split * n)`` files are the validation subset and
    the rest the training subset; ``subset="both"`` gives both, training first.
    """
    if not validation_split:
        parts = [(file_paths, labels)]
        names = ["all"]
    else:
        count = int(validation_split * len(file_paths))
        train = (file_paths[:len(file_paths) - count],
                 None if labels is None else labels[:len(file_paths) - count])
        val = (file_paths[len(file_paths) - count:],
               None if labels is None else labels[len(file_paths) - count:])
        names = ["training", "validation"] if subset == "both" else [subset]
        parts = [train if name == "training" else val for name in names]
    for name, (paths, _) in zip(names, parts):
        if not paths:
            which = "" if name == "all" else f"{name} "
            raise ValueError(
                f"{function}: no {which}{kind} found in {directory!r} (found "
                f"{len(file_paths)} in all). Check the path, the file extensions, and that "
                "`validation_split` leaves files on both sides."
            )
        if verbose and name != "all":
            io_utils.print_msg(f"Using {len(paths)} files for {name}.")
    return parts


def encode_labels(labels, label_mode, num_classes):
    """Integer labels as Keras yields them: int32 ``(n,)``, float32 ``(n, 1)`` for
    ``"binary"``, float32 one-hot ``(n, num_classes)`` for ``"categorical"`` (a label
    outside ``[0, num_classes)`` gives a row of zeros, as ``tf.one_hot`` does)."""
    if label_mode is None:
        return None
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return (labels[:, None] == np.arange(num_classes)).astype("float32")
    return labels.astype("int32")


# --- The dataset ------------------------------------------------------------------------

class DatasetMethods:
    """The few ``tf.data.Dataset`` methods Keras programs call on these datasets.

    ``map`` and ``take`` give a new dataset; ``prefetch`` and ``cache`` return the dataset
    itself, since batches are read on demand (set ``workers`` to read ahead in threads).
    """

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """A dataset whose items are ``map_func`` applied to this one's (a tuple item is
        passed as separate arguments, as ``tf.data`` passes it). The other arguments are
        accepted for ``tf.data`` compatibility.

        Example:
            >>> texts = dataset.map(lambda x, y: x)  # e.g. for TextVectorization.adapt
        """
        del num_parallel_calls, deterministic, name
        return TransformedDataset(self, function=map_func)

    def take(self, count, name=None):
        """A dataset of at most the first ``count`` items (all of them when ``count`` is
        -1).

        Example:
            >>> for images, labels in dataset.take(1):
            ...     print(images.shape)
        """
        del name
        if not isinstance(count, numbers.Integral) or count < -1:
            raise ValueError(f"take: `count` must be an int >= -1. Received: count={count!r}.")
        return TransformedDataset(self, count=int(count))

    def prefetch(self, buffer_size=None, name=None):
        """This dataset itself: lamina reads batches on demand (see ``workers``)."""
        del buffer_size, name
        return self

    def cache(self, filename="", name=None):
        """This dataset itself: lamina does not cache decoded batches."""
        del filename, name
        return self


class TransformedDataset(DatasetMethods, PyDataset):
    """The items of another ``PyDataset``, mapped through a function and/or cut short.

    Made by ``map`` and ``take``; ``class_names`` and ``file_paths`` are the source's.

    Args:
        source: the dataset read from.
        function: applied to every item, or None.
        count: serve at most this many items; None or -1 for all.

    Example:
        >>> images_only = TransformedDataset(dataset, function=lambda x, y: x)
    """

    def __init__(self, source, function=None, count=None, **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.function = function
        self.count = None if count is None or count < 0 else count
        self.class_names = getattr(source, "class_names", None)
        self.file_paths = getattr(source, "file_paths", None)
        if hasattr(source, "batch_size"):  # split_dataset reads it (None: unbatched)
            self.batch_size = source.batch_size

    def __len__(self):
        return len(self.source) if self.count is None else min(self.count, len(self.source))

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"TransformedDataset: index {index} is out of range for "
                             f"{len(self)} items.")
        item = self.source[index % len(self)]
        if self.function is None:
            return item
        return self.function(*item) if isinstance(item, tuple) else self.function(item)

    def on_epoch_begin(self):
        """Forward to the source dataset."""
        self.source.on_epoch_begin()

    def on_epoch_end(self):
        """Forward to the source dataset."""
        self.source.on_epoch_end()


class DirectoryDataset(DatasetMethods, PyDataset):
    """Batches read from files, with their labels, as a ``PyDataset``.

    The base of the datasets ``*_dataset_from_directory`` return. A subclass provides
    ``load(path)`` (one sample as an array or ``str``) and may override ``collate`` (how
    samples become a batch; stacked by default).

    Args:
        file_paths: the files, in the order of the first epoch.
        labels: the encoded labels (one row per file) or None.
        class_names: the class names (None without labels).
        batch_size: samples per batch, or None to yield single samples.
        shuffle: reorder the files again after every epoch of ``fit``.
        seed: seeds that reordering.

    Attributes:
        class_names: the class names, label ``i`` being ``class_names[i]``.
        file_paths: the file paths, in the order of the first epoch.

    Example:
        >>> ds = lamina.utils.text_dataset_from_directory("reviews/", batch_size=2)
        >>> ds.class_names  # ['neg', 'pos']
    """

    def __init__(self, file_paths, labels, class_names, batch_size, shuffle=False,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.file_paths = list(file_paths)
        self.labels = labels
        self.class_names = class_names
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def load(self, path):
        """One sample read from the file at ``path``."""
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement load()")

    def collate(self, samples):
        """A batch from a list of samples (stacked on a new axis 0)."""
        return np.stack(samples)

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(
                f"{type(self).__name__}: batch index {index} is out of range for "
                f"{len(self)} batches."
            )
        index %= len(self)
        if self.batch_size is None:
            position = self._order[index]
            x = self.load(self.file_paths[position])
        else:
            position = self._order[index * self.batch_size:(index + 1) * self.batch_size]
            x = self.collate([self.load(self.file_paths[i]) for i in position])
        if self.labels is None:
            return x
        return x, self.labels[position]

    def on_epoch_end(self):
        """Reorder the files for the next epoch (when made with ``shuffle=True``)."""
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))


def build_datasets(parts, make_dataset, shuffle):
    """One dataset per ``(file_paths, labels)`` part; a pair for ``subset="both"``, where
    the validation part is never reshuffled (as in Keras)."""
    datasets = [make_dataset(paths, labels, shuffle and i == 0)
                for i, (paths, labels) in enumerate(parts)]
    return datasets[0] if len(datasets) == 1 else tuple(datasets)

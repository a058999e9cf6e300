"""``text_dataset_from_directory``: a folder of ``.txt`` files (one subfolder per class)
as batches of ``(texts, labels)``.

Keras returns a ``tf.data.Dataset`` of byte strings; lamina returns a
``TextDirectoryDataset``, a ``PyDataset`` whose text batches are NumPy arrays of Python
``str`` (what ``TextVectorization`` and ``StringLookup`` read), read from disk when the
batch is asked for.
"""

import numpy as np

from lamina.utils import dataset_utils

_FUNCTION = "text_dataset_from_directory"


class TextDirectoryDataset(dataset_utils.DirectoryDataset):
    """Batches of texts read from files (and their labels), as a ``PyDataset``.

    Made by :func:`text_dataset_from_directory`; see there for the arguments.

    Example:
        >>> ds = text_dataset_from_directory("reviews/", batch_size=8)
        >>> texts, labels = ds[0]  # (8,) object array of str, (8,) int32
    """

    def __init__(self, file_paths, labels, class_names, batch_size, max_length,
                 shuffle=False, seed=None, **kwargs):
        super().__init__(file_paths, labels, class_names, batch_size, shuffle=shuffle,
                         seed=seed, **kwargs)
        self.max_length = max_length

    def load(self, path):
        """One file's text as ``str`` (UTF-8; undecodable bytes become U+FFFD), cut to
        ``max_length`` characters."""
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        return text if self.max_length is None else text[:self.max_length]

    def collate(self, samples):
        """A 1-D object array of the texts (object, so texts keep their own lengths)."""
        batch = np.empty(len(samples), dtype=object)
        batch[:] = samples
        return batch


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None,
                                shuffle=True, seed=None, validation_split=None,
                                subset=None, follow_links=False, format="tf",
                                verbose=True):
    """A dataset of texts (and labels) from a folder of ``.txt`` files.

    With ``labels="inferred"`` each subdirectory of ``directory`` is a class: in sorted
    order by default, so ``main/neg/*.txt`` and ``main/pos/*.txt`` give labels 0 and 1.
    Only files ending in ``.txt`` (any case) are read, subfolders included.

    Args:
        directory: the folder holding the text files (in class subfolders when
            ``labels="inferred"``; otherwise its layout does not matter).
        labels: ``"inferred"`` (default: from the subfolder names), None (texts only),
            or a list/tuple of integer labels, one per file in sorted path order.
        label_mode: ``"int"`` (default: int32 ``(batch,)``), ``"categorical"`` (float32
            one-hot ``(batch, num_classes)``), ``"binary"`` (float32 ``(batch, 1)``;
            exactly two classes) or None (texts only).
        class_names: with ``labels="inferred"``, the subfolders to use, in label order;
            None (default) uses them all in sorted order.
        batch_size: texts per batch (default 32; the last batch may be smaller), or None
            to yield single texts.
        max_length: keep at most this many characters of each text (default None: all).
            Keras's ``tf.data`` version counts bytes; lamina counts characters, as Keras's
            ``format="grain"`` version does, so no character is cut in half.
        shuffle: shuffle the files (default True); False keeps sorted order. The files
            are permuted as Keras permutes them (the ``file_paths`` order, which decides
            the validation split) and the first pass serves them in that order; ``fit``
            reshuffles after every epoch (Keras's ``tf.data`` also shuffles within a
            buffer, so its batches differ).
        seed: an int seeding the shuffles; needed with ``validation_split`` and
            ``shuffle=True``.
        validation_split: a float in ``(0, 1)``: the fraction of files (the last ones,
            after shuffling) kept for validation.
        subset: with ``validation_split``: ``"training"``, ``"validation"`` or
            ``"both"`` (a ``(training, validation)`` pair).
        follow_links: walk into subfolders reached through symbolic links (default
            False).
        format: ``"tf"`` (default) or ``"grain"``; accepted for Keras compatibility, both
            give the same lamina dataset.
        verbose: print how many files and classes were found (default True).

    Returns:
        A ``TextDirectoryDataset`` (a ``PyDataset``; a pair with ``subset="both"``)
        yielding ``(texts, labels)``, or ``texts`` alone without labels; ``texts`` is a
        1-D NumPy object array of ``str`` (a single ``str`` when ``batch_size=None``). It
        has ``class_names`` and ``file_paths`` attributes.

    Example:
        >>> train = lamina.utils.text_dataset_from_directory("aclImdb/train",
        ...                                                  batch_size=32)
        >>> vectorize = lamina.layers.TextVectorization(max_tokens=20000)
        >>> vectorize.adapt(train)  # doctest: +SKIP
    """
    labels, label_mode = dataset_utils.check_common_arguments(
        _FUNCTION, labels, label_mode, class_names, validation_split, subset, shuffle,
        seed)
    dataset_utils.check_format(_FUNCTION, format)
    dataset_utils.check_batch_size(_FUNCTION, batch_size)
    if max_length is not None and (not isinstance(max_length, int) or max_length <= 0):
        raise ValueError(
            f"{_FUNCTION}: `max_length` must be a positive int or None. Received: "
            f"max_length={max_length!r}."
        )
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = dataset_utils.index_directory(
        _FUNCTION, directory, labels, (".txt",), class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links, verbose=verbose)
    dataset_utils.check_binary(_FUNCTION, label_mode, class_names)
    parts = dataset_utils.split_files(_FUNCTION, directory, file_paths, labels,
                                      validation_split, subset, "text files", verbose)
    num_classes = len(class_names) if class_names else 0

    def make_dataset(paths, part_labels, part_shuffle):
        return TextDirectoryDataset(
            paths, dataset_utils.encode_labels(part_labels, label_mode, num_classes),
            class_names, batch_size, max_length, shuffle=part_shuffle, seed=seed)

    return dataset_utils.build_datasets(parts, make_dataset, shuffle)

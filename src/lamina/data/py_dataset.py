"""``PyDataset`` (alias ``Sequence``), the base class for indexable datasets, and its adapter.

A ``PyDataset`` returns whole batches by index, so a pass can visit them in any order
(``shuffle=True`` shuffles the batch order) and several threads can load batches ahead.
lamina runs workers as threads in every case: ``use_multiprocessing=True`` is accepted
for Keras compatibility but also uses threads (with a warning), which helps I/O-bound
loading; CPU-bound Python loading is limited by the GIL.
"""

import collections
import concurrent.futures
import itertools
import warnings

import numpy as np

from lamina.data import data_adapter

_SUPER_NOT_CALLED = (
    "Your `PyDataset` subclass should call `super().__init__(**kwargs)` in its constructor. "
    "`**kwargs` can include `workers`, `use_multiprocessing` and `max_queue_size`. Do not pass "
    "these arguments to `fit()`: they are read from the dataset."
)
_NO_LENGTH = (
    "abstract: the PyDataset {name} defines neither `__len__` nor a `num_batches` "
    "property, so the "
    "number of batches per epoch is unknown. Define `__len__` to return the number of "
    "batches, or a `num_batches` property returning None for an endless dataset."
)


class PyDataset:
    """Base class for a dataset written in Python that returns whole batches by index.

    Subclasses implement ``__getitem__(index)`` (returning ``x``, ``(x, y)`` or
    ``(x, y, sample_weight)`` for batch ``index``) and ``__len__`` (the number of batches,
    not samples). ``on_epoch_begin`` / ``on_epoch_end`` run around every epoch, e.g. to
    reshuffle files. An endless dataset overrides ``num_batches`` to return ``None``.

    Args:
        workers: number of threads loading batches ahead during ``fit``; 1 loads them in the
            training thread.
        use_multiprocessing: accepted for Keras compatibility; lamina still uses threads.
        max_queue_size: most batches loaded ahead when ``workers > 1``. Defaults to 10.

    Example:
        >>> class Squares(PyDataset):
        ...     def __init__(self, batch_size=4, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.batch_size = batch_size
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, index):
        ...         x = np.arange(self.batch_size, dtype="float32") + index * self.batch_size
        ...         return x[:, None], (x**2)[:, None]
        >>> model.fit(Squares(), epochs=2)  # doctest: +SKIP
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _setting(self, name, default):
        # A subclass that forgot super().__init__ still works, with Keras's defaults.
        if not hasattr(self, name):
            warnings.warn(_SUPER_NOT_CALLED, stacklevel=3)
            setattr(self, name, default)
        return getattr(self, name)

    @property
    def workers(self):
        """Number of loading threads."""
        return self._setting("_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        """Whether processes were asked for (lamina uses threads either way)."""
        return self._setting("_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        """Most batches loaded ahead."""
        return self._setting("_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(
            f"abstract: {type(self).__name__} must implement `__getitem__(self, index)`, "
            "returning a batch."
        )

    @property
    def num_batches(self):
        """Number of batches per epoch: ``len(self)``, or ``None`` for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(_NO_LENGTH.format(name=type(self).__name__))

    def __iter__(self):
        """Iterate over the batches in order (endlessly when ``num_batches`` is None)."""
        num_batches = self.num_batches
        indices = itertools.count() if num_batches is None else range(num_batches)
        for index in indices:
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch; override to change the data between epochs."""

    def on_epoch_end(self):
        """Called at the end of every epoch; override to change the data between epochs."""


Sequence = PyDataset


def _load_ahead(dataset, indices, workers, max_queue_size):
    """Yield ``dataset[i]`` for ``i`` in ``indices``, in order, loading ahead in threads."""
    indices = iter(indices)
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    pending = collections.deque(
        executor.submit(dataset.__getitem__, index)
        for index in itertools.islice(indices, max(1, max_queue_size))
    )
    try:
        while pending:
            item = pending.popleft().result()
            # Keep the queue full before handing the batch over.
            for index in itertools.islice(indices, 1):
                pending.append(executor.submit(dataset.__getitem__, index))
            yield item
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False)


class PyDatasetAdapter(data_adapter.DataAdapter):
    """Batches from a ``PyDataset``, optionally in shuffled batch order, loaded ahead in threads.

    Args:
        dataset: a ``PyDataset`` instance.
        class_weight: optional dict class index -> weight.
        shuffle: shuffle the batch order each pass (with ``np.random``); ignored, with a
            warning, for an endless dataset.

    Example:
        >>> adapter = PyDatasetAdapter(Squares())
        >>> adapter.num_batches
        3
    """

    def __init__(self, dataset, class_weight=None, shuffle=False):
        self._dataset = dataset
        self._class_weight = class_weight
        self._shuffle = bool(shuffle)
        self._source = f"PyDataset {type(dataset).__name__}"
        if self.num_batches is None and self._shuffle:
            warnings.warn(
                "`shuffle=True` was passed, but will be ignored since the data `x` was "
                "provided as an endless PyDataset. The PyDataset is expected to already be "
                "shuffled.",
                stacklevel=4,
            )
            self._shuffle = False
        if dataset.use_multiprocessing and dataset.workers > 0:
            warnings.warn(
                "PyDataset(use_multiprocessing=True): lamina loads batches in threads, not "
                "processes, so heavy Python loading is limited by the GIL.",
                stacklevel=4,
            )

    @property
    def num_batches(self):
        """The dataset's ``num_batches`` (None for an endless dataset)."""
        try:
            return self._dataset.num_batches
        except NotImplementedError:
            raise ValueError(_NO_LENGTH.format(name=type(self._dataset).__name__)) from None

    def new_pass(self):
        """One pass over the batches, in order or in a fresh random order."""
        num_batches = self.num_batches
        if num_batches is None:
            indices = itertools.count()
        elif self._shuffle:
            indices = np.random.permutation(num_batches).tolist()
        else:
            indices = range(num_batches)
        workers = self._dataset.workers
        if workers > 1 or (workers > 0 and self._dataset.use_multiprocessing):
            items = _load_ahead(self._dataset, indices, workers, self._dataset.max_queue_size)
        else:
            items = (self._dataset[index] for index in indices)
        for item in items:
            yield data_adapter.standardize_batch(item, self._source, self._class_weight)

    def on_epoch_begin(self):
        """Forward to the dataset's ``on_epoch_begin``."""
        self._dataset.on_epoch_begin()

    def on_epoch_end(self):
        """Forward to the dataset's ``on_epoch_end``."""
        self._dataset.on_epoch_end()

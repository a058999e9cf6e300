"""Adapters for Python generators / iterators and for re-iterable loaders (torch DataLoader).

Both read batches already formed by the user's code: ``batch_size`` does not apply, and each
batch is turned into backend tensors as it arrives. A generator is a single stream: a new
pass continues where the last one stopped. A re-iterable object (anything with ``__iter__``
that is not itself an iterator, such as a DataLoader) starts over on each pass.
"""

from lamina.data import data_adapter


class GeneratorDataAdapter(data_adapter.DataAdapter):
    """Batches from a Python generator or any iterator, read once, in order.

    Args:
        generator: a generator or iterator yielding ``x``, ``(x,)``, ``(x, y)`` or
            ``(x, y, sample_weight)``.
        class_weight: optional dict class index -> weight (lamina accepts it here; Keras 3
            refuses class_weight for generators).

    Example:
        >>> def batches():
        ...     while True:
        ...         yield np.zeros((4, 2)), np.ones((4,))
        >>> adapter = GeneratorDataAdapter(batches())
        >>> x, y, sw = next(adapter.new_pass())
    """

    is_one_shot = True

    def __init__(self, generator, class_weight=None):
        self._iterator = iter(generator)
        self._class_weight = class_weight

    def new_pass(self):
        """Continue the stream: every pass reads from the same underlying iterator."""
        for batch in self._iterator:
            yield data_adapter.standardize_batch(batch, "generator", self._class_weight)


class IterableDataAdapter(data_adapter.DataAdapter):
    """Batches from a re-iterable object such as a torch ``DataLoader``; each pass restarts it.

    Args:
        iterable: an object whose ``iter()`` gives a fresh iterator over batches; its
            ``len()``, when defined, is the number of batches in a pass.
        class_weight: optional dict class index -> weight.

    Example:
        >>> adapter = IterableDataAdapter([(np.zeros((4, 2)), np.ones((4,)))] * 3)
        >>> adapter.num_batches
        3
    """

    def __init__(self, iterable, class_weight=None):
        self._iterable = iterable
        self._class_weight = class_weight
        self._source = type(iterable).__name__
        try:
            self._num_batches = len(iterable)
        except TypeError:
            self._num_batches = None

    @property
    def num_batches(self):
        """``len()`` of the iterable, or None when it has none."""
        return self._num_batches

    def new_pass(self):
        """A fresh iteration of the underlying object."""
        for batch in iter(self._iterable):
            yield data_adapter.standardize_batch(batch, self._source, self._class_weight)

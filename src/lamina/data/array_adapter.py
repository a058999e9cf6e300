"""``ArrayDataAdapter``: in-memory arrays and tensors, served as shuffled batches.

On torch the arrays become tensors once, when the adapter is made (NumPy memory is
shared, not copied); each pass draws a permutation of the sample indices and every batch
is one gather. On JAX NumPy data stays NumPy: a batch is gathered on the host and the
jitted step moves it to the device, so the data is not held twice (as in Keras), except
on an accelerator (``gather_in_step``: fit, evaluate and predict ask for it): the data
moves to the device once, and each batch is a ``DeviceRows`` leaf that the compiled step
gathers.
"""

import math

import numpy as np

from lamina import backend
from lamina import tree
from lamina.backend.common.device_rows import DeviceRows
from lamina.data import data_adapter
from lamina.data import data_utils


def check_shuffle(shuffle):
    """Validate ``shuffle``: True, False or ``"batch"``."""
    is_batch = isinstance(shuffle, str) and shuffle == "batch"
    if not (isinstance(shuffle, (bool, np.bool_)) or is_batch):
        raise ValueError(
            "`shuffle` must be True, False or 'batch' (shuffle within batch-sized chunks). "
            f"Received: shuffle={shuffle!r}"
        )


def _check_positive_int(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer or None. Received: {name}={value!r}")
    return int(value)


def _as_sliceable(leaf):
    # pandas objects and other array-likes become NumPy arrays so they have a shape.
    if leaf is None or isinstance(leaf, np.ndarray) or backend.is_tensor(leaf):
        return leaf
    return np.asarray(leaf)


class ArrayDataAdapter(data_adapter.DataAdapter):
    """Batches sliced from in-memory arrays (NumPy, backend tensors, or lists / dicts of them).

    Args:
        x: the inputs: an array, a tensor, or a list / tuple / dict of them.
        y: the targets, same kinds, or ``None``.
        sample_weight: per-sample weights: one array, one per output, or ``None``.
        batch_size: samples per batch; defaults to 32, or to ``ceil(samples / steps)`` when
            ``steps`` is given.
        steps: the planned steps per epoch (only used to pick the default batch size).
        shuffle: True (a new permutation each pass), False (data order), or ``"batch"``
            (the order of batches is kept, samples are shuffled inside each batch-sized chunk;
            meant for data read in chunks such as HDF5).
        class_weight: optional dict class index -> weight, folded into ``sample_weight``.
        single_pass: the data is read once (``predict``, ``evaluate``). Where the backend
            says so (torch on a GPU: ``backend.core.streams_host_batches``), NumPy data then
            stays on the host and each batch is copied to the device as it is served, the
            copy overlapping the previous batches' work, instead of one copy of everything
            before the first batch.
        gather_in_step: the batches go to a compiled step that can gather rows itself
            (fit / evaluate / predict on JAX): leaves the backend keeps on the device
            (``backend.core.device_resident_sources``) are served as ``DeviceRows``.

    Example:
        >>> adapter = ArrayDataAdapter(np.arange(10.0), np.arange(10), batch_size=4)
        >>> adapter.num_batches
        3
    """

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=None,
        steps=None,
        shuffle=False,
        class_weight=None,
        single_pass=False,
        gather_in_step=False,
    ):
        check_shuffle(shuffle)
        batch_size = _check_positive_int(batch_size, "batch_size")
        steps = _check_positive_int(steps, "steps_per_epoch")
        x, y, sample_weight = (
            tree.map_structure(_as_sliceable, part) for part in (x, y, sample_weight)
        )
        num_samples = data_utils.check_data_cardinality(x, y, sample_weight)
        if not num_samples:
            raise ValueError(
                "The data passed as `x` has 0 samples; there is nothing to iterate over. "
                "Check that the arrays are not empty."
            )
        if class_weight is not None:
            sample_weight = data_adapter.apply_class_weight(
                y, sample_weight, data_utils.check_class_weight(class_weight)
            )
        sample_weight = data_adapter.broadcast_sample_weight(y, sample_weight)

        self._stream = bool(single_pass) and backend.core.streams_host_batches()
        keep = data_adapter.batches_stay_on_host() or self._stream
        self._structure = (
            data_adapter.structure_to_tensors(x, "x", keep),
            data_adapter.structure_to_tensors(y, "y", keep),
            data_adapter.structure_to_tensors(sample_weight, "sample_weight", keep),
        )
        # Leaves are kept flat so a batch is one list comprehension plus one repack.
        self._leaves = tree.flatten(self._structure)
        self._sources = [None] * len(self._leaves)
        if gather_in_step and not self._stream:
            self._sources = backend.core.device_resident_sources(self._leaves)
        self._num_samples = num_samples
        if batch_size is None:
            batch_size = int(math.ceil(num_samples / steps)) if steps else 32
        self._batch_size = batch_size
        self._num_batches = int(math.ceil(num_samples / batch_size))
        self._shuffle = shuffle

    @property
    def num_batches(self):
        """Batches in one pass: ``ceil(samples / batch_size)``."""
        return self._num_batches

    @property
    def batch_size(self):
        """Samples per batch (the last batch may be smaller)."""
        return self._batch_size

    @property
    def num_samples(self):
        """Samples in the data."""
        return self._num_samples

    def _pass_order(self):
        """The sample order of one pass as a NumPy array, or None for the data order."""
        n, size = self._num_samples, self._batch_size
        if self._shuffle == "batch":
            # Each batch-sized chunk is permuted in place; chunks keep their order.
            order = np.arange(n)
            for start in range(0, n, size):
                stop = min(start + size, n)
                order[start:stop] = start + np.random.permutation(stop - start)
            return order
        if self._shuffle:
            return np.random.permutation(n)
        return None

    def new_pass(self):
        """Iterate over one pass of ``(x, y, sample_weight)`` batches (a new shuffle each time)."""
        order = self._pass_order()
        on_device = None
        if order is not None and any(backend.is_tensor(leaf) for leaf in self._leaves):
            # Engines that take NumPy arguments best (JAX) get the host indices as they are.
            on_device = order if data_adapter.batches_stay_on_host() else \
                backend.convert_to_tensor(order)
        size = self._batch_size
        take = backend.take_rows  # non-negative indices, never symbolic: the bare gather
        leaves = self._leaves
        sources = self._sources
        device_positions = [i for i, source in enumerate(sources) if source is not None]
        if device_positions:
            # These leaves are gathered inside the compiled step: a batch carries its rows.
            hosts = [leaf if isinstance(leaf, np.ndarray) else None for leaf in leaves]
            rows_order = (np.arange(self._num_samples) if order is None else order)
            rows_order = rows_order.astype(np.int32)
            leaves = [None if source is not None else leaf
                      for leaf, source in zip(leaves, sources)]
        on_host = [isinstance(leaf, np.ndarray) for leaf in leaves]
        tensor_positions = [i for i, leaf in enumerate(leaves)
                            if leaf is not None and not on_host[i]]
        tensor_leaves = [leaves[i] for i in tensor_positions]
        # x, y and sample_weight each a single array (or None): the batch is the leaves.
        flat = len(leaves) == len(self._structure)
        for index in range(self._num_batches):
            start, stop = index * size, min((index + 1) * size, self._num_samples)
            if order is None:
                # Without shuffling a batch is a slice (a view on torch).
                batch = [None if leaf is None else leaf[start:stop] for leaf in leaves]
            else:
                # One gather per leaf; `take` beats fancy indexing on both engines.
                host_rows = order[start:stop]
                device_rows = on_device[start:stop] if on_device is not None else None
                batch = [
                    np.take(leaf, host_rows, axis=0) if host and leaf is not None else None
                    for leaf, host in zip(leaves, on_host)
                ]
                if tensor_leaves:  # every tensor leaf in one gather
                    for i, rows in zip(tensor_positions, take(tensor_leaves, device_rows)):
                        batch[i] = rows
            if device_positions:
                rows = rows_order[start:stop]
                for i in device_positions:
                    batch[i] = DeviceRows(sources[i], rows, hosts[i], take)
            if self._stream:
                batch = [backend.core.host_batch_to_device(leaf)
                         if isinstance(leaf, np.ndarray) else leaf for leaf in batch]
            yield tuple(batch) if flat else tree.pack_sequence_as(self._structure, batch)

"""``timeseries_dataset_from_array``: sliding windows over an array of timesteps, batched.

Keras returns a ``tf.data.Dataset``; lamina has no TensorFlow, so the windows come from a
``PyDataset`` that gathers each batch from the NumPy array on demand. ``model.fit`` takes it
as it takes any ``PyDataset``, and a ``for`` loop yields the same batches Keras's dataset
yields.
"""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.data.py_dataset import PyDataset

_FORMATS = ("tf", "grain")


def _as_numpy(values):
    if backend.is_tensor(values):
        return np.asarray(ops.convert_to_numpy(values))
    return np.asarray(values)


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"timeseries_dataset_from_array: `{name}` must be a positive integer. "
            f"Received: {name}={value!r}."
        )


def _check_arguments(length, sequence_length, sequence_stride, sampling_rate, batch_size,
                     start_index, end_index, format):
    """Keras's checks, in Keras's order (a start or end index of 0 is not checked)."""
    prefix = "timeseries_dataset_from_array: "
    _positive_int(sequence_length, "sequence_length")
    if start_index:
        if start_index < 0:
            raise ValueError(prefix + "`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}.")
        if start_index >= length:
            raise ValueError(prefix + "`start_index` must be lower than the length of the "
                             f"data. Received: start_index={start_index}, for data of "
                             f"length {length}.")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(prefix + "`end_index` must be higher than `start_index`. "
                             f"Received: start_index={start_index}, end_index={end_index}.")
        if end_index >= length:
            raise ValueError(prefix + "`end_index` must be lower than the length of the "
                             f"data. Received: end_index={end_index}, for data of length "
                             f"{length}.")
        if end_index <= 0:
            raise ValueError(prefix + "`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}.")
    for name, value in (("sampling_rate", sampling_rate),
                        ("sequence_stride", sequence_stride)):
        _positive_int(value, name)
        if value >= length:
            raise ValueError(prefix + f"`{name}` must be lower than the length of the data. "
                             f"Received: {name}={value}, for data of length {length}.")
    if batch_size is not None:
        _positive_int(batch_size, "batch_size")
    if format not in _FORMATS:
        raise ValueError(prefix + f'`format` must be "tf" or "grain" (both give a lamina '
                         f"PyDataset). Received: format={format!r}.")


class TimeseriesDataset(PyDataset):
    """Batches of windows over ``data`` (and the matching targets), as a ``PyDataset``.

    Made by :func:`timeseries_dataset_from_array`; see there for the arguments. Each batch
    is gathered from the arrays when it is asked for, so windows are never all copied.

    Args:
        data: a NumPy array, time on axis 0 (already cut to ``[start_index, end_index)``).
        targets: a NumPy array or None (already cut to start at ``start_index``).
        starts: the window start positions, in the order they are served.
        sequence_length: timesteps per window.
        sampling_rate: the step between a window's timesteps.
        batch_size: windows per batch, or None to serve single windows.
        shuffle: reorder the windows again after every epoch of ``fit``.
        seed: seeds that reordering.

    Example:
        >>> ds = lamina.utils.timeseries_dataset_from_array(np.arange(10), None, 3,
        ...                                                batch_size=4)
        >>> [b.shape for b in ds]
        [(4, 3), (4, 3)]
    """

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size,
                 shuffle=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.data = data
        self.targets = targets
        self.starts = starts
        self.sequence_length = sequence_length
        self.sampling_rate = sampling_rate
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        # The offsets of a window's timesteps from its start: (sequence_length,)
        self._offsets = np.arange(sequence_length) * sampling_rate

    def __len__(self):
        if self.batch_size is None:
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(
                f"TimeseriesDataset: batch index {index} is out of range for {len(self)} "
                "batches."
            )
        index %= len(self)
        if self.batch_size is None:
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        # (batch, sequence_length) indices, or (sequence_length,) for a single window.
        windows = self.data[np.add.outer(starts, self._offsets)]
        if self.targets is None:
            return windows
        return windows, self.targets[starts]

    def on_epoch_end(self):
        """Reorder the windows for the next epoch (when made with ``shuffle=True``)."""
        if self.shuffle:
            self.starts = self._rng.permutation(self.starts)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Sliding windows over a series of timesteps, in batches, with optional targets.

    Window ``k`` (in order) starts at ``start_index + k * sequence_stride`` and holds the
    timesteps ``start, start + sampling_rate, ...`` (``sequence_length`` of them); its
    target is ``targets[start]``. Windows that would reach ``end_index`` (or the end of the
    data) are dropped, and with ``targets`` there are at most ``len(targets)`` windows
    before striding, as in Keras.

    Args:
        data: a NumPy array or tensor; axis 0 is time.
        targets: per-timestep targets (``targets[i]`` belongs to the window starting at
            ``i``), or None to yield inputs alone.
        sequence_length: timesteps per window.
        sequence_stride: the step between the starts of successive windows (default 1).
        sampling_rate: the step between timesteps inside a window (default 1).
        batch_size: windows per batch (default 128; the last batch may be smaller), or
            None to yield single windows.
        shuffle: serve the windows in random order (default False). The first order is
            Keras's (``np.random.RandomState(seed)`` over the starts); lamina reorders again
            after every epoch of ``fit``, where TensorFlow shuffles through a buffer, so
            later orders differ from Keras's.
        seed: an int seeding the shuffle.
        start_index: timesteps before it are not used (default 0).
        end_index: timesteps from it on are not used (default: the data's length).
        format: ``"tf"`` (Keras's default) or ``"grain"``; accepted for Keras
            compatibility, both give the same lamina dataset.

    Returns:
        A ``PyDataset`` (``TimeseriesDataset``) whose items are ``(windows, targets)``
        batches, or ``windows`` alone when ``targets`` is None, as NumPy arrays shaped
        ``(batch, sequence_length) + data.shape[1:]``.

    Example:
        >>> data = np.arange(100)
        >>> ds = lamina.utils.timeseries_dataset_from_array(
        ...     data[:-10], data[10:], sequence_length=10, batch_size=8)
        >>> x, y = ds[0]
        >>> x[0].tolist(), int(y[0])  # ([0, 1, ..., 9], 10)
    """
    data = _as_numpy(data)
    if data.ndim == 0:
        raise ValueError(
            "timeseries_dataset_from_array: `data` must have a time axis (axis 0). Received "
            "a scalar."
        )
    _check_arguments(len(data), sequence_length, sequence_stride, sampling_rate, batch_size,
                     start_index, end_index, format)
    start = 0 if start_index is None else int(start_index)
    end = len(data) if end_index is None else int(end_index)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _as_numpy(targets)[start:]
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        # Keras's first order: a RandomState shuffle of the start positions.
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(starts)
    return TimeseriesDataset(data[start:end], targets, starts, sequence_length,
                             sampling_rate, batch_size, shuffle=shuffle, seed=seed)

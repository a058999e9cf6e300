"""``DeviceRows``: a batch leaf whose rows the compiled training step gathers itself.

On an accelerator, JAX trains fastest when the whole training array sits in device memory
and each step receives only the indices of its rows, the gather running inside the
compiled step (what a hand-written ``jax.jit`` loop does). A host gather instead copies
every batch over the bus and adds a dispatch per step. ``ArrayDataAdapter`` serves such
batches as ``DeviceRows`` leaves when the backend keeps the data on the device
(``backend.core.device_resident_sources``); the JAX step function swaps each one for
``source[rows]`` inside its trace. Anything else that looks at a batch (the model build
before the first step, an eagerly run step) calls :meth:`DeviceRows.materialize` first.
"""

import numpy as np


class DeviceRows:
    """The rows ``rows`` of ``source`` (a device array), gathered where they are used.

    Args:
        source: the whole array, on the device.
        rows: NumPy integer indices: 1-D for one batch, 2-D ``(steps, batch)`` for several
            steps stacked for one compiled call.
        host: the same data as a NumPy array, or None when the user gave a device array.
        take: ``take(source, rows)``: the gather used by :meth:`materialize` when ``host``
            is None.

    Example:
        >>> leaf = DeviceRows(source, np.array([3, 0, 7], "int32"), host=x)
        >>> leaf.shape == (3,) + x.shape[1:]
        True
    """

    __slots__ = ("source", "rows", "host", "take")

    def __init__(self, source, rows, host=None, take=None):
        self.source = source
        self.rows = rows
        self.host = host
        self.take = take

    @property
    def shape(self):
        """The shape of the gathered batch: the rows' shape, then the source's trailing axes."""
        return tuple(self.rows.shape) + tuple(self.source.shape[1:])

    @property
    def dtype(self):
        """The source's dtype (the gathered batch has it too)."""
        return self.source.dtype

    @property
    def ndim(self):
        """Number of axes of the gathered batch."""
        return len(self.shape)

    def __len__(self):
        return int(self.rows.shape[0])

    def materialize(self):
        """The gathered batch as an array: NumPy from ``host``, else ``take(source, rows)``."""
        if self.host is not None:
            return np.take(self.host, self.rows, axis=0)
        return self.take(self.source, self.rows)

    def stacked(self, others):
        """``DeviceRows`` of this leaf and ``others`` (same source) as one 2-D set of rows."""
        return DeviceRows(self.source, np.stack([self.rows] + [o.rows for o in others]),
                          self.host, self.take)

    def __repr__(self):
        return f"DeviceRows(shape={self.shape}, dtype={self.dtype})"


def materialize_batch(batch):
    """``batch`` (a tuple / list / dict structure) with every ``DeviceRows`` leaf gathered.

    Example:
        >>> x, y, sw = materialize_batch(batch)
    """
    if isinstance(batch, DeviceRows):
        return batch.materialize()
    if isinstance(batch, (list, tuple)):
        items = [materialize_batch(item) for item in batch]
        return type(batch)(items) if type(batch) in (list, tuple) else type(batch)(*items)
    if isinstance(batch, dict):
        return type(batch)((k, materialize_batch(v)) for k, v in batch.items())
    return batch


def has_device_rows(batch):
    """Whether any leaf of ``batch`` is a ``DeviceRows``."""
    if isinstance(batch, DeviceRows):
        return True
    if isinstance(batch, (list, tuple)):
        return any(has_device_rows(item) for item in batch)
    if isinstance(batch, dict):
        return any(has_device_rows(v) for v in batch.values())
    return False

"""``Normalization``: shifts and scales features by a mean and variance given up front or
learned by ``adapt``; and :func:`adapt_batches`, which turns what ``adapt`` accepts (arrays,
tensors, PyDatasets, iterables of batches) into NumPy batches for every adapting layer.

The statistics are kept as Keras keeps them, as non-trainable weights ``mean``, ``variance``
and ``count``, so ``.keras`` files move between lamina and Keras 3.
"""

import math

import numpy as np

from lamina import backend
from lamina import ops
from lamina.layers.layer import Layer

_NOT_ADAPT_DATA = (
    "{layer}.adapt: `data` must be a NumPy array, a backend tensor, a PyDataset or an "
    "iterable of batches (a list of arrays, a generator). Received an object of type "
    "{kind}."
)


def _first_of(batch):
    """The inputs of a batch given as ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    return batch[0] if isinstance(batch, tuple) else batch


def _as_numpy(value):
    if isinstance(value, backend.BaseVariable) or backend.is_tensor(value):
        return np.asarray(ops.convert_to_numpy(value))
    return np.asarray(value)


def adapt_batches(data, layer_name, steps=None, batch_size=None, sequences_are_data=False):
    """Yield the NumPy batches an ``adapt(data)`` call should read.

    An array or tensor is one batch (cut into ``batch_size`` rows when given). A
    ``PyDataset`` yields its batches by index, and any other iterable (a generator, a list
    of arrays) yields its elements; a tuple element ``(x, y, ...)`` contributes ``x``.

    Args:
        data: what the user passed to ``adapt``.
        layer_name: the layer's class name, for error messages.
        steps: read at most this many batches (None: all).
        batch_size: cut an array into batches of this many rows.
        sequences_are_data: treat a list or tuple as one array (IntegerLookup does; for
            Normalization, as in Keras, a list is a list of batches).

    Returns:
        A generator of NumPy arrays.

    Example:
        >>> [b.shape for b in adapt_batches(np.zeros((5, 2)), "Normalization", batch_size=2)]
        [(2, 2), (2, 2), (1, 2)]
    """
    from lamina.data.py_dataset import PyDataset

    if isinstance(data, (np.ndarray, backend.BaseVariable)) or backend.is_tensor(data) or \
            (sequences_are_data and isinstance(data, (list, tuple))):
        array = _as_numpy(data)
        if batch_size is None or array.ndim == 0:
            batches = [array]
        else:
            batches = (array[i:i + batch_size] for i in range(0, max(len(array), 1),
                                                              batch_size))
    elif isinstance(data, PyDataset):
        batches = (_first_of(data[i]) for i in range(len(data)))
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        batches = (_first_of(batch) for batch in data)
    else:
        raise TypeError(_NOT_ADAPT_DATA.format(layer=layer_name, kind=type(data).__name__))
    for index, batch in enumerate(batches):
        if steps is not None and index >= steps:
            return
        yield _as_numpy(batch)


class _RunningMoments:
    """Mean and variance over batches, merged pairwise in float64 (Chan et al.): each
    batch's own mean and sum of squared deviations are combined with the running ones, so
    large offsets and many batches do not lose precision as a sum of squares would."""

    def __init__(self):
        self.count = 0
        self.mean = 0.0
        self.m2 = 0.0

    def add(self, batch, reduce_axes):
        batch = batch.astype("float64")
        count = math.prod(batch.shape[a] for a in reduce_axes)
        if count == 0:
            return
        mean = batch.mean(axis=reduce_axes, keepdims=True)
        m2 = np.square(batch - mean).sum(axis=reduce_axes)
        mean = np.squeeze(mean, axis=reduce_axes)
        total = self.count + count
        delta = mean - self.mean
        self.mean = self.mean + delta * (count / total)
        self.m2 = self.m2 + m2 + np.square(delta) * (self.count * count / total)
        self.count = total

    def variance(self):
        return self.m2 / self.count


class Normalization(Layer):
    """Normalizes inputs to zero mean and unit variance per feature: ``(x - mean) /
    max(sqrt(variance), epsilon)``, with ``epsilon = lamina.config.epsilon()`` (1e-7).

    The mean and variance are either passed in or computed by :meth:`adapt` from data,
    separately for each index along ``axis``. Adapted statistics are weights (``mean``,
    ``variance`` and an unused ``count``, as Keras saves them), so they travel with the
    model's files.

    Args:
        axis: the axis (int), axes (tuple) or None. Each index along these axes gets its own
            mean and variance; None normalizes everything with one scalar pair. The default
            ``-1`` normalizes each feature of ``(batch, features)`` inputs (for a 1-D input
            that is each batch index: pass ``axis=None`` there).
        mean: the mean to use instead of adapting; broadcast against the kept axes from
            the right. Must come with ``variance``.
        variance: the variance to use with ``mean``.
        invert: undo the normalization instead: ``mean + x * max(sqrt(variance), epsilon)``.

    Returns:
        The normalized inputs (same shape, in the layer's float dtype).

    Example:
        >>> layer = lamina.layers.Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        >>> layer(np.array([1.0, 2.0, 3.0]))  # [-1.414, -0.707, 0.]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(isinstance(a, (int, np.integer))
                                                     for a in axis):
            axis = tuple(int(a) for a in axis)
        else:
            raise TypeError(
                f"Normalization: `axis` must be an int, a tuple of ints or None. Received: "
                f"axis={axis!r}."
            )
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: `mean` and `variance` must be given together (or neither, "
                f"then call adapt()). Received: mean={mean!r}, variance={variance!r}."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. "
                    f"Received: mean shape {np.shape(mean)}, variance shape "
                    f"{np.shape(variance)}."
                )
            if np.ndim(mean) > len(axis):
                raise ValueError(
                    f"Normalization: `mean` may have at most as many dimensions as there are "
                    f"kept axes ({len(axis)} for axis={axis}). Received: mean shape "
                    f"{np.shape(mean)}."
                )
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._adapt_shape = None

    def build(self, input_shape):
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(
                f'Normalization layer "{self.name}": every axis must be in [-{rank}, {rank}) '
                f"for inputs of rank {rank}. Received: axis={self.axis}, input shape "
                f"{tuple(input_shape)}."
            )
        self._keep_axes = tuple(sorted(a % rank for a in self.axis))
        unknown = [a for a in self._keep_axes if input_shape[a] is None]
        if unknown:
            raise ValueError(
                f'Normalization layer "{self.name}": the kept axes {self._keep_axes} need '
                f"known sizes, but axis {unknown[0]} of input shape {tuple(input_shape)} is "
                "unknown. Give the Input a full shape, or pick other axes."
            )
        self._reduce_axes = tuple(a for a in range(rank) if a not in self._keep_axes)
        # mean and variance broadcast as (1, ..., d_kept, ..., 1).
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axes else 1
                                      for a in range(rank))
        self._adapt_shape = tuple(input_shape)
        stats_shape = tuple(input_shape[a] for a in self._keep_axes)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape,
                                                  initializer="ones", trainable=False)
            # Kept for files written by Keras, which stores it but never reads it.
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
            self._fixed = None
        else:
            self._fixed = tuple(self._broadcast_given(v)
                                for v in (self.input_mean, self.input_variance))
        self.built = True

    def _broadcast_given(self, value):
        """A given mean or variance in the broadcast shape: a scalar everywhere, otherwise
        its dimensions laid on the kept axes from the right."""
        value = np.asarray(value, dtype="float64")
        if value.ndim:
            aligned = [1] * len(self._broadcast_shape)
            for axis, size in zip(self._keep_axes[::-1], value.shape[::-1]):
                aligned[axis] = size
            value = value.reshape(aligned)
        try:
            return np.broadcast_to(value, self._broadcast_shape).astype(self.compute_dtype)
        except ValueError:
            raise ValueError(
                f'Normalization layer "{self.name}": the given mean/variance of shape '
                f"{np.shape(self.input_mean)} does not broadcast to the kept axes of shape "
                f"{self._broadcast_shape}. Give one value per index of axis={self.axis}."
            ) from None

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of ``data`` and store them in the layer.

        The statistics are merged batch by batch in float64, so data too large for memory
        can stream through a PyDataset or a generator.

        Args:
            data: a NumPy array, a backend tensor, a ``PyDataset`` or an iterable of
                batches (a list of arrays, a generator; ``(x, y)`` batches use ``x``).
            batch_size: cut an array into batches of this many rows (same result).
            steps: read at most this many batches of an iterable.

        Returns:
            None.

        Example:
            >>> layer = lamina.layers.Normalization()
            >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
            >>> layer.mean  # [[1., 20.]]
        """
        if self.input_mean is not None:
            raise ValueError(
                f'Normalization layer "{self.name}" was given `mean` and `variance`, so it '
                "has nothing to adapt. Create it without them to learn them from data."
            )
        moments = _RunningMoments()
        for batch in adapt_batches(data, "Normalization", steps=steps, batch_size=batch_size):
            if not self.built:
                self.build(batch.shape)
            self._check_adapt_shape(batch.shape)
            moments.add(batch, self._reduce_axes)
        if moments.count == 0:
            raise ValueError(
                f'Normalization layer "{self.name}": adapt() received no data (an empty '
                "array or iterable). Pass at least one non-empty batch."
            )
        self.adapt_mean.assign(np.asarray(moments.mean, dtype=self.adapt_mean.dtype))
        self.adapt_variance.assign(np.asarray(moments.variance(),
                                              dtype=self.adapt_variance.dtype))

    def _check_adapt_shape(self, shape):
        if len(shape) != len(self._adapt_shape) or any(
                shape[a] != self._adapt_shape[a] for a in self._keep_axes):
            raise ValueError(
                f'Normalization layer "{self.name}" was built for inputs of shape '
                f"{self._adapt_shape} (normalized along axes {self._keep_axes}), but adapt() "
                f"received a batch of shape {tuple(shape)}. Every batch must match on the "
                "kept axes."
            )

    @property
    def mean(self):
        """The mean in the broadcast shape (None before the layer is built)."""
        if not self.built:
            return None
        if self._fixed is not None:
            return ops.convert_to_tensor(self._fixed[0])
        return ops.reshape(self.adapt_mean.value, self._broadcast_shape)

    @property
    def variance(self):
        """The variance in the broadcast shape (None before the layer is built)."""
        if not self.built:
            return None
        if self._fixed is not None:
            return ops.convert_to_tensor(self._fixed[1])
        return ops.reshape(self.adapt_variance.value, self._broadcast_shape)

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean = ops.cast(self.mean, self.compute_dtype)
        # Keras floors the standard deviation (not the variance) at epsilon: constant
        # features pass through shifted, not blown up.
        scale = ops.maximum(ops.sqrt(ops.cast(self.variance, self.compute_dtype)),
                            backend.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(x, scale))
        return ops.divide(ops.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config

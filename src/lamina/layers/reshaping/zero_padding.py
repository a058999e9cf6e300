"""Zero padding layers: ``ZeroPadding1D``, ``ZeroPadding2D``, ``ZeroPadding3D``.

Each adds rows of zeros before and after the spatial axes. ``spatial_pairs``, which reads
the ``padding`` / ``cropping`` argument shapes Keras accepts, is shared with cropping.py.
"""

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def spatial_pairs(value, rank, name, layer_name):
    """Read a padding / cropping argument as ``rank`` ``(before, after)`` pairs.

    Accepted, as in Keras: an int (the same amount everywhere); for ``rank == 1`` a pair
    ``(before, after)``; for ``rank > 1`` a tuple of ``rank`` entries, each an int
    (symmetric along that axis) or a pair. Every amount must be a non-negative int.

    Returns:
        A tuple of ``rank`` pairs of ints.
    """
    usage = (
        "an int or a tuple of 2 ints (before, after)" if rank == 1 else
        f"an int, a tuple of {rank} ints (one symmetric amount per spatial axis), or a "
        f"tuple of {rank} tuples of 2 ints ((before, after) per spatial axis)"
    )
    error = ValueError(f"{layer_name}: `{name}` must be {usage}. Received: {name}={value!r}.")
    if _is_int(value):
        pairs = ((value, value),) * rank
    elif rank == 1:
        try:
            pairs = (tuple(value),)
        except TypeError:
            raise error from None
    else:
        try:
            entries = tuple(value)
        except TypeError:
            raise error from None
        if len(entries) != rank:
            raise error
        pairs = []
        for entry in entries:
            if _is_int(entry):
                pairs.append((entry, entry))
            else:
                try:
                    pairs.append(tuple(entry))
                except TypeError:
                    raise error from None
        pairs = tuple(pairs)
    if not all(len(p) == 2 and all(_is_int(v) for v in p) for p in pairs):
        raise error
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(
            f"{layer_name}: `{name}` cannot be negative. Received: {name}={value!r}."
        )
    return pairs


class BaseZeroPadding(Layer):
    """Pads ``rank`` spatial axes with zeros; the rank variants fix ``rank``.

    Args:
        padding: see :func:`spatial_pairs`.
        rank: the number of spatial axes (1, 2 or 3).
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.ZeroPadding2D(((1, 0), (2, 2)))(np.ones((1, 3, 3, 1))).shape
        (1, 4, 7, 1)
    """

    def __init__(self, padding, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self._pairs = spatial_pairs(padding, rank, "padding", type(self).__name__)
        # Keras keeps ZeroPadding1D's padding as one flat (before, after) pair.
        self.padding = self._pairs[0] if rank == 1 else self._pairs
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def _all_axes_pairs(self):
        if self.data_format == "channels_first":
            return ((0, 0), (0, 0)) + self._pairs
        return ((0, 0),) + self._pairs + ((0, 0),)

    def call(self, inputs):
        return ops.pad(inputs, self._all_axes_pairs())

    def compute_output_shape(self, input_shape):
        return tuple(
            None if size is None else size + before + after
            for size, (before, after) in zip(input_shape, self._all_axes_pairs())
        )

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(BaseZeroPadding):
    """Adds zeros at the start and end of a sequence's steps axis.

    Args:
        padding: an int (that many steps on both ends) or a tuple ``(before, after)``;
            default 1.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.ZeroPadding1D((1, 2))(np.ones((2, 3, 4))).shape
        (2, 6, 4)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, 1, data_format=data_format, **kwargs)


class ZeroPadding2D(BaseZeroPadding):
    """Adds rows and columns of zeros around images.

    Args:
        padding: an int (the same on all four sides), a tuple ``(rows, cols)`` of
            symmetric amounts, or ``((top, bottom), (left, right))``; default ``(1, 1)``.
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.ZeroPadding2D(1)(np.ones((1, 3, 3, 2))).shape
        (1, 5, 5, 2)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, 2, data_format=data_format, **kwargs)


class ZeroPadding3D(BaseZeroPadding):
    """Adds zeros around volumes, along their three spatial axes.

    Args:
        padding: an int, a tuple of 3 symmetric amounts, or a tuple of 3
            ``(before, after)`` pairs; default ``((1, 1), (1, 1), (1, 1))``.
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 1))).shape
        (1, 4, 4, 4, 1)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, 3, data_format=data_format, **kwargs)

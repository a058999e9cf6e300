"""Cropping layers: ``Cropping1D``, ``Cropping2D``, ``Cropping3D``.

Each removes cells from the start and end of the spatial axes (the inverse of zero
padding). The cropping argument is read by ``spatial_pairs`` from zero_padding.py.
"""

from lamina import backend
from lamina.backend import KerasTensor
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.reshaping.zero_padding import spatial_pairs


class BaseCropping(Layer):
    """Crops ``rank`` spatial axes; the rank variants fix ``rank``.

    Args:
        cropping: see :func:`lamina.layers.reshaping.zero_padding.spatial_pairs`.
        rank: the number of spatial axes (1, 2 or 3).
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.Cropping2D(((1, 0), (2, 2)))(np.ones((1, 5, 6, 1))).shape
        (1, 4, 2, 1)
    """

    def __init__(self, cropping, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self._pairs = spatial_pairs(cropping, rank, "cropping", type(self).__name__)
        # Keras keeps Cropping1D's cropping as one flat (start, end) pair.
        self.cropping = self._pairs[0] if rank == 1 else self._pairs
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def _first_spatial_axis(self):
        return 2 if self.data_format == "channels_first" else 1

    def _check_fits(self, shape):
        first = self._first_spatial_axis()
        for offset, (start, end) in enumerate(self._pairs):
            size = shape[first + offset]
            if size is not None and start + end >= size:
                raise ValueError(
                    f'{type(self).__name__} layer "{self.name}": cropping={self.cropping} '
                    f"removes {start + end} cells from spatial axis {first + offset}, whose "
                    f"size is {size} (input shape {tuple(shape)}), leaving nothing. The "
                    "cropping along each axis must be smaller than its size."
                )

    def call(self, inputs):
        shape = tuple(inputs.shape)
        self._check_fits(shape)
        first = self._first_spatial_axis()
        index = [slice(None)] * len(shape)
        for offset, (start, end) in enumerate(self._pairs):
            index[first + offset] = slice(start, shape[first + offset] - end)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_fits(input_shape)
        output = list(input_shape)
        first = self._first_spatial_axis()
        for offset, (start, end) in enumerate(self._pairs):
            if output[first + offset] is not None:
                output[first + offset] -= start + end
        return tuple(output)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(BaseCropping):
    """Removes steps from the start and end of sequences ``(batch, steps, features)``.

    Args:
        cropping: an int (that many steps from both ends) or a tuple ``(start, end)``;
            default ``(1, 1)``.

    Example:
        >>> lamina.layers.Cropping1D((1, 2))(np.ones((2, 6, 4))).shape
        (2, 3, 4)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        # Keras's Cropping1D has no data_format: the steps axis is always axis 1.
        super().__init__(cropping, 1, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class Cropping2D(BaseCropping):
    """Removes rows and columns from the borders of images.

    Args:
        cropping: an int (the same on all four sides), a tuple ``(rows, cols)`` of
            symmetric amounts, or ``((top, bottom), (left, right))``; default
            ``((0, 0), (0, 0))``.
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.Cropping2D(1)(np.ones((1, 5, 5, 2))).shape
        (1, 3, 3, 2)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, 2, data_format=data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Removes cells from the borders of volumes, along their three spatial axes.

    Args:
        cropping: an int, a tuple of 3 symmetric amounts, or a tuple of 3
            ``(start, end)`` pairs; default ``((1, 1), (1, 1), (1, 1))``.
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.Cropping3D(1)(np.ones((1, 4, 4, 4, 1))).shape
        (1, 2, 2, 2, 1)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, 3, data_format=data_format, **kwargs)

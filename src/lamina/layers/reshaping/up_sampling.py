"""Upsampling layers: ``UpSampling1D``, ``UpSampling2D``, ``UpSampling3D``.

They enlarge the spatial axes by integer factors: by repeating cells (``"nearest"``), or
for ``UpSampling2D`` also by bilinear interpolation (``ops.image.resize``).
"""

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

_INTERPOLATIONS = ("nearest", "bilinear")


def _factors(size, n, layer_name):
    """``size`` (an int or ``n`` ints, all positive) as a tuple of ``n`` ints."""
    is_int = isinstance(size, int) and not isinstance(size, bool)
    try:
        values = (size,) * n if is_int else tuple(size)
    except TypeError:
        values = None
    if values is None or len(values) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        raise ValueError(
            f"{layer_name}: `size` must be a positive int or a tuple of {n} positive ints "
            f"(one factor per spatial axis). Received: size={size!r}."
        )
    return values


class _BaseUpSampling(Layer):
    """Repeats each cell ``size[i]`` times along spatial axis ``i``."""

    def __init__(self, size, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.size = _factors(size, rank, type(self).__name__)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def _first_spatial_axis(self):
        return 2 if self.data_format == "channels_first" else 1

    def call(self, inputs):
        first = self._first_spatial_axis()
        for offset, factor in enumerate(self.size):
            inputs = ops.repeat(inputs, factor, axis=first + offset)
        return inputs

    def compute_output_shape(self, input_shape):
        output = list(input_shape)
        first = self._first_spatial_axis()
        for offset, factor in enumerate(self.size):
            if output[first + offset] is not None:
                output[first + offset] *= factor
        return tuple(output)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


class UpSampling1D(_BaseUpSampling):
    """Repeats each step of a sequence ``(batch, steps, features)`` ``size`` times.

    Args:
        size: the upsampling factor, a positive int; default 2.

    Example:
        >>> lamina.layers.UpSampling1D(3)(np.ones((2, 4, 5))).shape
        (2, 12, 5)
    """

    def __init__(self, size=2, **kwargs):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(
                f"UpSampling1D: `size` must be an int (the factor along the steps axis). "
                f"Received: size={size!r} of type {type(size).__name__}."
            )
        super().__init__(size, 1, data_format="channels_last", **kwargs)
        # One int, as Keras stores and serializes it.
        self.size = size

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class UpSampling2D(_BaseUpSampling):
    """Enlarges images by integer factors along rows and columns.

    Args:
        size: the factors ``(rows, cols)``, or one int for both; default ``(2, 2)``.
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        interpolation: ``"nearest"`` (repeat each pixel; default) or ``"bilinear"``
            (interpolate with half-pixel centres, as ``ops.image.resize`` does).

    Example:
        >>> lamina.layers.UpSampling2D((2, 3))(np.ones((1, 2, 2, 3))).shape
        (1, 4, 6, 3)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, 2, data_format=data_format, **kwargs)
        interpolation = str(interpolation).lower()
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"UpSampling2D: `interpolation` must be one of {_INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}. (Keras's 'bicubic', 'lanczos3' and "
                "'lanczos5' are not supported yet.)"
            )
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        shape = tuple(inputs.shape)
        first = self._first_spatial_axis()
        size = (shape[first] * self.size[0], shape[first + 1] * self.size[1])
        return ops.image.resize(inputs, size, interpolation=self.interpolation,
                                data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_BaseUpSampling):
    """Enlarges volumes by repeating cells along their three spatial axes.

    Args:
        size: the factors ``(dim1, dim2, dim3)``, or one int for all; default
            ``(2, 2, 2)``.
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.UpSampling3D(2)(np.ones((1, 1, 2, 3, 4))).shape
        (1, 2, 4, 6, 4)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, 3, data_format=data_format, **kwargs)

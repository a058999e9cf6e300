"""Adaptive pooling layers: ``AdaptiveAveragePooling1D/2D/3D`` and
``AdaptiveMaxPooling1D/2D/3D``.

They pool any input size to a fixed ``output_size``, choosing the windows from the input
size (``ops.adaptive_average_pool`` / ``ops.adaptive_max_pool``). None has weights.
"""

from lamina import backend
from lamina import ops
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.pooling.base_pooling import standardize_tuple


class BaseAdaptivePooling(Layer):
    """Max or average pooling of ``pool_dimensions`` spatial axes to ``output_size`` cells.

    Args:
        output_size: the spatial output size, an int or one int per spatial axis.
        pool_dimensions: the number of spatial axes (1, 2 or 3).
        pool_mode: ``"max"`` or ``"average"``.
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> layer = BaseAdaptivePooling(2, pool_dimensions=1, pool_mode="max")
        >>> layer(np.ones((1, 7, 3))).shape
        (1, 2, 3)
    """

    def __init__(self, output_size, pool_dimensions, pool_mode="average", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        cls_name = type(self).__name__
        self.output_size = standardize_tuple(output_size, pool_dimensions, "output_size",
                                             cls_name)
        if pool_mode not in ("max", "average"):
            raise ValueError(
                f"{cls_name}: `pool_mode` must be 'max' or 'average'. Received: "
                f"pool_mode={pool_mode!r}."
            )
        self.pool_mode = pool_mode
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        pool = ops.adaptive_max_pool if self.pool_mode == "max" else \
            ops.adaptive_average_pool
        return pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + self.output_size + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + self.output_size

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Average pooling of a sequence to ``output_size`` steps, whatever its length.

    Step ``i`` of ``n`` averages input steps ``floor(i * L / n)`` to
    ``ceil((i + 1) * L / n) - 1`` of a length-``L`` input.

    Args:
        output_size: the output length, an int or a tuple of 1 int.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AdaptiveAveragePooling1D(4)(np.ones((2, 9, 3))).shape
        (2, 4, 3)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=1, pool_mode="average",
                         data_format=data_format, **kwargs)


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Average pooling of images to ``output_size`` rows and columns, whatever their size.

    Args:
        output_size: the output size, an int (square) or ``(rows, cols)``.
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AdaptiveAveragePooling2D((2, 3))(np.ones((1, 9, 7, 3))).shape
        (1, 2, 3, 3)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=2, pool_mode="average",
                         data_format=data_format, **kwargs)


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Average pooling of volumes to ``output_size`` cells per spatial axis.

    Args:
        output_size: the output size, an int or ``(dim1, dim2, dim3)``.
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AdaptiveAveragePooling3D(2)(np.ones((1, 5, 5, 5, 1))).shape
        (1, 2, 2, 2, 1)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=3, pool_mode="average",
                         data_format=data_format, **kwargs)


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling of a sequence to ``output_size`` steps, whatever its length.

    The windows are those of :class:`AdaptiveAveragePooling1D`.

    Args:
        output_size: the output length, an int or a tuple of 1 int.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AdaptiveMaxPooling1D(4)(np.ones((2, 9, 3))).shape
        (2, 4, 3)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=1, pool_mode="max",
                         data_format=data_format, **kwargs)


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling of images to ``output_size`` rows and columns, whatever their size.

    Args:
        output_size: the output size, an int (square) or ``(rows, cols)``.
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AdaptiveMaxPooling2D(3)(np.ones((1, 8, 8, 2))).shape
        (1, 3, 3, 2)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=2, pool_mode="max",
                         data_format=data_format, **kwargs)


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling of volumes to ``output_size`` cells per spatial axis.

    Args:
        output_size: the output size, an int or ``(dim1, dim2, dim3)``.
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AdaptiveMaxPooling3D(2)(np.ones((1, 5, 5, 5, 1))).shape
        (1, 2, 2, 2, 1)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, pool_dimensions=3, pool_mode="max",
                         data_format=data_format, **kwargs)

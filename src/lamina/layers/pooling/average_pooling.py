"""Average pooling layers: ``AveragePooling1D``, ``AveragePooling2D``, ``AveragePooling3D``.

Each keeps the mean of every ``pool_size`` window, per channel. Unlike the max pooling
layers, ``pool_size`` has no default (as in Keras). The aliases ``AvgPool1D``,
``AvgPool2D`` and ``AvgPool3D`` are the same classes.
"""

from lamina.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling (the mean per window and channel) over a sequence's steps.

    Args:
        pool_size: the window size, an int or a tuple of 1 int.
        strides: the step between windows, an int or a tuple; ``pool_size`` when
            None.
        padding: ``"valid"`` (only windows inside the input) or ``"same"`` (pad
            evenly, the extra cell after, so the output has ``ceil(size / stride)``
            cells per axis; a window over the border is averaged over its real cells only).
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> x = np.array([1.0, 5.0, 2.0, 3.0]).reshape(1, 4, 1)
        >>> lamina.layers.AveragePooling1D(pool_size=2)(x).shape
        (1, 2, 1)
    """

    def __init__(self, pool_size, strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="average",
                         padding=padding, data_format=data_format, name=name,
                         **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling (the mean per window and channel) over the height and width of images.

    Args:
        pool_size: the window size, an int or a tuple ``(rows, cols)``.
        strides: the step between windows, an int or a tuple; ``pool_size`` when
            None.
        padding: ``"valid"`` (only windows inside the input) or ``"same"`` (pad
            evenly, the extra cell after, so the output has ``ceil(size / stride)``
            cells per axis; a window over the border is averaged over its real cells only).
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AveragePooling2D(pool_size=2)(np.ones((1, 4, 4, 3))).shape
        (1, 2, 2, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average",
                         padding=padding, data_format=data_format, name=name,
                         **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling (the mean per window and channel) over the 3 spatial axes of volumes.

    Args:
        pool_size: the window size, an int or a tuple ``(dim1, dim2, dim3)``.
        strides: the step between windows, an int or a tuple; ``pool_size`` when
            None.
        padding: ``"valid"`` (only windows inside the input) or ``"same"`` (pad
            evenly, the extra cell after, so the output has ``ceil(size / stride)``
            cells per axis; a window over the border is averaged over its real cells only).
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``) or
            ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.AveragePooling3D(pool_size=2)(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size, strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average",
                         padding=padding, data_format=data_format, name=name,
                         **kwargs)


AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D

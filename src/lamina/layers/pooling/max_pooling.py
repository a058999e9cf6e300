"""Max pooling layers: ``MaxPooling1D``, ``MaxPooling2D``, ``MaxPooling3D``.

Each keeps the largest value of every ``pool_size`` window, per channel. The aliases
``MaxPool1D``, ``MaxPool2D`` and ``MaxPool3D`` are the same classes, as in Keras.
"""

from lamina.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling (the largest value per window and channel) over a sequence's steps.

    Args:
        pool_size: the window size, an int or a tuple of 1 int; default ``2``.
        strides: the step between windows, an int or a tuple; ``pool_size`` when
            None.
        padding: ``"valid"`` (only windows inside the input) or ``"same"`` (pad
            evenly, the extra cell after, so the output has ``ceil(size / stride)``
            cells per axis; padded cells never win the max).
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> x = np.array([1.0, 5.0, 2.0, 3.0]).reshape(1, 4, 1)
        >>> lamina.layers.MaxPooling1D(pool_size=2)(x).shape
        (1, 2, 1)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max",
                         padding=padding, data_format=data_format, name=name,
                         **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling (the largest value per window and channel) over the height and width of images.

    Args:
        pool_size: the window size, an int or a tuple ``(rows, cols)``; default ``(2, 2)``.
        strides: the step between windows, an int or a tuple; ``pool_size`` when
            None.
        padding: ``"valid"`` (only windows inside the input) or ``"same"`` (pad
            evenly, the extra cell after, so the output has ``ceil(size / stride)``
            cells per axis; padded cells never win the max).
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.MaxPooling2D()(np.ones((1, 4, 4, 3))).shape
        (1, 2, 2, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="max",
                         padding=padding, data_format=data_format, name=name,
                         **kwargs)


class MaxPooling3D(BasePooling):
    """Max pooling (the largest value per window and channel) over the 3 spatial axes of volumes.

    Args:
        pool_size: the window size, an int or a tuple ``(dim1, dim2, dim3)``; default ``(2, 2, 2)``.
        strides: the step between windows, an int or a tuple; ``pool_size`` when
            None.
        padding: ``"valid"`` (only windows inside the input) or ``"same"`` (pad
            evenly, the extra cell after, so the output has ``ceil(size / stride)``
            cells per axis; padded cells never win the max).
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``) or
            ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> lamina.layers.MaxPooling3D()(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max",
                         padding=padding, data_format=data_format, name=name,
                         **kwargs)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D

"""Global max pooling: ``GlobalMaxPooling1D``, ``GlobalMaxPooling2D``, ``GlobalMaxPooling3D``.

Each keeps the largest value over all spatial positions, per channel. The aliases
``GlobalMaxPool1D``, ``GlobalMaxPool2D`` and ``GlobalMaxPool3D`` are the same classes.
"""

from lamina import ops
from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling


class _GlobalMaxPooling(BaseGlobalPooling):
    def call(self, inputs):
        return ops.max(inputs, axis=self._spatial_axes(len(inputs.shape)),
                       keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalMaxPooling):
    """The largest value over the steps of a sequence, per feature.

    As in Keras, this layer does not take a mask: masked steps still count (use
    ``GlobalAveragePooling1D`` for a masked summary, or zero the padding beforehand).

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the steps axis with size 1; default False gives
            ``(batch, features)``.

    Example:
        >>> lamina.layers.GlobalMaxPooling1D()(np.ones((2, 3, 4))).shape
        (2, 4)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims,
                         **kwargs)


class GlobalMaxPooling2D(_GlobalMaxPooling):
    """The largest value over the height and width of images, per channel.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the spatial axes with size 1; default False gives
            ``(batch, channels)``.

    Example:
        >>> lamina.layers.GlobalMaxPooling2D()(np.ones((2, 4, 5, 3))).shape
        (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims,
                         **kwargs)


class GlobalMaxPooling3D(_GlobalMaxPooling):
    """The largest value over the three spatial axes of volumes, per channel.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the spatial axes with size 1; default False gives
            ``(batch, channels)``.

    Example:
        >>> lamina.layers.GlobalMaxPooling3D()(np.ones((2, 3, 4, 5, 6))).shape
        (2, 6)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims,
                         **kwargs)


GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D

"""Global average pooling: ``GlobalAveragePooling1D``, ``2D`` and ``3D``.

Each keeps the mean over all spatial positions, per channel. ``GlobalAveragePooling1D``
takes a mask of the steps and averages the unmasked ones only. The aliases
``GlobalAvgPool1D``, ``GlobalAvgPool2D`` and ``GlobalAvgPool3D`` are the same classes.
"""

from lamina import ops
from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps of a sequence, per feature; masked steps are left out.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the steps axis with size 1; default False gives
            ``(batch, features)``.

    Call arguments:
        inputs: a rank-3 tensor.
        mask: optional boolean ``(batch, steps)``, True for the steps to average. A
            sample whose steps are all masked gives NaN (0 / 0), as in Keras. The output
            has no mask.

    Example:
        >>> x = np.array([[[1.0], [3.0], [100.0]]])
        >>> mask = np.array([[True, True, False]])
        >>> lamina.layers.GlobalAveragePooling1D()(x, mask=mask)  # [[2.]]
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims,
                         **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps_axis = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return ops.mean(inputs, axis=steps_axis, keepdims=self.keepdims)
        # (batch, steps) -> broadcastable against the input's steps axis.
        keep = ops.expand_dims(ops.cast(mask, "bool"), 2 if steps_axis == 1 else 1)
        # `where` (not a product) so that inf / NaN in masked steps cannot leak in.
        total = ops.sum(ops.where(keep, inputs, 0.0), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        """The mask is consumed: the output has no steps axis left to mask."""
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """The mean over the height and width of images, per channel.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the spatial axes with size 1; default False gives
            ``(batch, channels)``.

    Example:
        >>> lamina.layers.GlobalAveragePooling2D()(np.ones((2, 4, 5, 3))).shape
        (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        return ops.mean(inputs, axis=self._spatial_axes(4), keepdims=self.keepdims)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """The mean over the three spatial axes of volumes, per channel.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, dim1, dim2, dim3, channels)``)
            or ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the spatial axes with size 1; default False gives
            ``(batch, channels)``.

    Example:
        >>> lamina.layers.GlobalAveragePooling3D()(np.ones((2, 3, 4, 5, 6))).shape
        (2, 6)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims,
                         **kwargs)

    def call(self, inputs):
        return ops.mean(inputs, axis=self._spatial_axes(5), keepdims=self.keepdims)


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

"""``AutoContrast``: stretches each channel of each image to the full value range."""

from lamina import ops
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class AutoContrast(BaseImagePreprocessingLayer):
    """Maps each channel of each image linearly so that its darkest pixel becomes
    ``value_range[0]`` and its brightest ``value_range[1]``.

    Deterministic, so, as in Keras 3, it applies in training and at inference alike. A
    channel whose pixels are all equal has no range to stretch and is left as it is.

    Args:
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
        **kwargs: base layer arguments such as ``name``, ``dtype`` and ``data_format``
            (``"channels_last"`` or ``"channels_first"``; Keras 3 always reduces over
            axes 1 and 2, i.e. assumes channels-last batches).

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> lamina.layers.AutoContrast()(np.array([[[50.0], [100.0]]]))  # [[[0.], [255.]]]
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _color.check_value_range("AutoContrast", value_range)

    def call(self, inputs, training=True):
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        axes = self._spatial_axes(rank)
        low = ops.min(images, axis=axes, keepdims=True)
        high = ops.max(images, axis=axes, keepdims=True)
        spread = ops.subtract(high, low)
        has_range = spread > 0
        scale = ops.divide(self.value_range[1] - self.value_range[0],
                           ops.where(has_range, spread, 1.0))
        stretched = ops.add(ops.multiply(ops.subtract(images, low), scale),
                            self.value_range[0])
        stretched = ops.clip(stretched, self.value_range[0], self.value_range[1])
        # (the cast: engines differ in how the float constants above promote)
        return ops.cast(ops.where(has_range, stretched, images), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range})
        return config

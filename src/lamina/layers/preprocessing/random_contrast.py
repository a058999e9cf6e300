"""``RandomContrast``: scales each image's contrast by a random factor while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomContrast(BaseImagePreprocessingLayer):
    """Scales each image's distance from its per-channel mean by a random factor while
    training: ``(x - mean) * factor + mean``, clipped to ``value_range``. At inference the
    images pass through unchanged (cast to the compute dtype).

    Each image draws one factor, shared by its channels; the mean is taken over the
    image's pixels, per channel.

    Args:
        factor: a number ``f`` in ``[0, 1]`` or a pair ``(lower, upper)``; the contrast
            factor is drawn from ``[1 - lower, 1 + upper]``. As in Keras 3, a single
            number gives ``lower = 0`` (Keras bounds the lower end at 0), so
            ``factor=0.5`` draws from ``[1.0, 1.5]``; pass ``(0.5, 0.5)`` for
            ``[0.5, 1.5]``.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            outputs are clipped to it.
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomContrast((0.5, 0.5), value_range=(0, 1), seed=1)
        >>> layer(np.random.rand(2, 8, 8, 3), training=True).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        lower, upper = self.factor
        contrast = random.uniform(self._per_image_shape(images), minval=1.0 - lower,
                                  maxval=1.0 + upper, dtype=self.compute_dtype,
                                  seed=self.generator)
        height_axis, width_axis = self._spatial_axes(rank)
        mean = ops.mean(images, axis=(height_axis, width_axis), keepdims=True)
        adjusted = ops.add(ops.multiply(ops.subtract(images, mean), contrast), mean)
        return ops.clip(adjusted, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

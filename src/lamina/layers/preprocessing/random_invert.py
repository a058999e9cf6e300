"""``RandomInvert``: turns some images into their negatives while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomInvert(BaseImagePreprocessingLayer):
    """Replaces each pixel ``x`` of an image by ``value_range[1] - x``, for a random
    subset of the images, while training; at inference the images pass through unchanged
    (cast to the compute dtype).

    Each image draws a probability ``p`` from the ``factor`` range and is inverted when a
    second uniform draw falls below ``p``; the default ``factor=1.0`` draws ``p`` from
    ``[0, 1]``, so about half the images are inverted.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probabilities from ``[0, f]``) or a pair
            ``(low, high)``. ``(1.0, 1.0)`` inverts every image, ``0`` none. Default 1.0.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
            As in Keras 3, the negative is ``high - x`` (so ``low`` should be 0).
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomInvert(factor=(1.0, 1.0))
        >>> layer(np.full((1, 2, 2, 3), 55.0), training=True)  # all 200.0
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        _color.check_value_range("RandomInvert", value_range)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        shape = self._per_image_shape(images)
        probability = random.uniform(shape, minval=self.factor[0], maxval=self.factor[1],
                                     dtype=self.compute_dtype, seed=self.generator)
        draw = random.uniform(shape, dtype=self.compute_dtype, seed=self.generator)
        inverted = ops.subtract(self.value_range[1], images)
        return ops.where(ops.less(draw, probability), inverted, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

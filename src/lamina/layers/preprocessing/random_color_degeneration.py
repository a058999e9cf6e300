"""``RandomColorDegeneration``: blends each image towards its grayscale version while
training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """Moves each image a random fraction ``f`` of the way to its grayscale version,
    ``x + f * (grey - x)``, clipped to ``value_range``, while training. At inference the
    images pass through unchanged (cast to the compute dtype).

    ``f = 0`` leaves an image as it is, ``f = 1`` makes it fully grey (the luma
    ``0.2989 R + 0.587 G + 0.114 B`` in all three channels).

    Args:
        factor: a number ``f`` in ``[0, 1]`` (fractions drawn from ``[0, f]``, as Keras
            documents; Keras 3's code draws from ``[-f, f]``) or a pair ``(low, high)``
            in ``[-1, 1]`` (negative fractions, as Keras 3 saves them, move away from
            grey).
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape (three channels), in the compute dtype.

    Example:
        >>> layer = lamina.layers.RandomColorDegeneration((0.5, 0.5))
        >>> layer(np.array([[[200.0, 0.0, 0.0]]]), training=True)  # half way to grey
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = _color.nonnegative_factor_range("RandomColorDegeneration", factor,
                                                       pair_low=-1.0)
        self.value_range = _color.check_value_range("RandomColorDegeneration", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        axis = _color.check_channels("RandomColorDegeneration", inputs, self.data_format)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        fraction = random.uniform(self._per_image_shape(images), minval=self.factor[0],
                                  maxval=self.factor[1], dtype=self.compute_dtype,
                                  seed=self.generator)
        grey = _color.rgb_to_grayscale(images, axis)
        blended = ops.add(images, ops.multiply(fraction, ops.subtract(grey, images)))
        return ops.clip(blended, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

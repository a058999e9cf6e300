"""``RandomSaturation``: scales each image's colour saturation by a random amount while
training."""

from lamina import ops
from lamina import random
from lamina.backend import config as backend_config
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomSaturation(BaseImagePreprocessingLayer):
    """Scales the saturation of each image by a random amount while training; at
    inference the images pass through unchanged (cast to the compute dtype).

    Each image draws ``f`` from the ``factor`` range; in HSV space its saturation is
    multiplied by ``f / (1 - f)`` and clipped to ``[0, 1]``, keeping hue and value. So
    ``f = 0`` gives grey, ``f = 0.5`` leaves the image as it is, and ``f`` near 1 makes
    every colour fully saturated.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (draws from ``[0, f]``, as Keras documents;
            Keras 3's code draws from ``[-f, f]``, where negative draws give grey) or a
            pair ``(low, high)`` in ``[-1, 1]`` (negative ends, as Keras 3 saves them,
            give grey too). ``(0.5, 0.5)`` is the identity.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomSaturation((0.0, 0.0))
        >>> layer(np.array([[[200.0, 100.0, 0.0]]]), training=True)  # [[[200, 200, 200]]]
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = _color.nonnegative_factor_range("RandomSaturation", factor,
                                                       pair_low=-1.0)
        self.value_range = _color.check_value_range("RandomSaturation", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        axis = _color.check_channels("RandomSaturation", inputs, self.data_format)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        draw = random.uniform(self._per_image_shape(images), minval=self.factor[0],
                              maxval=self.factor[1], dtype=self.compute_dtype,
                              seed=self.generator)
        scale = ops.divide(draw, ops.add(ops.subtract(1.0, draw), backend_config.epsilon()))
        hsv = _color.rgb_to_hsv(_color.rescale(images, self.value_range, (0, 1)), axis)
        hue, saturation, value = ops.split(hsv, 3, axis=axis)
        # Keras clips the saturation to `value_range`; a saturation is a fraction, so it is
        # clipped to [0, 1] here (the two agree for value_range=(0, 1)).
        saturation = ops.clip(ops.multiply(saturation, scale), 0.0, 1.0)
        rgb = _color.hsv_to_rgb(ops.concatenate([hue, saturation, value], axis=axis), axis)
        # (the cast: engines differ in how the HSV maths' float constants promote)
        return ops.cast(_color.rescale(rgb, (0, 1), self.value_range), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

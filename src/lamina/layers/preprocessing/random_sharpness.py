"""``RandomSharpness``: sharpens or softens each image by a random amount while
training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

# The smoothing filter of PIL's ImageEnhance.Sharpness (and Keras 3): weight 5 in the
# centre, 1 around it, over 13.
_SMOOTH = [[1.0 / 13, 1.0 / 13, 1.0 / 13], [1.0 / 13, 5.0 / 13, 1.0 / 13],
           [1.0 / 13, 1.0 / 13, 1.0 / 13]]


class RandomSharpness(BaseImagePreprocessingLayer):
    """Blends each image with a smoothed copy by a random amount while training; at
    inference the images pass through unchanged (cast to the compute dtype).

    Each image draws ``f`` from the ``factor`` range and becomes
    ``x + (1 - 2 f) * (smooth - x)``, clipped to ``value_range``: ``f = 0`` gives the
    smoothed image, ``f = 0.5`` the image itself, ``f = 1`` a sharpened one. As in
    Keras 3 the smoothing pads with zeros, so border pixels darken a little when smoothed.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (draws from ``[0, f]``) or a pair
            ``(low, high)``. ``(0.5, 0.5)`` is the identity.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomSharpness((1.0, 1.0), seed=1)
        >>> layer(np.random.uniform(0, 255, (2, 8, 8, 3)), training=True).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        self.value_range = _color.check_value_range("RandomSharpness", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        sharpness = random.uniform(self._per_image_shape(images), minval=self.factor[0],
                                   maxval=self.factor[1], dtype=self.compute_dtype,
                                   seed=self.generator)
        smooth = _color.filter2d(images, ops.convert_to_tensor(_SMOOTH, self.compute_dtype),
                                 self.data_format)
        weight = ops.subtract(1.0, ops.multiply(sharpness, 2.0))
        blended = ops.add(images, ops.multiply(weight, ops.subtract(smooth, images)))
        return ops.clip(blended, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

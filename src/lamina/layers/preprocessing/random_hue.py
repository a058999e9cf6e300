"""``RandomHue``: turns each image's colours round the colour circle by a random amount
while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomHue(BaseImagePreprocessingLayer):
    """Shifts the hue of each image by a random amount while training; at inference the
    images pass through unchanged (cast to the compute dtype).

    Each image draws ``f`` from the ``factor`` range and a random direction; in HSV space
    its hue moves by ``f / 2`` of a full turn that way (wrapping round), keeping
    saturation and value. ``f = 1`` turns the colours half way round (red to cyan).

    Args:
        factor: a number ``f`` in ``[0, 1]`` (draws from ``[0, f]``) or a pair
            ``(low, high)``. ``0`` is the identity.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomHue((1.0, 1.0), value_range=(0, 1))
        >>> layer(np.array([[[1.0, 0.0, 0.0]]]), training=True)  # [[[0., 1., 1.]]]
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        _color.check_value_range("RandomHue", value_range)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        axis = _color.check_channels("RandomHue", inputs, self.data_format)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        shape = self._per_image_shape(images)
        direction = ops.where(random.uniform(shape, dtype=self.compute_dtype,
                                             seed=self.generator) > 0.5, -1.0, 1.0)
        amount = random.uniform(shape, minval=self.factor[0], maxval=self.factor[1],
                                dtype=self.compute_dtype, seed=self.generator)
        shift = ops.cast(ops.multiply(ops.multiply(direction, amount), 0.5),
                         self.compute_dtype)
        value_range = sorted(self.value_range)
        hsv = _color.rgb_to_hsv(_color.rescale(images, value_range, (0, 1)), axis)
        hue, saturation, value = ops.split(hsv, 3, axis=axis)
        hue = ops.add(hue, shift)
        hue = ops.where(hue > 1.0, ops.subtract(hue, 1.0), hue)
        hue = ops.where(hue < 0.0, ops.add(hue, 1.0), hue)
        rgb = _color.hsv_to_rgb(ops.concatenate([hue, saturation, value], axis=axis), axis)
        # (the cast: engines differ in how the HSV maths' float constants promote)
        return ops.cast(_color.rescale(ops.clip(rgb, 0.0, 1.0), (0, 1), value_range),
                        self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

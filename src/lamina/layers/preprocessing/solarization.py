"""``Solarization``: inverts the pixels above a threshold, with an optional random
brightening first, while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class Solarization(BaseImagePreprocessingLayer):
    """Solarizes images while training: on a 0-255 scale, adds a random amount to every
    pixel (clipping at 255), then replaces each pixel ``x`` at or above a random threshold
    by ``255 - x``. At inference the images pass through unchanged (cast to the compute
    dtype).

    The amounts are drawn once per image. With the defaults (both factors 0) every pixel
    is at or above the threshold 0, so the whole image is inverted.

    Args:
        addition_factor: a number ``f`` in ``[0, 1]`` (amounts from ``[0, f]``) or a pair
            ``(low, high)``, as fractions of the value range (``0.1`` adds up to 25.5 on a
            0-255 scale). Default 0.
        threshold_factor: the same for the threshold. Default 0.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            the images are mapped to 0-255 and back around the operation.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name``, ``dtype`` and ``data_format``
            (the operation is the same for either layout).

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.Solarization(threshold_factor=(0.5, 0.5))
        >>> layer(np.array([[[10.0], [200.0]]]), training=True)  # [[[10.], [55.]]]
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.addition_factor = _color.nonnegative_factor_range(
            "Solarization", addition_factor, "addition_factor")
        self.threshold_factor = _color.nonnegative_factor_range(
            "Solarization", threshold_factor, "threshold_factor")
        self.value_range = _color.check_value_range("Solarization", value_range)
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
        # Keras scales only the upper end of each range by 255; both ends are scaled here,
        # as its docs describe (the two agree whenever the lower end is 0).
        additions = random.uniform(shape, minval=self.addition_factor[0] * 255.0,
                                   maxval=self.addition_factor[1] * 255.0,
                                   dtype=self.compute_dtype, seed=self.generator)
        thresholds = random.uniform(shape, minval=self.threshold_factor[0] * 255.0,
                                    maxval=self.threshold_factor[1] * 255.0,
                                    dtype=self.compute_dtype, seed=self.generator)
        scaled = _color.rescale(images, self.value_range, (0, 255))
        scaled = ops.clip(ops.add(scaled, additions), 0.0, 255.0)
        solarized = ops.where(ops.less(scaled, thresholds), scaled,
                              ops.subtract(255.0, scaled))
        return _color.rescale(solarized, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor, "seed": self.seed})
        return config

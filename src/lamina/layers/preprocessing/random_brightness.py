"""``RandomBrightness``: adds a random offset to each image while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomBrightness(BaseImagePreprocessingLayer):
    """Adds one random offset to every pixel and channel of each image while training,
    then clips to ``value_range``; at inference the images pass through unchanged (cast
    to the compute dtype).

    The offset is a fraction of the value range: a factor of -1 turns an image black
    (``value_range[0]``), +1 white (``value_range[1]``).

    Args:
        factor: a number ``f`` in ``[-1, 1]`` (offsets drawn from ``[-|f|, |f|]``) or a
            pair ``(low, high)`` (offsets from ``[low, high]``), as fractions of
            ``value_range[1] - value_range[0]``.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            outputs are clipped to it. Use ``(0, 1)`` after a ``Rescaling(1 / 255)``.
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default; Keras 3
        adds the offset in the input's dtype, which wraps around for unsigned integers).

    Example:
        >>> layer = lamina.layers.RandomBrightness(0.2, seed=1)
        >>> layer(np.full((1, 2, 2, 3), 100.0), training=True)  # 100 +- up to 51
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, -1, 1)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(
                "RandomBrightness: `value_range` must be a list or tuple of two numbers, "
                "the (low, high) range of the input values, e.g. (0, 255) or (0, 1). "
                f"Received: value_range={value_range!r}."
            )
        self.value_range = sorted(value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        low, high = self.value_range
        delta = random.uniform(self._per_image_shape(images), minval=self.factor[0],
                               maxval=self.factor[1], dtype=self.compute_dtype,
                               seed=self.generator)
        delta = ops.multiply(delta, high - low)
        return ops.clip(ops.add(images, delta), low, high)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config

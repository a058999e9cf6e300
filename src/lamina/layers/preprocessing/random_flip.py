"""``RandomFlip``: flips images left-right and/or upside down at random while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
_MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image with probability 1/2 while training; at inference the images pass
    through unchanged (cast to the compute dtype).

    With ``mode="horizontal_and_vertical"`` one coin decides both flips, as in Keras 3:
    a flipped image is mirrored left-right and upside down (turned 180 degrees).

    Args:
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (upside down) or
            ``"horizontal_and_vertical"`` (default).
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomFlip("horizontal", seed=1)
        >>> layer(np.arange(6.0).reshape(1, 1, 6, 1), training=True)  # maybe reversed
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in _MODES:
            raise ValueError(
                f"RandomFlip: `mode` must be one of {_MODES}. Received: mode={mode!r}."
            )
        self.mode = mode
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        # Keras flips where a uniform draw is <= 0.5, one draw per image.
        flips = ops.less_equal(
            random.uniform(self._per_image_shape(images), seed=self.generator), 0.5)
        height_axis, width_axis = self._spatial_axes(rank)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=width_axis), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=height_axis), images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config

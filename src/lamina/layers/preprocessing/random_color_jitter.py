"""``RandomColorJitter``: random brightness, contrast, saturation and hue, one after the
other, while training."""

from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_hue import RandomHue
from lamina.layers.preprocessing.random_saturation import RandomSaturation


class RandomColorJitter(BaseImagePreprocessingLayer):
    """Applies ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation`` and
    ``RandomHue``, in that order, each with its own draws, while training; at inference
    the images pass through unchanged (cast to the compute dtype).

    A factor left at None skips that step; each given factor means what it means for its
    layer.

    Args:
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``,
            handed to every step.
        brightness_factor: ``RandomBrightness``'s ``factor``, or None (default).
        contrast_factor: ``RandomContrast``'s ``factor``, or None (default).
        saturation_factor: ``RandomSaturation``'s ``factor``, or None (default).
        hue_factor: ``RandomHue``'s ``factor``, or None (default).
        seed: an int for repeatable draws (the steps use ``seed``, ``seed + 1``, ...).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``. Handed to every step.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomColorJitter(brightness_factor=0.2,
        ...                                         hue_factor=0.1, seed=1)
        >>> layer(np.random.uniform(0, 255, (2, 8, 8, 3)), training=True).shape
        (2, 8, 8, 3)
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _color.check_value_range("RandomColorJitter", value_range)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        self.random_brightness = self._step(RandomBrightness, brightness_factor, 0)
        self.random_contrast = self._step(RandomContrast, contrast_factor, 1)
        self.random_saturation = self._step(RandomSaturation, saturation_factor, 2)
        self.random_hue = self._step(RandomHue, hue_factor, 3)

    def _step(self, cls, factor, offset):
        """The step layer for ``factor``, or None when the factor is None."""
        if factor is None:
            return None
        # Distinct seeds, so that the steps do not draw the same numbers.
        seed = None if self.seed is None else self.seed + offset
        return cls(factor, value_range=self.value_range, seed=seed,
                   data_format=self.data_format, dtype=self.dtype_policy)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        for step in (self.random_brightness, self.random_contrast, self.random_saturation,
                     self.random_hue):
            if step is not None:
                images = step(images, training=True)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "brightness_factor": self.brightness_factor,
                       "contrast_factor": self.contrast_factor,
                       "saturation_factor": self.saturation_factor,
                       "hue_factor": self.hue_factor, "seed": self.seed})
        return config

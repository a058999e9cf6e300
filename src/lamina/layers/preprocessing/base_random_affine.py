"""``BaseRandomAffine``: the shared body of RandomRotation, RandomZoom and RandomTranslation.

Each of those layers only draws its per-image transform (``_random_transform``); this base
validates ``fill_mode`` and ``interpolation``, keeps the seed, and resamples the images with
``ops.image.affine_transform`` while training.
"""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class BaseRandomAffine(BaseImagePreprocessingLayer):
    """The base of the random geometric augmentation layers.

    While training, each image is resampled through its own random transform (see
    ``ops.image.affine_transform``); at inference the images pass through unchanged, cast
    to the layer's compute dtype.

    Args:
        fill_mode: how points outside the image are filled: ``"reflect"`` (default,
            ``d c b a | a b c d | d c b a``), ``"wrap"`` (``a b c d | a b c d``),
            ``"constant"`` (``fill_value``) or ``"nearest"`` (the edge pixel).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int for repeatable draws.
        fill_value: the value of the points outside the image with
            ``fill_mode="constant"`` (default 0.0).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A layer whose output has the input's shape and the compute dtype.

    Example:
        >>> class RandomShift(BaseRandomAffine):
        ...     def _random_transform(self, batch, height, width):
        ...         dx = random.uniform((batch,), -2.0, 2.0, seed=self.generator)
        ...         one, zero = ops.ones((batch,)), ops.zeros((batch,))
        ...         return ops.stack([one, zero, dx, zero, one, zero, zero, zero], axis=1)
        >>> RandomShift(seed=1)(np.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = type(self).__name__
        if fill_mode not in FILL_MODES:
            raise ValueError(
                f"{name}: `fill_mode` must be one of {FILL_MODES}. Received: "
                f"fill_mode={fill_mode!r}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"{name}: `interpolation` must be one of {INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}."
            )
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _random_transform(self, batch, height, width):
        """A float32 ``(batch, 8)`` tensor of transforms (output pixel -> input point)."""
        raise NotImplementedError(
            f"abstract: {type(self).__name__} must implement _random_transform()"
        )

    @staticmethod
    def _stack_transforms(a0, a1, a2, b0, b1, b2):
        """``(batch, 8)`` transform rows from six ``(batch,)`` coefficients; the projective
        terms ``c0, c1`` are zero for rotations, zooms and translations."""
        zeros = ops.zeros_like(a0)
        return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        height, width = self._image_size(images.shape)
        batch = images.shape[0] if rank == 4 else 1
        transform = self._random_transform(batch, height, width)
        return ops.image.affine_transform(
            images, transform, interpolation=self.interpolation, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format,
        )

    def get_config(self):
        config = super().get_config()
        config.update({
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        })
        return config


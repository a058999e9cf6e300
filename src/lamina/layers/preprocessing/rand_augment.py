"""``RandAugment``: applies a few augmentations picked at random from a fixed list while
training (Cubuk et al., 2019, "RandAugment")."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing._augmentation_steps import make_steps
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.base_random_affine import INTERPOLATIONS

# The candidate steps, in Keras 3's order (the drawn indices refer to it).
STEPS = ("random_shear", "random_translation", "random_rotation", "random_brightness",
         "random_color_degeneration", "random_contrast", "random_sharpness",
         "random_posterization", "solarization", "auto_contrast", "equalization")


class RandAugment(BaseImagePreprocessingLayer):
    """Applies ``num_ops`` augmentations in a row while training, each picked uniformly
    at random (once per call, for the whole batch) from shear, translation, rotation,
    brightness, colour degeneration, contrast, sharpness, posterization, solarization,
    auto-contrast and equalization; at inference the images pass through unchanged (cast
    to the compute dtype).

    Every step takes its strength from ``factor``, as in Keras 3: the ``factor`` range is
    handed to each random layer (``max(1, int(8 * high))`` bits for posterization), and
    the geometric steps fill with ``"reflect"``.

    Args:
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
        num_ops: the number of augmentations applied in a row; default 2.
        factor: a number ``f`` in ``[0, 1]`` (the range ``(0, f)``) or a pair
            ``(low, high)``: the strength of every step. Default 0.5.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``, for the geometric
            steps.
        seed: an int for repeatable draws (the steps use ``seed + 1``, ``seed + 2``, ...).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandAugment(num_ops=3, factor=0.3, seed=1)
        >>> layer(np.random.uniform(0, 255, (2, 16, 16, 3)), training=True).shape
        (2, 16, 16, 3)
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _color.check_value_range("RandAugment", value_range)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(
                "RandAugment: `num_ops` must be an int of at least 0, the number of "
                f"augmentations in a row, e.g. num_ops=2. Received: num_ops={num_ops!r}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"RandAugment: `interpolation` must be one of {INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}."
            )
        self.value_range = value_range
        self.num_ops = num_ops
        # Both ends in [0, 1]: every step takes this range as its own.
        self.factor = _color.nonnegative_factor_range("RandAugment", factor)
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        steps = make_steps(STEPS, self.factor, value_range, interpolation, seed,
                           self.data_format, self.dtype_policy)
        for name, step in steps.items():  # attributes, so that the layer tracks them
            setattr(self, name, step)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training or self.num_ops == 0:
            return images
        picks = random.randint((self.num_ops,), 0, len(STEPS), seed=self.generator)
        for i in range(self.num_ops):
            # Every step runs and the picked one is kept: one compiled graph for any
            # pick, as in Keras 3.
            for index, name in enumerate(STEPS):
                step = getattr(self, name)
                images = ops.where(ops.equal(picks[i], index),
                                   ops.cast(step(images, training=True), images.dtype),
                                   images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_ops": self.num_ops,
                       "factor": self.factor, "interpolation": self.interpolation,
                       "seed": self.seed})
        return config

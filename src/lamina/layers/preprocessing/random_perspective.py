"""``RandomPerspective``: moves the corners of some images by random amounts while
training, warping each through the projective transform that follows."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.base_random_affine import INTERPOLATIONS


class RandomPerspective(BaseImagePreprocessingLayer):
    """Warps a random subset of the images by a random perspective change while
    training; at inference the images pass through unchanged (cast to the compute dtype).

    Each image draws a probability ``p`` from the ``factor`` range and is warped when a
    second uniform draw falls below ``p``. Its corners ``(0, 0)``, ``(w - 1, 0)``,
    ``(0, h - 1)`` and ``(w - 1, h - 1)`` (``(x, y)``, in pixels) move to
    ``corner * (1 + d)``, with each ``d`` (one per coordinate) drawn from
    ``[-scale / 2, scale / 2]``, and the image follows the projective transform that
    takes the old corners to the new ones; points from outside read ``fill_value``. As in
    Keras 3, the offsets are relative to each coordinate, so the top-left corner never
    moves.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probabilities from ``[0, f]``) or a pair
            ``(low, high)``; ``(1.0, 1.0)`` warps every image. Default 1.0.
        scale: a number in ``[0, 1]``, the size of the corner offsets; default 1.0.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: the value of the points outside the image; default 0.0.
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomPerspective(scale=0.3, seed=1)
        >>> layer(np.ones((2, 16, 16, 3)), training=True).shape
        (2, 16, 16, 3)
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        if not _color.is_number(scale) or not 0 <= scale <= 1:
            raise ValueError(
                "RandomPerspective: `scale` must be a number in [0, 1], the size of the "
                f"corner offsets, e.g. scale=0.5. Received: scale={scale!r}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"RandomPerspective: `interpolation` must be one of {INTERPOLATIONS}. "
                f"Received: interpolation={interpolation!r}."
            )
        self.scale = scale
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        if rank == 3:
            images = ops.expand_dims(images, 0)
        batch = images.shape[0]
        height, width = self._image_size(images.shape)
        # Keras's order of draws: the probability, the threshold, then the offsets.
        probability = random.uniform((batch,), minval=self.factor[0],
                                     maxval=self.factor[1], seed=self.generator)
        threshold = random.uniform((batch,), seed=self.generator)
        offsets = random.uniform((batch, 4, 2), minval=-0.5 * self.scale,
                                 maxval=0.5 * self.scale, dtype="float32",
                                 seed=self.generator)
        corners = ops.convert_to_tensor(
            [[0.0, 0.0], [width - 1.0, 0.0], [0.0, height - 1.0],
             [width - 1.0, height - 1.0]], dtype="float32")
        start = ops.broadcast_to(corners, (batch, 4, 2))
        end = ops.add(start, ops.multiply(start, offsets))
        warped = ops.image.perspective_transform(
            images, start, end, interpolation=self.interpolation,
            fill_value=self.fill_value, data_format=self.data_format)
        is_warped = ops.reshape(ops.less(threshold, probability), (batch, 1, 1, 1))
        out = ops.cast(ops.where(is_warped, warped, images), self.compute_dtype)
        return out[0] if rank == 3 else out

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config

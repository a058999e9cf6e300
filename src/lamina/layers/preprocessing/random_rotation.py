"""``RandomRotation``: rotates each image by a random angle while training."""

import math

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_random_affine import BaseRandomAffine


class RandomRotation(BaseRandomAffine):
    """Rotates each image about its centre by its own random angle while training; at
    inference the images pass through unchanged (cast to the compute dtype).

    Args:
        factor: the angle range as a fraction of a full turn: a number ``f`` draws angles
            in ``[-f * 360, f * 360]`` degrees, a pair ``(low, high)`` in
            ``[low * 360, high * 360]``. Positive angles turn counter-clockwise.
        fill_mode: how the corners uncovered by the rotation are filled: ``"reflect"``
            (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int for repeatable draws.
        fill_value: the value used with ``fill_mode="constant"`` (default 0.0).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomRotation(0.1, fill_mode="constant", seed=1)
        >>> layer(np.ones((2, 32, 32, 3)), training=True).shape  # turned up to 36 degrees
        (2, 32, 32, 3)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, -1, 1)

    def _random_transform(self, batch, height, width):
        lower, upper = self.factor
        degrees = random.uniform((batch,), minval=lower * 360.0, maxval=upper * 360.0,
                                 dtype="float32", seed=self.generator)
        angle = ops.multiply(degrees, math.pi / 180.0)
        cos, sin = ops.cos(angle), ops.sin(angle)
        # Rotate about the centre of the pixel grid: an output pixel p reads the input at
        # R (p - c) + c, with c = ((width - 1) / 2, (height - 1) / 2).
        center_x, center_y = (width - 1) / 2.0, (height - 1) / 2.0
        a2 = center_x - center_x * cos + center_y * sin
        b2 = center_y - center_x * sin - center_y * cos
        return self._stack_transforms(cos, -sin, a2, sin, cos, b2)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config

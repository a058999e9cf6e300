"""``RandomShear``: shears each image along x and y by random amounts while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_random_affine import BaseRandomAffine


class RandomShear(BaseRandomAffine):
    """Shears each image by its own random amounts while training; at inference the images
    pass through unchanged (cast to the compute dtype).

    Each image draws ``sx`` from the ``x_factor`` range, ``sy`` from the ``y_factor``
    range and one random sign ``s`` for both; the output pixel ``(x, y)`` (column, row,
    counted from the top-left corner) reads the input at
    ``(x + s * sx * y, y + s * sy * x)``. So ``sx = 0.3`` slides each row sideways by 0.3
    pixels per row below the top, as in Keras 3 (the shear is about the top-left corner,
    not the centre).

    Args:
        x_factor: a number ``f`` in ``[0, 1]`` (shears drawn from ``[-f, f]``) or a pair
            ``(low, high)``; default 0.0 (no horizontal shear).
        y_factor: the same for the vertical shear; default 0.0.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: how points outside the image are read: ``"reflect"`` (default,
            ``d c b a | a b c d | d c b a``), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        fill_value: the value outside the image with ``fill_mode="constant"``; default 0.0.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomShear(x_factor=0.2, y_factor=0.2, seed=1)
        >>> layer(np.ones((2, 16, 16, 3)), training=True).shape
        (2, 16, 16, 3)
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.x_factor = _shear_range(x_factor, "x_factor")
        self.y_factor = _shear_range(y_factor, "y_factor")

    def _random_transform(self, batch, height, width):
        # Keras's order of draws: the sign, then the vertical and the horizontal shear.
        sign = ops.where(random.uniform((batch,), dtype="float32", seed=self.generator)
                         > 0.5, -1.0, 1.0)
        shear_y = random.uniform((batch,), minval=self.y_factor[0], maxval=self.y_factor[1],
                                 dtype="float32", seed=self.generator)
        shear_x = random.uniform((batch,), minval=self.x_factor[0], maxval=self.x_factor[1],
                                 dtype="float32", seed=self.generator)
        ones = ops.ones((batch,), "float32")
        return self._stack_transforms(ones, ops.multiply(sign, shear_x), ops.zeros_like(ones),
                                      ops.multiply(sign, shear_y), ones, ops.zeros_like(ones))

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor})
        return config


def _shear_range(factor, argument):
    """``(lower, upper)`` for a shear factor: a number ``f`` in ``[0, 1]`` gives
    ``(-f, f)``; a pair is sorted.

    Keras 3 documents pairs in ``[0, 1]`` but saves a number ``f`` as ``(-f, f)``, so pairs
    may reach down to -1 here: its files must load.
    """
    message = (
        f"RandomShear: `{argument}` must be a number in [0, 1] or a pair of two numbers in "
        f"[-1, 1], the shear as a fraction of the image, e.g. {argument}=0.2 or "
        f"{argument}=(0.1, 0.3). Received: {argument}={factor!r}."
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_color.is_number(f) and -1 <= f <= 1 for f in factor):
            raise ValueError(message)
        lower, upper = sorted(factor)
        return lower, upper
    if not _color.is_number(factor) or not 0 <= factor <= 1:
        raise ValueError(message)
    return -abs(factor), abs(factor)

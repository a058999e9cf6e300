"""``RandomTranslation``: shifts each image by a random offset while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_random_affine import BaseRandomAffine


class RandomTranslation(BaseRandomAffine):
    """Shifts each image by its own random vertical and horizontal offset while
    training; at inference the images pass through unchanged (cast to the compute dtype).

    Args:
        height_factor: the vertical shift range as a fraction of the height: a number
            ``f`` draws shifts in ``[-f, f] * height``, a pair ``(low, high)`` in
            ``[low, high] * height``; each number in ``[-1, 1]``. Negative values shift
            up, positive values down.
        width_factor: the horizontal shift range, like ``height_factor`` (negative values
            shift left, positive values right).
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: an int for repeatable draws.
        fill_value: the value used with ``fill_mode="constant"`` (default 0.0).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomTranslation(0.1, 0.1, seed=1)
        >>> layer(np.ones((2, 32, 32, 3)), training=True).shape  # moved up to 3 pixels
        (2, 32, 32, 3)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._signed_factor_range(
            height_factor, "height_factor", open_low=False)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = self._signed_factor_range(
            width_factor, "width_factor", open_low=False)

    def _random_transform(self, batch, height, width):
        # Keras draws the vertical shift first, then the horizontal one.
        shift_y = random.uniform((batch,), minval=self.height_lower,
                                 maxval=self.height_upper, dtype="float32",
                                 seed=self.generator)
        shift_x = random.uniform((batch,), minval=self.width_lower,
                                 maxval=self.width_upper, dtype="float32",
                                 seed=self.generator)
        # An output pixel reads the input `shift` pixels back: x_in = x - dx.
        shift_y = ops.multiply(shift_y, float(height))
        shift_x = ops.multiply(shift_x, float(width))
        ones, zeros = ops.ones_like(shift_x), ops.zeros_like(shift_x)
        return self._stack_transforms(ones, zeros, ops.negative(shift_x), zeros, ones,
                                      ops.negative(shift_y))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor,
                       "width_factor": self.width_factor})
        return config

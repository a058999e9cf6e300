"""``RandomZoom``: zooms each image in or out by a random amount while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_random_affine import BaseRandomAffine


class RandomZoom(BaseRandomAffine):
    """Zooms each image about its centre by its own random factor while training; at
    inference the images pass through unchanged (cast to the compute dtype).

    A positive factor zooms out (the image shrinks, the border is filled by ``fill_mode``),
    a negative one zooms in.

    Args:
        height_factor: the vertical zoom range as a fraction of the height: a number ``f``
            draws zooms in ``[-f, f]``, a pair ``(low, high)`` in ``[low, high]``; each
            number in ``(-1, 1]``. ``0.2`` zooms between 20% in and 20% out.
        width_factor: the horizontal zoom range, like ``height_factor``. None (default)
            zooms both axes by the same drawn amount, keeping the aspect ratio.
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
        >>> layer = lamina.layers.RandomZoom((-0.3, -0.1), seed=1)  # zoom in 10-30%
        >>> layer(np.ones((2, 32, 32, 3)), training=True).shape
        (2, 32, 32, 3)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._signed_factor_range(
            height_factor, "height_factor", open_low=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = self._signed_factor_range(
                width_factor, "width_factor", open_low=True)

    def _random_transform(self, batch, height, width):
        # Keras draws the height zoom first, then the width zoom from the same generator.
        zoom_y = random.uniform((batch,), minval=1.0 + self.height_lower,
                                maxval=1.0 + self.height_upper, dtype="float32",
                                seed=self.generator)
        if self.width_factor is None:
            zoom_x = zoom_y
        else:
            zoom_x = random.uniform((batch,), minval=1.0 + self.width_lower,
                                    maxval=1.0 + self.width_upper, dtype="float32",
                                    seed=self.generator)
        # Scale about the centre of the pixel grid: x_in = zoom_x * x + (1 - zoom_x) * cx.
        offset_x = ops.multiply(1.0 - zoom_x, (width - 1) / 2.0)
        offset_y = ops.multiply(1.0 - zoom_y, (height - 1) / 2.0)
        zeros = ops.zeros_like(zoom_x)
        return self._stack_transforms(zoom_x, zeros, offset_x, zeros, zoom_y, offset_y)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor,
                       "width_factor": self.width_factor})
        return config

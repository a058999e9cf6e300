"""``RandomPosterization``: keeps only the top few bits of each colour value while
training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

_FACTOR_ERROR = (
    "RandomPosterization: `factor` must be an int or a pair of two ints in [1, 8], the "
    "number of bits kept per 8-bit colour value, e.g. factor=4 or factor=(2, 6). "
    "Received: factor={factor!r}."
)


class RandomPosterization(BaseImagePreprocessingLayer):
    """Reduces each image to a random number of bits per colour channel while training;
    at inference the images pass through unchanged (cast to the compute dtype).

    On a 0-255 scale, each value is truncated to an integer and its lowest ``8 - bits``
    bits are cleared (``4`` bits leave the 16 levels 0, 16, ..., 240). Each image draws
    its own ``bits``.

    Args:
        factor: an int ``b`` in ``[1, 8]`` (bits drawn from ``1..b``) or a pair
            ``(low, high)`` (bits from ``low..high``, both ends included).
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            the images are mapped to 0-255 and back around the operation.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomPosterization((2, 2))
        >>> layer(np.array([[[100.0, 200.0, 63.0]]]), training=True)  # [[[64, 192, 0]]]
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = _bits_range(factor)
        self.value_range = _color.check_value_range("RandomPosterization", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        low, high = self.factor
        shape = self._per_image_shape(images)
        if low == high:
            bits = ops.full(shape, float(low), dtype=self.compute_dtype)
        else:
            # Keras 3 draws from [low, high), never keeping `high` bits; both ends are
            # included here, as the argument's meaning (bits to keep) suggests.
            bits = ops.cast(random.randint(shape, low, high + 1, seed=self.generator),
                            self.compute_dtype)
        step = ops.power(2.0, ops.subtract(8.0, bits))
        scaled = ops.floor(ops.clip(_color.rescale(images, self.value_range, (0, 255)),
                                    0.0, 255.0))
        posterized = ops.multiply(ops.floor(ops.divide(scaled, step)), step)
        return _color.rescale(posterized, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config


def _bits_range(factor):
    def is_bits(value):
        return _color.is_number(value) and int(value) == value and 1 <= value <= 8

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(is_bits(f) for f in factor):
            raise ValueError(_FACTOR_ERROR.format(factor=factor))
        low, high = sorted(int(f) for f in factor)
        return low, high
    if not is_bits(factor):
        raise ValueError(_FACTOR_ERROR.format(factor=factor))
    return 1, int(factor)

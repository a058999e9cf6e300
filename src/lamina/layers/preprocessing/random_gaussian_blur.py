"""``RandomGaussianBlur``: blurs some images with a Gaussian of random width while
training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Blurs a random subset of the images with a Gaussian filter while training, then
    clips to ``value_range``; at inference the images pass through unchanged (cast to the
    compute dtype).

    Each image draws a probability ``p`` from the ``factor`` range and is blurred when a
    second uniform draw falls below ``p``. The filter's standard deviations (one along
    the height, one along the width) are drawn from ``sigma`` once per call, shared by the
    batch, as in Keras 3. The filter is normalized and pads with zeros.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probabilities from ``[0, f]``) or a pair
            ``(low, high)``; ``(1.0, 1.0)`` blurs every image. Default 1.0.
        kernel_size: an odd int, or a pair of odd ints ``(height, width)``; default 3.
        sigma: a number ``s`` in ``[0, 1]`` (standard deviations from ``[0, s]``, in
            pixels) or a pair. Default 1.0.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomGaussianBlur((1.0, 1.0), sigma=(0.8, 0.8))
        >>> layer(np.random.uniform(0, 255, (2, 8, 8, 3)), training=True).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = self._factor_range(sigma, 0, 1, argument="sigma")
        _color.check_value_range("RandomGaussianBlur", value_range)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        dtype = self.compute_dtype
        shape = self._per_image_shape(images)
        probability = random.uniform(shape, minval=self.factor[0], maxval=self.factor[1],
                                     dtype=dtype, seed=self.generator)
        draw = random.uniform(shape, dtype=dtype, seed=self.generator)
        # Keras adds 1e-6 so that a zero sigma stays a (sharp) valid Gaussian.
        sigma = ops.add(random.uniform((2,), minval=self.sigma[0], maxval=self.sigma[1],
                                       dtype=dtype, seed=self.generator), 1e-6)
        rows = _gaussian(self.kernel_size[0], sigma[0], dtype)
        cols = _gaussian(self.kernel_size[1], sigma[1], dtype)
        kernel = ops.multiply(ops.expand_dims(rows, 1), ops.expand_dims(cols, 0))
        blurred = _color.filter2d(images, kernel, self.data_format)
        out = ops.where(ops.less(draw, probability), blurred, images)
        low, high = sorted(self.value_range)
        return ops.clip(out, low, high)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "kernel_size": self.kernel_size,
                       "sigma": self.sigma, "value_range": self.value_range,
                       "seed": self.seed})
        return config


def _gaussian(size, sigma, dtype):
    """A normalized 1-D Gaussian of ``size`` taps centred on the middle one."""
    offsets = ops.subtract(ops.arange(size, dtype=dtype), (size - 1) / 2.0)
    weights = ops.exp(ops.multiply(-0.5, ops.square(ops.divide(offsets, sigma))))
    return ops.divide(weights, ops.sum(weights))


def _kernel_size(kernel_size):
    message = (
        "RandomGaussianBlur: `kernel_size` must be an odd int or a pair of odd ints "
        f"(height, width), e.g. kernel_size=3 or (3, 5). Received: kernel_size="
        f"{kernel_size!r}."
    )

    def is_odd(value):
        return _color.is_number(value) and int(value) == value and value > 0 and \
            value % 2 == 1

    if isinstance(kernel_size, (tuple, list)):
        if len(kernel_size) != 2 or not all(is_odd(k) for k in kernel_size):
            raise ValueError(message)
        return int(kernel_size[0]), int(kernel_size[1])
    if not is_odd(kernel_size):
        raise ValueError(message)
    return int(kernel_size), int(kernel_size)

"""``RandomElasticTransform``: warps some images by a random, smooth displacement field
while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.base_random_affine import INTERPOLATIONS

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_ORDERS = {"nearest": 0, "bilinear": 1}


class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Warps a random subset of the images by an elastic deformation while training,
    then clips to ``value_range``; at inference the images pass through unchanged (cast
    to the compute dtype).

    Each image draws a probability ``p`` from the ``factor`` range and is warped when a
    second uniform draw falls below ``p``. One strength ``d`` is drawn from the ``scale``
    range per call; with ``alpha = 0.1 * d * max(height, width)`` and
    ``sigma = 0.05 * d * min(height, width)``, every pixel reads the input at its own
    position plus ``alpha`` times a field of normal noise (times ``sigma``) blurred by a
    Gaussian of standard deviation ``sigma``, as ``ops.image.elastic_transform`` does.
    When the upper end of ``factor`` or ``scale`` is 0 the images pass through.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probabilities from ``[0, f]``) or a pair
            ``(low, high)``; ``(1.0, 1.0)`` warps every image. Default 1.0.
        scale: a number ``s`` in ``[0, 1]`` (strengths from ``[0, s]``) or a pair; default
            1.0.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: how points outside the image are read: ``"reflect"`` (default,
            ``d c b a | a b c d | d c b a``), ``"mirror"`` (``c d c b | a b c d | c b a
            b``), ``"wrap"``, ``"nearest"`` or ``"constant"``.
        fill_value: the value outside the image with ``fill_mode="constant"``; default 0.0.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            outputs are clipped to it.
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomElasticTransform(scale=0.5, seed=1)
        >>> layer(np.random.uniform(0, 255, (2, 16, 16, 3)), training=True).shape
        (2, 16, 16, 3)
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        self.scale = self._factor_range(scale, 0, 1, argument="scale")
        name = type(self).__name__
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"{name}: `interpolation` must be one of {INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}."
            )
        if fill_mode not in FILL_MODES:
            raise ValueError(
                f"{name}: `fill_mode` must be one of {FILL_MODES}. Received: "
                f"fill_mode={fill_mode!r}."
            )
        _color.check_value_range(name, value_range)
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training or self.factor[1] == 0 or self.scale[1] == 0:
            return images
        if rank == 3:
            images = ops.expand_dims(images, 0)
        if self.data_format == "channels_first":
            images = ops.moveaxis(images, 1, -1)
        batch, height, width, _ = images.shape
        # Keras's order of draws: the probability, the threshold, then the strength.
        probability = random.uniform((batch,), minval=self.factor[0],
                                     maxval=self.factor[1], seed=self.generator)
        threshold = random.uniform((batch,), seed=self.generator)
        strength = random.uniform((), minval=self.scale[0], maxval=self.scale[1],
                                  dtype="float32", seed=self.generator)
        warped = self._warp(images, strength)
        is_warped = ops.reshape(ops.less(threshold, probability), (batch, 1, 1, 1))
        low, high = sorted(self.value_range)
        out = ops.clip(ops.where(is_warped, warped, images), low, high)
        if self.data_format == "channels_first":
            out = ops.moveaxis(out, -1, 1)
        out = ops.cast(out, self.compute_dtype)
        return out[0] if rank == 3 else out

    def _warp(self, images, strength):
        """(batch, height, width, channels) ``images`` read at randomly displaced points."""
        batch, height, width, channels = images.shape
        alpha = ops.multiply(strength, 0.1 * max(height, width))
        sigma = ops.multiply(strength, 0.05 * min(height, width))
        # 1. Smooth noise, (batch, height, width, 2) for (x, y). The Gaussian's width is
        #    drawn, so its taps cover the widest sigma the scale allows (int(6 sigma) | 1,
        #    as ops.image.elastic_transform takes): a static shape that compiles once.
        taps = int(6 * 0.05 * min(height, width) * self.scale[1]) | 1
        noise = ops.multiply(random.normal((batch, height, width, 2), dtype="float32",
                                           seed=self.generator), sigma)
        window = _gaussian(taps, ops.maximum(sigma, 1e-6))
        noise = _color.filter2d(noise, ops.expand_dims(window, 1), "channels_last")
        noise = _color.filter2d(noise, ops.expand_dims(window, 0), "channels_last")
        shift = ops.multiply(noise, alpha)
        # 2. Each output pixel's source point; the batch and channel coordinates are whole
        #    numbers, so every point reads one image and one channel.
        shape = (batch, height, width, channels)
        rows = ops.add(ops.reshape(ops.arange(height, dtype="float32"), (1, -1, 1)),
                       shift[..., 1])
        cols = ops.add(ops.reshape(ops.arange(width, dtype="float32"), (1, 1, -1)),
                       shift[..., 0])
        coordinates = [
            ops.broadcast_to(ops.reshape(ops.arange(batch, dtype="float32"), (-1, 1, 1, 1)),
                             shape),
            ops.broadcast_to(ops.expand_dims(rows, -1), shape),
            ops.broadcast_to(ops.expand_dims(cols, -1), shape),
            ops.broadcast_to(ops.reshape(ops.arange(channels, dtype="float32"),
                                         (1, 1, 1, -1)), shape),
        ]
        return ops.image.map_coordinates(
            ops.cast(images, "float32"), coordinates, _ORDERS[self.interpolation],
            fill_mode=self.fill_mode, fill_value=self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config


def _gaussian(size, sigma):
    """A normalized 1-D Gaussian of ``size`` taps centred on the middle one; ``sigma``
    may be a tensor."""
    offsets = ops.subtract(ops.arange(size, dtype="float32"), (size - 1) / 2.0)
    weights = ops.exp(ops.multiply(-0.5, ops.square(ops.divide(offsets, sigma))))
    return ops.divide(weights, ops.sum(weights))

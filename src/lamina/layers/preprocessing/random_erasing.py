"""``RandomErasing``: overwrites a random rectangle of some images while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

_FILL_ERROR = (
    "RandomErasing: `fill_value` must be None (Gaussian noise), a number, or a list of "
    "three numbers (one per channel). Received: fill_value={fill_value!r}."
)


class RandomErasing(BaseImagePreprocessingLayer):
    """Overwrites one random axis-aligned rectangle in a random subset of the images
    while training; at inference the images pass through unchanged (cast to the compute
    dtype).

    Each image draws a probability ``p`` from the ``factor`` range and is erased when a
    second uniform draw falls below ``p``. The rectangle's height and width are
    ``sqrt(s)`` of the image's, with ``s`` drawn from ``scale`` (separately for each side),
    and its position is uniform inside the image. Pixels whose row and column fall in
    ``[start, start + length)`` are replaced.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probabilities from ``[0, f]``) or a pair
            ``(low, high)``; ``(1.0, 1.0)`` erases every image. Default 1.0.
        scale: a number or pair in ``[0, 1]``: the range of ``s``. Default
            ``(0.02, 0.33)``.
        fill_value: None (default: Gaussian noise times ``value_range[1]``), a number, or
            one number per channel; clipped to ``value_range``.
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomErasing((1.0, 1.0), fill_value=0.0, seed=1)
        >>> layer(np.full((1, 8, 8, 3), 9.0), training=True)  # a block of zeros
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        self.scale = self._factor_range(scale, 0, 1, argument="scale")
        if fill_value is not None and not _color.is_number(fill_value) and not (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3
                and all(_color.is_number(v) for v in fill_value)):
            raise ValueError(_FILL_ERROR.format(fill_value=fill_value))
        self.fill_value = fill_value
        _color.check_value_range("RandomErasing", value_range)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        dtype = self.compute_dtype
        shape = self._per_image_shape(images)
        height, width = self._image_size(images.shape)
        # Keras stores value_range as given; a reversed pair still means (low, high).
        low, high = sorted(self.value_range)
        sides = ops.sqrt(random.uniform(shape[:-1] + (2,), minval=self.scale[0],
                                        maxval=self.scale[1], dtype=dtype,
                                        seed=self.generator))
        in_box = None
        for index, (axis, size) in enumerate(zip(self._spatial_axes(rank),
                                                 (height, width))):
            length = ops.multiply(sides[..., index:index + 1], float(size))
            start = ops.multiply(random.uniform(shape, dtype=dtype, seed=self.generator),
                                 ops.subtract(float(size), length))
            # positions along this axis, shaped to broadcast against the images
            position = ops.reshape(ops.arange(size, dtype=dtype),
                                   [size if a == axis else 1 for a in range(rank)])
            inside = ops.logical_and(position >= start, position < ops.add(start, length))
            in_box = inside if in_box is None else ops.logical_and(in_box, inside)
        probability = random.uniform(shape, minval=self.factor[0], maxval=self.factor[1],
                                     dtype=dtype, seed=self.generator)
        draw = random.uniform(shape, dtype=dtype, seed=self.generator)
        erase = ops.logical_and(in_box, ops.less(draw, probability))
        fill = ops.clip(self._fill(images, rank), low, high)
        return ops.where(erase, fill, images)

    def _fill(self, images, rank):
        if self.fill_value is None:
            return ops.multiply(random.normal(images.shape, dtype=self.compute_dtype,
                                              seed=self.generator),
                                float(sorted(self.value_range)[1]))
        if isinstance(self.fill_value, (tuple, list)):
            axis = _color.channel_axis(rank, self.data_format)
            return ops.reshape(ops.convert_to_tensor(self.fill_value, self.compute_dtype),
                               [3 if a == axis else 1 for a in range(rank)])
        return ops.convert_to_tensor(self.fill_value, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config

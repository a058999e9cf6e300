"""``RandomGrayscale``: turns some images grey while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Converts each image to grayscale with probability ``factor`` while training; at
    inference the images pass through unchanged (cast to the compute dtype).

    A grey image keeps its three channels, each holding the luma
    ``0.2989 R + 0.587 G + 0.114 B``, so the output shape is the input's.
    Single-channel images are already grey and pass through.

    Args:
        factor: the probability, in ``[0, 1]``, that an image is converted. Default 0.5.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default; Keras 3
        keeps the input dtype here).

    Example:
        >>> layer = lamina.layers.RandomGrayscale(factor=1.0)
        >>> layer(np.array([[[255.0, 0.0, 0.0]]]), training=True)  # [[[76.2, 76.2, 76.2]]]
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not _color.is_number(factor) or not 0 <= factor <= 1:
            raise ValueError(
                "RandomGrayscale: `factor` must be a probability, a number in [0, 1], "
                f"e.g. factor=0.2. Received: factor={factor!r}."
            )
        self.factor = factor
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        axis = _color.check_channels("RandomGrayscale", inputs, self.data_format, (1, 3))
        images = self._to_compute_dtype(inputs)
        if not training or images.shape[axis] == 1:
            return images
        draw = random.uniform(self._per_image_shape(images), dtype=self.compute_dtype,
                              seed=self.generator)
        grey = _color.rgb_to_grayscale(images, axis)
        return ops.where(ops.less(draw, self.factor), ops.broadcast_to(grey, images.shape),
                         images)

    def get_config(self):
        config = super().get_config()
        # Keras 3 leaves `seed` out of this layer's config; it is kept here so a reloaded
        # layer draws the same way. Keras accepts the key when loading.
        config.update({"factor": self.factor, "seed": self.seed})
        return config

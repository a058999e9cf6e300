"""``RandomCrop``: cuts a randomly placed window out of images while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from lamina.random.seed_generator import make_default_seed


class RandomCrop(BaseImagePreprocessingLayer):
    """Cuts a ``(height, width)`` window at a random place while training; at inference
    it cuts the largest centred window with the target aspect ratio and resizes it to
    ``(height, width)``.

    While training, one position is drawn per call and shared by every image of the
    batch (as in Keras). An input smaller than the window along either axis is handled as
    at inference, so the output always has the target size.

    Args:
        height: the output height, a positive int.
        width: the output width, a positive int.
        seed: an int for repeatable draws; None draws one now, and the config records it.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        One image or a batch with height ``height`` and width ``width``, in the compute
        dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.RandomCrop(24, 24, seed=1)
        >>> layer(np.ones((2, 32, 32, 3)), training=True).shape
        (2, 24, 24, 3)
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for argument, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"RandomCrop: `{argument}` must be a positive int, the output size. "
                    f"Received: {argument}={value!r}."
                )
        self.height = height
        self.width = width
        # Keras fixes a seed here when none is given, so a saved config repeats the crops.
        self.seed = seed if seed is not None else make_default_seed()
        self.generator = random.SeedGenerator(self.seed)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        height, width = self._image_size(images.shape)
        if (height, width) == (self.height, self.width):
            return images
        if training and height >= self.height and width >= self.width:
            return self._random_window(images, rank, height, width)
        return ops.image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format=self.data_format)

    def _random_window(self, images, rank, height, width):
        # The corner is drawn as Keras draws it (top, then left: a uniform float in
        # [0, room + 1) truncated to an int). It is a tensor, traced under jit, so the
        # window is gathered with index ranges rather than sliced with Python ints.
        height_axis, width_axis = self._spatial_axes(rank)
        for axis, size, room in ((height_axis, self.height, height - self.height),
                                 (width_axis, self.width, width - self.width)):
            start = ops.cast(random.uniform((), 0.0, float(room + 1), dtype="float32",
                                            seed=self.generator), "int32")
            start = ops.minimum(start, room)  # float rounding could reach room + 1
            rows = ops.add(ops.arange(size, dtype="int32"), start)
            images = ops.take(images, rows, axis=axis)
        return images

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        height_axis, width_axis = self._spatial_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config

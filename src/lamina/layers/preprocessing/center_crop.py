"""``CenterCrop``: cuts the central window of a fixed size out of images."""

from lamina import ops
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class CenterCrop(BaseImagePreprocessingLayer):
    """Cuts the central ``(height, width)`` window out of images, in training and
    inference alike.

    An image smaller than the window along either axis is instead cropped to the largest
    centred window with the target aspect ratio and resized to ``(height, width)``
    (bilinear), as Keras does. When the leftover margin is odd, the extra pixel is
    dropped at the bottom or right.

    Args:
        height: the output height, a positive int.
        width: the output width, a positive int.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        One image or a batch with height ``height`` and width ``width``, in the compute
        dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.CenterCrop(2, 2)
        >>> layer(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]  # [[5, 6], [9, 10]]
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for argument, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"CenterCrop: `{argument}` must be a positive int, the output size. "
                    f"Received: {argument}={value!r}."
                )
        self.height = height
        self.width = width

    def call(self, inputs):
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        height, width = self._image_size(images.shape)
        if height < self.height or width < self.width:
            return ops.image.resize(images, (self.height, self.width),
                                    crop_to_aspect_ratio=True, data_format=self.data_format)
        top, left = (height - self.height) // 2, (width - self.width) // 2
        index = [slice(None)] * rank
        height_axis, width_axis = self._spatial_axes(rank)
        index[height_axis] = slice(top, top + self.height)
        index[width_axis] = slice(left, left + self.width)
        return images[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                "CenterCrop: the input shape must have rank 3 (one image) or 4 (a batch). "
                f"Received: input_shape={tuple(input_shape)}."
            )
        height_axis, width_axis = self._spatial_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config

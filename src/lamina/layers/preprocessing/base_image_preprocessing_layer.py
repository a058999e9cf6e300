"""``BaseImagePreprocessingLayer``: what the image preprocessing layers share.

The image layout (``data_format``), the check that an input is one image or a batch, the
height and width axes, Keras's rule for a ``factor`` range, and the config entries. The
affine layers (rotation, zoom, translation) add their own base in ``base_random_affine.py``.
Bounding boxes, labels and segmentation masks (Keras's dict inputs) are not handled here.
"""

import numbers

from lamina import ops
from lamina.backend import config
from lamina.layers.layer import Layer

_DICT_INPUT_ERROR = (
    "{layer}: inputs must be an image tensor (rank 3) or a batch of images (rank 4). "
    "Dicts with 'images', 'bounding_boxes', 'labels' or 'segmentation_masks' (Keras's "
    "augmentation format) are not supported; pass the images tensor itself."
)


class BaseImagePreprocessingLayer(Layer):
    """The base of the image preprocessing layers (``Resizing``, ``RandomFlip``, ...).

    A subclass implements ``call(inputs, training=...)`` on one image or a batch; this
    class gives it the layout helpers, the ``factor`` check and the config.

    Args:
        data_format: ``"channels_last"`` (images ``(height, width, channels)``) or
            ``"channels_first"`` (``(channels, height, width)``); default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A layer; its outputs are described by each subclass.

    Example:
        >>> class Invert(BaseImagePreprocessingLayer):
        ...     def call(self, inputs):
        ...         self._check_images(inputs)
        ...         return 255.0 - ops.cast(inputs, self.compute_dtype)
        >>> Invert()(np.zeros((4, 4, 3))).shape
        (4, 4, 3)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)

    # -- layout ---------------------------------------------------------------------------
    def _check_images(self, images):
        """Raise unless ``images`` is one image (rank 3) or a batch (rank 4); return the
        rank."""
        if isinstance(images, dict):
            raise ValueError(_DICT_INPUT_ERROR.format(layer=type(self).__name__))
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(
                f"{type(self).__name__}: inputs must have rank 3 (one image) or rank 4 (a "
                f"batch of images). Received inputs of shape {tuple(images.shape)}. Add or "
                "remove the batch axis, e.g. with ops.expand_dims(image, 0)."
            )
        return rank

    def _spatial_axes(self, rank):
        """The (height, width) axes of a rank-3 or rank-4 input."""
        first = rank - 3 if self.data_format == "channels_last" else rank - 2
        return first, first + 1

    def _image_size(self, shape):
        """``(height, width)`` read from an input shape."""
        height_axis, width_axis = self._spatial_axes(len(shape))
        return shape[height_axis], shape[width_axis]

    def _per_image_shape(self, images):
        """The shape of a draw made once per image and broadcast over its pixels:
        ``(batch, 1, 1, 1)`` for a batch, ``(1, 1, 1)`` for one image."""
        if len(images.shape) == 4:
            return (images.shape[0], 1, 1, 1)
        return (1, 1, 1)

    def _to_compute_dtype(self, images):
        # Keras's augmentation layers output floats, whatever the input dtype.
        return ops.cast(images, self.compute_dtype)

    # -- factor ---------------------------------------------------------------------------
    def _factor_range(self, factor, low, high, argument="factor"):
        """``(lower, upper)`` from a number or a pair, by Keras's rule.

        A number ``f`` in ``[low, high]`` gives ``(max(-|f|, low), |f|)``; a pair is sorted
        and rejected only when it lies entirely outside ``[low, high]``, as Keras does.
        """
        message = (
            f"{type(self).__name__}: `{argument}` must be a number or a pair of two numbers "
            f"in [{low}, {high}], e.g. {argument}=0.1 or {argument}=(-0.1, 0.2). Received: "
            f"{argument}={factor!r}."
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(_is_number(f) for f in factor):
                raise ValueError(message)
            if factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
            return lower, upper
        if not _is_number(factor) or not low <= factor <= high:
            raise ValueError(message)
        factor = abs(factor)
        return max(-factor, low), factor

    def _signed_factor_range(self, factor, argument, open_low):
        """``(lower, upper)`` for a zoom or translation factor.

        Each number must lie in ``[-1, 1]`` (``(-1, 1]`` when ``open_low``: a zoom of -1
        would shrink the sampled window to nothing); a number ``f`` gives ``(-|f|, |f|)``.
        """
        interval = "(-1.0, 1.0]" if open_low else "[-1.0, 1.0]"
        message = (
            f"{type(self).__name__}: `{argument}` must be a number or a pair of two numbers "
            f"in {interval}, a fraction of the image size, e.g. {argument}=0.2 or "
            f"{argument}=(-0.2, 0.3). Received: {argument}={factor!r}."
        )

        def in_range(value):
            if not _is_number(value):
                return False
            return (-1.0 < value if open_low else -1.0 <= value) and value <= 1.0

        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(in_range(f) for f in factor):
                raise ValueError(message)
            lower, upper = sorted(factor)
            return lower, upper
        if not in_range(factor):
            raise ValueError(message)
        return -abs(factor), abs(factor)

    # -- shapes and config ----------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        return config_


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)

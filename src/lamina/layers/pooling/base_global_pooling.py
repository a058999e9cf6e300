"""``BaseGlobalPooling``: the shared part of the global max and average pooling layers.

A global pooling layer reduces every spatial axis at once, leaving one number per channel
(``keepdims=True`` keeps the reduced axes with size 1).
"""

from lamina import backend
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces all ``pool_dimensions`` spatial axes of its input; subclasses pick the
    reduction in ``call``.

    Args:
        pool_dimensions: the number of spatial axes (1, 2 or 3).
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); default
            ``lamina.backend.image_data_format()``.
        keepdims: keep the spatial axes with size 1 (``False``: drop them, giving
            ``(batch, channels)``).

    Example:
        >>> lamina.layers.GlobalMaxPooling2D(keepdims=True)(np.ones((2, 4, 5, 3))).shape
        (2, 1, 1, 3)
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def _spatial_axes(self, rank):
        """The axes reduced for an input of ``rank``."""
        if self.data_format == "channels_last":
            return tuple(range(1, rank - 1))
        return tuple(range(2, rank))

    def call(self, inputs):
        raise NotImplementedError(
            f"abstract: {type(self).__name__} must implement call() with its reduction"
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * spatial + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * spatial
        return (input_shape[0], input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config

"""``Equalization``: histogram equalization of each colour channel while training."""

from lamina import ops
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class Equalization(BaseImagePreprocessingLayer):
    """Spreads each channel's values evenly over the value range by histogram
    equalization while training; at inference the images pass through unchanged (cast to
    the compute dtype), as in Keras 3.

    Per channel, on a 0-255 scale: values are counted into ``bins`` equal bins; each bin
    maps to ``round(255 * (cdf - cdf_min) / (count - cdf_min))``, where ``cdf`` is the
    running count up to and including the bin, ``cdf_min`` the first non-zero one and
    ``count`` the number of values. A channel with one occupied bin is left as it is. As
    in Keras 3, one histogram per channel is taken over the whole batch (a batch of one
    image equalizes that image on its own).

    Args:
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            the images are mapped to 0-255 and back around the operation.
        bins: the number of histogram bins, default 256 (one per 8-bit level).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.Equalization()
        >>> layer(np.array([[[0.0], [10.0], [20.0], [30.0]]]), training=True)
        ... # [[[0.], [85.], [170.], [255.]]]
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
            raise ValueError(
                "Equalization: `bins` must be an int of at least 2, e.g. bins=256. "
                f"Received: bins={bins!r}."
            )
        self.bins = bins
        self.value_range = _color.check_value_range("Equalization", value_range)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        rank = self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        axis = _color.channel_axis(rank, self.data_format)
        scaled = _color.rescale(images, self.value_range, (0, 255))
        channels = [self._equalize(ops.squeeze(c, axis))
                    for c in ops.split(scaled, images.shape[axis], axis=axis)]
        return _color.rescale(ops.stack(channels, axis=axis), (0, 255), self.value_range)

    def _equalize(self, channel):
        """One channel (any shape) on the 0-255 scale, equalized."""
        bins = self.bins
        # The bin of each value: floor(value * (bins - 1) / 255), clipped to the bins.
        index = ops.cast(ops.clip(ops.floor(ops.multiply(channel, (bins - 1) / 255.0)),
                                  0, bins - 1), "int32")
        flat = ops.reshape(index, (-1,))
        # segment_sum keeps the histogram's length static, so this compiles under jit.
        histogram = ops.segment_sum(ops.ones(flat.shape, "float32"), flat,
                                    num_segments=bins)
        cdf = ops.cumsum(histogram)
        total = cdf[-1]
        cdf_min = ops.min(ops.where(cdf > 0, cdf, total))
        denominator = ops.subtract(total, cdf_min)
        denominator = ops.where(denominator > 0, denominator, 1.0)
        table = ops.clip(ops.round(ops.divide(ops.multiply(ops.subtract(cdf, cdf_min),
                                                           255.0), denominator)), 0, 255)
        equalized = ops.cast(ops.take(table, index), channel.dtype)
        occupied = ops.count_nonzero(histogram)
        return ops.where(occupied > 1, equalized, channel)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config

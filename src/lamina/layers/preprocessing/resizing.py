"""``Resizing``: resizes images to a fixed height and width."""

from lamina import ops
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

_INTERPOLATIONS = ("bilinear", "nearest")
# Keras also resizes with these filters; lamina's ops.image.resize does not have them yet.
_MISSING_INTERPOLATIONS = ("bicubic", "lanczos3", "lanczos5")


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to ``(height, width)``, in training and inference alike.

    Args:
        height: the output height, a positive int.
        width: the output width, a positive int.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        crop_to_aspect_ratio: first cut out the largest centred window with the aspect
            ratio of ``(height, width)``, so the image is not stretched.
        pad_to_aspect_ratio: first pad evenly with ``fill_value`` to the aspect ratio of
            ``(height, width)``, so the image is not stretched. At most one of the two
            may be True.
        fill_mode: how the padding is filled; only ``"constant"``.
        fill_value: the padding value for ``pad_to_aspect_ratio`` (default 0.0).
        antialias: when shrinking with ``"bilinear"``, average over every input pixel
            (removes aliasing).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        One image ``(height, width, channels)`` or a batch ``(batch, height, width,
        channels)`` (channels first with ``"channels_first"``). The dtype is the input's
        (floats are cast to the compute dtype; integers are rounded, as in Keras).

    Example:
        >>> layer = lamina.layers.Resizing(16, 16)
        >>> layer(np.zeros((2, 32, 48, 3), "float32")).shape
        (2, 16, 16, 3)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for argument, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"Resizing: `{argument}` must be a positive int, the output size. "
                    f"Received: {argument}={value!r}."
                )
        if interpolation not in _INTERPOLATIONS:
            hint = (" lamina does not implement that filter yet."
                    if interpolation in _MISSING_INTERPOLATIONS else "")
            raise ValueError(
                f"Resizing: `interpolation` must be one of {_INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}.{hint}"
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` "
                "can be True; choose cropping or padding."
            )
        if fill_mode != "constant":
            raise ValueError(
                "Resizing: `fill_mode` must be 'constant' (the padding of "
                f"pad_to_aspect_ratio=True is filled with fill_value). Received: "
                f"fill_mode={fill_mode!r}."
            )
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        self._check_images(inputs)
        return ops.image.resize(
            inputs, (self.height, self.width), interpolation=self.interpolation,
            antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        height_axis, width_axis = self._spatial_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        })
        return config

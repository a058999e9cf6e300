"""Image ops (``lamina.ops.image``): resizing and affine transforms of images.

The engines resample (``backend.image.resize``, ``backend.image.affine_transform``);
cropping or padding to the target aspect ratio is written once here, from slicing and
``pad``. Other Keras image ops (colour conversions, patches) are not provided yet.
"""

from lamina.backend import config
from lamina.backend import image as _impl
from lamina.ops import core as _core
from lamina.ops import numpy as _np
from lamina.ops.symbolic import dispatch

_INTERPOLATIONS = ("bilinear", "nearest")
_FILL_MODES = ("constant",)
_AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _spatial_axes(rank, data_format):
    """The (height, width) axes of a rank-3 (one image) or rank-4 (batch) tensor."""
    first = rank - 3 if data_format == "channels_last" else rank - 2
    return first, first + 1


def _check_size(size):
    try:
        size = tuple(size)
    except TypeError:
        size = None
    if size is None or len(size) != 2 or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in size):
        raise ValueError(
            "resize: `size` must be a tuple of two positive ints (height, width). "
            f"Received: size={size!r}."
        )
    return size


def _crop_to_aspect_ratio(images, size, axes):
    """The largest centred window of ``images`` with the aspect ratio of ``size``."""
    height, width = images.shape[axes[0]], images.shape[axes[1]]
    target_height, target_width = size
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    top = int((height - crop_height) / 2)
    left = int((width - crop_width) / 2)
    index = [slice(None)] * len(images.shape)
    index[axes[0]] = slice(top, top + crop_height)
    index[axes[1]] = slice(left, left + crop_width)
    return images[tuple(index)]


def _pad_to_aspect_ratio(images, size, axes, fill_value):
    """``images`` padded evenly on both sides with ``fill_value`` to the aspect ratio of
    ``size`` (Keras pads the same amount before and after, rounding down)."""
    height, width = images.shape[axes[0]], images.shape[axes[1]]
    target_height, target_width = size
    pad_height = max(height, int(width * target_height / target_width))
    pad_width = max(width, int(height * target_width / target_height))
    top = int((pad_height - height) / 2)
    left = int((pad_width - width) / 2)
    pad_width_spec = [(0, 0)] * len(images.shape)
    pad_width_spec[axes[0]] = (top, top)
    pad_width_spec[axes[1]] = (left, left)
    if top == 0 and left == 0:
        return images
    return _np.pad(images, pad_width_spec, constant_values=fill_value)


@dispatch
def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    """Resize images to ``size`` (height, width).

    Sampling uses half-pixel centres (the convention of Keras, TensorFlow 2 and
    ``jax.image.resize``): output pixel ``i`` reads the input at ``(i + 0.5) * in / out - 0.5``.

    Args:
        images: a rank-3 ``(height, width, channels)`` image or a rank-4 batch of images
            (channels first when ``data_format="channels_first"``).
        size: the output ``(height, width)``, two positive ints.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        antialias: when downsampling with ``"bilinear"``, widen the filter to cover every
            input pixel (removes aliasing); upsampling is unaffected.
        crop_to_aspect_ratio: first crop the largest centred window with the aspect ratio
            of ``size``, so the image is not distorted.
        pad_to_aspect_ratio: first pad evenly with ``fill_value`` to the aspect ratio of
            ``size``, so the image is not distorted. At most one of the two may be True.
        fill_mode: how padding is filled; only ``"constant"``.
        fill_value: the value of the padding for ``pad_to_aspect_ratio``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The resized images, with the dtype of ``images`` (integers are rounded).

    Example:
        >>> x = np.array([0.0, 1.0], dtype="float32").reshape(1, 1, 2, 1)
        >>> ops.convert_to_numpy(ops.image.resize(x, (1, 4)))[0, 0, :, 0]
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    data_format = config.standardize_data_format(data_format)
    size = _check_size(size)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"resize: `interpolation` must be one of {_INTERPOLATIONS}. Received: "
            f"interpolation={interpolation!r}."
        )
    if fill_mode not in _FILL_MODES:
        raise ValueError(
            f"resize: `fill_mode` must be one of {_FILL_MODES}. Received: "
            f"fill_mode={fill_mode!r}."
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "resize: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
            "True."
        )
    images = _core.convert_to_tensor(images)
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError(
            "resize: `images` must have rank 3 (one image) or rank 4 (a batch of images). "
            f"Received images of shape {tuple(images.shape)}."
        )
    axes = _spatial_axes(rank, data_format)
    if crop_to_aspect_ratio:
        images = _crop_to_aspect_ratio(images, size, axes)
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect_ratio(images, size, axes, fill_value)
    return _impl.resize(images, size, interpolation, antialias, data_format)


def _check_choice(op, argument, value, choices):
    if value not in choices:
        raise ValueError(
            f"{op}: `{argument}` must be one of {choices}. Received: {argument}={value!r}."
        )


@dispatch
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Resample images through a projective transform, one per image.

    ``transform`` holds rows ``[a0, a1, a2, b0, b1, b2, c0, c1]`` mapping each OUTPUT
    pixel ``(x, y)`` (column, row) to the INPUT point it reads:
    ``x_in = (a0 * x + a1 * y + a2) / k`` and ``y_in = (b0 * x + b1 * y + b2) / k`` with
    ``k = c0 * x + c1 * y + 1``. ``[1, 0, 0, 0, 1, 0, 0, 0]`` is the identity;
    ``[1, 0, -2, 0, 1, 0, 0, 0]`` shifts the image 2 pixels to the right. Pixels are sampled
    at their centres (integer coordinates), as ``scipy.ndimage.map_coordinates`` does.

    Args:
        images: a rank-3 image ``(height, width, channels)`` or a rank-4 batch (channels
            first when ``data_format="channels_first"``).
        transform: a rank-1 tensor of 8 numbers (one transform for every image) or a
            rank-2 ``(batch, 8)`` tensor (one per image).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: how points outside the image are read:
            ``"constant"`` (default) ``(k k k k | a b c d | k k k k)`` with
            ``k = fill_value``; ``"nearest"`` ``(a a a a | a b c d | d d d d)``;
            ``"wrap"`` ``(a b c d | a b c d | a b c d)``; ``"mirror"``
            ``(c d c b | a b c d | c b a b)``; ``"reflect"`` ``(d c b a | a b c d | d c b a)``.
        fill_value: a number, the value outside the image when ``fill_mode="constant"``
            (default 0).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The transformed images: the shape and dtype of ``images`` (integers are rounded).

    Example:
        >>> x = np.arange(4, dtype="float32").reshape(1, 4, 1)
        >>> shift_right = [1, 0, -1, 0, 1, 0, 0, 0]
        >>> ops.convert_to_numpy(ops.image.affine_transform(x, shift_right))[0, :, 0]
        array([0., 0., 1., 2.], dtype=float32)
    """
    data_format = config.standardize_data_format(data_format)
    _check_choice("affine_transform", "interpolation", interpolation, _INTERPOLATIONS)
    _check_choice("affine_transform", "fill_mode", fill_mode, _AFFINE_FILL_MODES)
    images = _core.convert_to_tensor(images)
    transform = _core.convert_to_tensor(transform)
    if len(images.shape) not in (3, 4):
        raise ValueError(
            "affine_transform: `images` must have rank 3 (one image) or rank 4 (a batch "
            f"of images). Received images of shape {tuple(images.shape)}."
        )
    if len(transform.shape) not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "affine_transform: `transform` must have shape (8,) (one transform) or "
            f"(batch, 8) (one per image). Received transform of shape "
            f"{tuple(transform.shape)}."
        )
    transforms = transform.shape[0] if len(transform.shape) == 2 else 1
    count = images.shape[0] if len(images.shape) == 4 else 1
    if transforms not in (1, count):
        raise ValueError(
            f"affine_transform: got {transforms} transforms for {count} image(s). Pass one "
            "transform per image, or a single one for all of them."
        )
    # A plain number: the JAX engine compiles it in (map_coordinates takes it as static).
    fill_value = float(fill_value)
    if _core.dtype(transform) not in ("float32", "float64"):
        # Coordinates are fractional and reach the image size: they need float32 at least.
        transform = _core.cast(transform, "float32")
    return _impl.affine_transform(images, transform, interpolation, fill_mode, fill_value,
                                  data_format)

"""Image ops (``lamina.ops.image``): the ``keras.ops.image`` namespace.

Resizing, cropping and padding, patches, colour conversions (grayscale, HSV), filters
(Gaussian blur, Sobel edges, SSIM) and geometric resampling (affine, perspective, elastic,
``map_coordinates``, ``scale_and_translate``). The engines resample
(``backend.image.resize``, ``backend.image.affine_transform``); everything else is written
once here from other ``lamina.ops`` (slicing, ``pad``, ``depthwise_conv``, ``take``).
Images are rank 3 ``(height, width, channels)`` or rank 4 batches, channels first when
``data_format="channels_first"``.
"""

import itertools
import math

import numpy as np

from lamina.backend import config
from lamina.backend import image as _impl
from lamina.ops import core as _core
from lamina.ops import linalg as _linalg
from lamina.ops import nn as _nn
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


# -- shared checks and layout helpers ------------------------------------------------------
def _check_rank(op, argument, tensor, ranks, what="rank 3 (one image) or rank 4 (a batch "
                "of images)"):
    if len(tensor.shape) not in ranks:
        raise ValueError(
            f"{op}: `{argument}` must have {what}. Received {argument} of shape "
            f"{tuple(tensor.shape)}."
        )


def _is_float(tensor):
    return "float" in _core.dtype(tensor)


def _compute_dtype(tensor):
    """The float dtype math on ``tensor`` runs in: its own, or float32 for integers."""
    return _core.dtype(tensor) if _is_float(tensor) else "float32"


def _round_half_away_from_zero(x):
    # ops.round rounds halves to even; JAX's map_coordinates (and our engines' affine
    # resampling) round them away from zero, so 2.5 picks the same pixel everywhere.
    return _np.sign(x) * _np.floor(_np.abs(x) + 0.5)


def _cast_back(values, dtype):
    """``values`` (float) as ``dtype``, rounding first when ``dtype`` is an integer."""
    if "float" not in dtype and "float" in _core.dtype(values):
        values = _round_half_away_from_zero(values)
    return _core.cast(values, dtype)


def _to_batched_channels_last(images, data_format):
    """``images`` as a (batch, height, width, channels) tensor, and whether it was one."""
    is_single = len(images.shape) == 3
    if is_single:
        images = _np.expand_dims(images, 0)
    if data_format == "channels_first":
        images = _np.transpose(images, (0, 2, 3, 1))
    return images, is_single


def _from_batched_channels_last(images, is_single, data_format):
    """Undo ``_to_batched_channels_last``."""
    if data_format == "channels_first":
        images = _np.transpose(images, (0, 3, 1, 2))
    if is_single:
        images = images[0]
    return images


def _int_tuple(op, argument, value, length, minimum=1):
    """``value`` (an int or a sequence of ints) as a tuple of ``length`` ints."""
    received = value
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * length
    try:
        value = tuple(value)
    except TypeError:
        value = None
    if value is None or len(value) != length or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
            for v in value):
        raise ValueError(
            f"{op}: `{argument}` must be an int or a tuple of {length} ints >= {minimum}. "
            f"Received: {argument}={received!r}."
        )
    return tuple(int(v) for v in value)


# -- cropping and padding ------------------------------------------------------------------
def _resolve_edges(op, names, values):
    """Check that exactly two of (before, after, target) are given, as ints >= 0.

    Keras asks for two of the three along each axis; the third follows from the image
    size (``before + target + after == size`` when cropping, ``size + before + after ==
    target`` when padding), which the callers work out. Returns the three values.
    """
    before, after, target = values
    if [before, after, target].count(None) != 1:
        raise ValueError(
            f"{op}: pass exactly two of `{names[0]}`, `{names[1]}` and `{names[2]}`. "
            f"Received: {names[0]}={before}, {names[1]}={after}, {names[2]}={target}."
        )
    for name, value in zip(names, values):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(
                f"{op}: `{name}` must be an int >= 0. Received: {name}={value!r}."
            )
    return before, after, target


@dispatch
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None,
                data_format=None):
    """Crop images to a window given by two of its margins or its size, per axis.

    Along the height give exactly two of ``top_cropping``, ``bottom_cropping`` and
    ``target_height`` (the third follows from the image height); likewise
    ``left_cropping``, ``right_cropping`` and ``target_width`` along the width.

    Args:
        images: a rank-3 image or a rank-4 batch of images.
        top_cropping: rows removed at the top.
        left_cropping: columns removed at the left.
        bottom_cropping: rows removed at the bottom.
        right_cropping: columns removed at the right.
        target_height: the height of the result.
        target_width: the width of the result.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The cropped images, same rank and dtype as ``images``.

    Example:
        >>> x = np.zeros((5, 6, 3), dtype="float32")
        >>> tuple(ops.image.crop_images(x, top_cropping=1, bottom_cropping=2,
        ...                             left_cropping=1, target_width=4).shape)
        (2, 4, 3)
    """
    op = "crop_images"
    data_format = config.standardize_data_format(data_format)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    top, bottom, height = _resolve_edges(
        op, ("top_cropping", "bottom_cropping", "target_height"),
        (top_cropping, bottom_cropping, target_height))
    left, right, width = _resolve_edges(
        op, ("left_cropping", "right_cropping", "target_width"),
        (left_cropping, right_cropping, target_width))
    axes = _spatial_axes(len(images.shape), data_format)
    in_height, in_width = images.shape[axes[0]], images.shape[axes[1]]
    window = []
    for name, (before, after, target), size in (
            ("height", (top, bottom, height), in_height),
            ("width", (left, right, width), in_width)):
        if before is None:
            before = size - after - target
        if target is None:
            target = size - before - after
        if before < 0 or target < 0 or before + target > size:
            raise ValueError(
                f"{op}: the crop does not fit the image {name} of {size}: it starts at "
                f"{before} and keeps {target}. Ask for a smaller crop."
            )
        window.append(slice(before, before + target))
    index = [slice(None)] * len(images.shape)
    index[axes[0]], index[axes[1]] = window
    return images[tuple(index)]


@dispatch
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None,
               data_format=None):
    """Pad images with zeros, given two of the margins or the size, per axis.

    Along the height give exactly two of ``top_padding``, ``bottom_padding`` and
    ``target_height`` (the third follows from the image height); likewise
    ``left_padding``, ``right_padding`` and ``target_width`` along the width.

    Args:
        images: a rank-3 image or a rank-4 batch of images.
        top_padding: rows of zeros added at the top.
        left_padding: columns of zeros added at the left.
        bottom_padding: rows of zeros added at the bottom.
        right_padding: columns of zeros added at the right.
        target_height: the height of the result.
        target_width: the width of the result.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The padded images, same rank and dtype as ``images``.

    Example:
        >>> x = np.ones((2, 3, 1), dtype="float32")
        >>> tuple(ops.image.pad_images(x, 1, 0, target_height=4, target_width=5).shape)
        (4, 5, 1)
    """
    op = "pad_images"
    data_format = config.standardize_data_format(data_format)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    vertical = _resolve_edges(op, ("top_padding", "bottom_padding", "target_height"),
                              (top_padding, bottom_padding, target_height))
    horizontal = _resolve_edges(op, ("left_padding", "right_padding", "target_width"),
                                (left_padding, right_padding, target_width))
    axes = _spatial_axes(len(images.shape), data_format)
    pad_width = [(0, 0)] * len(images.shape)
    for axis, name, (before, after, target) in ((axes[0], "height", vertical),
                                                (axes[1], "width", horizontal)):
        size = images.shape[axis]
        if before is None:
            before = target - after - size
        if after is None:
            after = target - before - size
        if before < 0 or after < 0:
            raise ValueError(
                f"{op}: the target {name} {target} is smaller than the image {name} "
                f"{size} plus the given padding. Ask for a larger target."
            )
        pad_width[axis] = (before, after)
    return _np.pad(images, pad_width)


# -- patches -------------------------------------------------------------------------------
def _patches(op, images, size, strides, dilation_rate, padding, data_format, spatial):
    """Patches of ``spatial`` (2 or 3) dimensions, gathered with ``take``.

    Gathering copies values exactly (Keras convolves with an identity kernel, which TF32
    matmuls on GPUs would round), works for every dtype and costs a few ops whatever the
    patch size. A patch flattens in the order
    (patch rows ..., patch columns, channels), as Keras's identity kernel lays it out.
    """
    data_format = config.standardize_data_format(data_format)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images" if spatial == 2 else "volumes", images,
                (spatial + 1, spatial + 2),
                f"rank {spatial + 1} (unbatched) or rank {spatial + 2} (batched)")
    size = _int_tuple(op, "size", size, spatial)
    strides = size if strides is None else _int_tuple(op, "strides", strides, spatial)
    dilation = _int_tuple(op, "dilation_rate", dilation_rate, spatial)
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(
            f"{op}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}."
        )
    padding = padding.lower()
    is_single = len(images.shape) == spatial + 1
    if is_single:
        images = _np.expand_dims(images, 0)
    if data_format == "channels_first":
        images = _np.moveaxis(images, 1, -1)
    # (batch, *spatial, channels)
    in_sizes = tuple(images.shape[1:-1])
    spans = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    if padding == "same":
        # TensorFlow's "same": ceil(size / stride) outputs, the extra padding at the end.
        out_sizes = [-(-n // s) for n, s in zip(in_sizes, strides)]
        pads = [max((o - 1) * s + span - n, 0)
                for o, s, span, n in zip(out_sizes, strides, spans, in_sizes)]
        images = _np.pad(images, [(0, 0)] + [(p // 2, p - p // 2) for p in pads] + [(0, 0)])
    else:
        out_sizes = [(n - span) // s + 1 for n, span, s in zip(in_sizes, spans, strides)]
        if any(o < 1 for o in out_sizes):
            raise ValueError(
                f"{op}: a patch of size {size} with dilation_rate {dilation} does not fit "
                f"the input's spatial size {in_sizes} with padding='valid'. Use smaller "
                "patches or padding='same'."
            )
    if strides == size and dilation == (1,) * spatial and padding == "valid":
        # Patches that tile the input (the ViT case): crop to whole patches and reshape.
        index = (slice(None),) + tuple(slice(0, o * k) for o, k in zip(out_sizes, size))
        images = images[index]
        split = [-1]
        for o, k in zip(out_sizes, size):
            split += [o, k]
        patches = _np.reshape(images, split + [images.shape[-1]])
    else:
        patches = _gather_taps(images, out_sizes, size, strides, dilation)
    # (batch, o1, k1, o2, k2, [o3, k3,] channels) -> (batch, o1, o2, [o3,] k1, k2, [k3,] c)
    order = ([0] + [1 + 2 * i for i in range(spatial)] + [2 + 2 * i for i in range(spatial)]
             + [1 + 2 * spatial])
    patches = _np.transpose(patches, order)
    patches = _np.reshape(patches, (-1, *out_sizes, int(np.prod(size)) * images.shape[-1]))
    if data_format == "channels_first":
        patches = _np.moveaxis(patches, -1, 1)
    if is_single:
        patches = patches[0]
    return patches


def _gather_taps(images, out_sizes, size, strides, dilation):
    """(batch, n1, n2, [n3,] channels) -> (batch, o1, k1, o2, k2, [o3, k3,] channels)."""
    # One gather per spatial axis: axis 1 + i of (batch, ..., channels) becomes the pair
    # (output position, tap within the patch), read at position * stride + tap * dilation.
    patches = images
    for i, (o, k, s, d) in enumerate(zip(out_sizes, size, strides, dilation)):
        index = np.arange(o)[:, None] * s + np.arange(k)[None, :] * d  # (o, k)
        patches = _np.take(patches, _core.convert_to_tensor(index.astype("int32")),
                           axis=1 + 2 * i)
    return patches


@dispatch
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Cut images into patches, each flattened into the channel axis.

    Args:
        images: a rank-3 image or rank-4 batch for 2D patches; a rank-4 volume or rank-5
            batch of volumes for 3D patches (when ``size`` has three entries).
        size: the patch size: an int (square 2D patches) or ``(height, width)``, or
            ``(depth, height, width)`` for 3D patches.
        strides: the step between patches; default ``size`` (patches do not overlap).
        dilation_rate: the step between the pixels of one patch; default 1.
        padding: ``"valid"`` (only whole patches) or ``"same"`` (zero-pad so there are
            ``ceil(size / stride)`` patches along each axis).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The patches: ``(batch, rows, columns, patch_height * patch_width * channels)``
        (channels last) with each patch flattened in (row, column, channel) order; no
        batch axis for unbatched input.

    Example:
        >>> x = np.zeros((2, 8, 8, 3), dtype="float32")
        >>> tuple(ops.image.extract_patches(x, (4, 4)).shape)
        (2, 2, 2, 48)
    """
    if not isinstance(size, int) and np.ndim(size) == 1 and len(size) == 3:
        return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                        data_format, 3)
    return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                    data_format, 2)


@dispatch
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Cut volumes into 3D patches, each flattened into the channel axis.

    Args:
        volumes: a rank-4 volume ``(depth, height, width, channels)`` or a rank-5 batch.
        size: the patch size: an int (cubic patches) or ``(depth, height, width)``.
        strides: the step between patches; default ``size`` (patches do not overlap).
        dilation_rate: the step between the voxels of one patch; default 1.
        padding: ``"valid"`` or ``"same"``, as for ``extract_patches``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        ``(batch, d, h, w, patch_depth * patch_height * patch_width * channels)``
        (channels last); no batch axis for unbatched input.

    Example:
        >>> x = np.zeros((6, 6, 6, 2), dtype="float32")
        >>> tuple(ops.image.extract_patches_3d(x, 3).shape)
        (2, 2, 2, 54)
    """
    return _patches("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                    data_format, 3)


# -- colour --------------------------------------------------------------------------------
_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # ITU-R BT.601 luma, as tf.image and Keras use


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def _check_channels(op, images, data_format, allowed):
    channels = images.shape[_channel_axis(data_format)]
    if channels not in allowed:
        raise ValueError(
            f"{op}: `images` must have {' or '.join(map(str, allowed))} channels on axis "
            f"{_channel_axis(data_format)} (data_format={data_format!r}). Received images "
            f"of shape {tuple(images.shape)}."
        )


@dispatch
def rgb_to_grayscale(images, data_format=None):
    """Convert RGB images to one-channel grayscale (luma ``0.2989 R + 0.587 G + 0.114 B``).

    Args:
        images: a rank-3 image or rank-4 batch with 3 (RGB) or 1 (already gray) channels.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The gray images with one channel, dtype of ``images`` (integers are rounded).

    Example:
        >>> x = np.ones((4, 4, 3), dtype="float32")
        >>> tuple(ops.image.rgb_to_grayscale(x).shape)
        (4, 4, 1)
    """
    op = "rgb_to_grayscale"
    data_format = config.standardize_data_format(data_format)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    _check_channels(op, images, data_format, (1, 3))
    axis = _channel_axis(data_format)
    if images.shape[axis] == 1:
        return images
    dtype = _core.dtype(images)
    values = _core.cast(images, _compute_dtype(images))
    red, green, blue = (_np.take(values, i, axis=axis) for i in range(3))
    gray = _GRAY_WEIGHTS[0] * red + _GRAY_WEIGHTS[1] * green + _GRAY_WEIGHTS[2] * blue
    return _cast_back(_np.expand_dims(gray, axis), dtype)


def _float_planes(op, images, data_format):
    data_format = config.standardize_data_format(data_format)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    if not _is_float(images):
        raise ValueError(
            f"{op}: `images` must have a float dtype (values in [0, 1]). Received dtype "
            f"{_core.dtype(images)}; cast first, e.g. ops.cast(images, 'float32') / 255."
        )
    _check_channels(op, images, data_format, (3,))
    axis = _channel_axis(data_format)
    return images, axis, [_np.take(images, i, axis=axis) for i in range(3)]


@dispatch
def rgb_to_hsv(images, data_format=None):
    """Convert RGB images (float, in ``[0, 1]``) to HSV, every channel in ``[0, 1]``.

    A hue of 0 is red, 1/3 green and 2/3 blue; gray pixels get hue 0 and black pixels
    saturation 0.

    Args:
        images: a rank-3 image or rank-4 batch with 3 channels and a float dtype.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The HSV images, same shape and dtype.

    Example:
        >>> red = np.array([[[1.0, 0.0, 0.0]]], dtype="float32")
        >>> ops.convert_to_numpy(ops.image.rgb_to_hsv(red))[0, 0]
        array([0., 1., 1.], dtype=float32)
    """
    images, axis, planes = _float_planes("rgb_to_hsv", images, data_format)
    # Values within float epsilon of 0 count as 0, so tiny noise does not pick a hue.
    eps = float(np.finfo(_core.dtype(images)).eps)
    red, green, blue = (_np.where(_np.abs(p) < eps, 0.0, p) for p in planes)
    value = _np.maximum(_np.maximum(red, green), blue)
    chroma = value - _np.minimum(_np.minimum(red, green), blue)
    # Divide by safe denominators so neither the value nor its gradient becomes NaN.
    has_value, has_chroma = value > 0, chroma > 0
    saturation = _np.where(has_value, chroma / _np.where(has_value, value, 1.0), 0.0)
    scale = 1.0 / (6.0 * _np.where(has_chroma, chroma, 1.0))
    # The hue sector comes from the largest channel; red wins ties, then green.
    hue = _np.where(value == green, scale * (blue - red) + 2.0 / 6.0,
                    scale * (red - green) + 4.0 / 6.0)
    hue = _np.where(value == red, scale * (green - blue), hue)
    hue = _np.where(has_chroma, hue, 0.0)
    hue = _np.where(hue < 0.0, hue + 1.0, hue)
    return _np.stack([hue, saturation, value], axis=axis)


@dispatch
def hsv_to_rgb(images, data_format=None):
    """Convert HSV images (float, every channel in ``[0, 1]``) to RGB.

    Args:
        images: a rank-3 image or rank-4 batch with 3 channels and a float dtype.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The RGB images, same shape and dtype.

    Example:
        >>> green = np.array([[[1 / 3, 1.0, 1.0]]], dtype="float32")
        >>> ops.convert_to_numpy(ops.image.hsv_to_rgb(green))[0, 0].round(4)
        array([0., 1., 0.], dtype=float32)
    """
    images, axis, (hue, saturation, value) = _float_planes("hsv_to_rgb", images,
                                                           data_format)
    sector = _np.mod(hue, 1.0) * 6.0
    # Each channel's share is a clipped triangle wave of the hue sector.
    shares = (_np.clip(_np.abs(sector - 3.0) - 1.0, 0.0, 1.0),
              _np.clip(2.0 - _np.abs(sector - 2.0), 0.0, 1.0),
              _np.clip(2.0 - _np.abs(sector - 4.0), 0.0, 1.0))
    return _np.stack([value * (1.0 - saturation + saturation * share) for share in shares],
                     axis=axis)


# -- filters -------------------------------------------------------------------------------
def _gaussian_1d(size, sigma):
    """A normalised 1D Gaussian of ``size`` taps centred on the middle (NumPy, float64)."""
    x = np.arange(size, dtype="float64") - (size - 1) / 2.0
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _depthwise(images, kernel, padding):
    """Convolve each channel of (batch, height, width, channels) ``images`` with ``kernel``
    (height, width, multiplier) (NumPy); output channels are (channel, multiplier)."""
    channels = images.shape[-1]
    kernel = np.broadcast_to(kernel[:, :, None, :], kernel.shape[:2] + (channels,)
                             + kernel.shape[2:])
    kernel = _core.convert_to_tensor(np.ascontiguousarray(kernel), _core.dtype(images))
    return _nn.depthwise_conv(images, kernel, 1, padding, "channels_last")


def _positive_pair(op, argument, value, kind):
    try:
        value = tuple(value)
    except TypeError:
        value = (value, value)
    if len(value) != 2 or not all(isinstance(v, kind) and not isinstance(v, bool) and v > 0
                                  for v in value):
        raise ValueError(
            f"{op}: `{argument}` must be a pair of positive numbers (height, width). "
            f"Received: {argument}={value!r}."
        )
    return value


@dispatch
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur images with a Gaussian filter (zero padding keeps the size).

    Args:
        images: a rank-3 image or a rank-4 batch of images.
        kernel_size: the filter's ``(height, width)`` in pixels; default ``(3, 3)``.
        sigma: the standard deviations ``(along height, along width)``; default
            ``(1.0, 1.0)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The blurred images, same shape and dtype (integers are rounded).

    Example:
        >>> x = np.zeros((5, 5, 1), dtype="float32"); x[2, 2] = 1.0
        >>> y = ops.convert_to_numpy(ops.image.gaussian_blur(x, (3, 3), (1.0, 1.0)))
        >>> round(float(y.sum()), 4)
        1.0
    """
    op = "gaussian_blur"
    data_format = config.standardize_data_format(data_format)
    kernel_size = _positive_pair(op, "kernel_size", kernel_size, (int, np.integer))
    sigma = _positive_pair(op, "sigma", sigma, (int, float, np.integer, np.floating))
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    dtype = _core.dtype(images)
    x, is_single = _to_batched_channels_last(_core.cast(images, _compute_dtype(images)),
                                             data_format)
    kernel = np.outer(_gaussian_1d(kernel_size[0], sigma[0]),
                      _gaussian_1d(kernel_size[1], sigma[1]))[:, :, None]
    out = _depthwise(x, kernel, "same")
    return _cast_back(_from_batched_channels_last(out, is_single, data_format), dtype)


# Cross-correlation kernels: d/dy (rows) then d/dx (columns).
_SOBEL = np.stack([np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype="float64"),
                   np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float64")], axis=-1)


@dispatch
def sobel_edges(images, data_format=None):
    """The Sobel gradients of each channel: ``[dy, dx]`` on a new last axis.

    The image is zero padded, so border pixels also see the step to 0 outside it.

    Args:
        images: a rank-4 batch of images (a rank-3 image is also accepted).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        ``(batch, height, width, channels, 2)`` for channels last,
        ``(batch, channels, height, width, 2)`` for channels first (no batch axis for a
        rank-3 image), float.

    Example:
        >>> x = np.zeros((1, 4, 4, 1), dtype="float32"); x[0, :, 2:] = 1.0
        >>> ops.convert_to_numpy(ops.image.sobel_edges(x))[0, 1, :, 0, 1]
        array([ 0.,  4.,  4., -4.], dtype=float32)
    """
    op = "sobel_edges"
    data_format = config.standardize_data_format(data_format)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    x, is_single = _to_batched_channels_last(_core.cast(images, _compute_dtype(images)),
                                             data_format)
    edges = _depthwise(x, _SOBEL, "same")  # (batch, height, width, channels * 2)
    edges = _np.reshape(edges, tuple(edges.shape[:3]) + (-1, 2))
    if data_format == "channels_first":
        edges = _np.transpose(edges, (0, 3, 1, 2, 4))
    if is_single:
        edges = edges[0]
    return edges


@dispatch
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """The structural similarity (SSIM, Wang et al. 2004) of two images, per image.

    Local means, variances and covariance come from a Gaussian window (no padding, so
    only windows wholly inside the image count); the SSIM map is averaged over the
    pixels and then over the channels.

    Args:
        image1: a rank-3 image or rank-4 batch.
        image2: images of the same shape as ``image1``.
        max_val: the dynamic range of the pixels: 1.0 (default) for ``[0, 1]``, 255 for
            8-bit images.
        filter_size: the Gaussian window's side, an odd int >= 1; default 11.
        filter_sigma: the window's standard deviation; default 1.5.
        k1: the luminance stabiliser, ``c1 = (k1 * max_val) ** 2``; default 0.01.
        k2: the contrast stabiliser, ``c2 = (k2 * max_val) ** 2``; default 0.03.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        ``(batch,)`` SSIM values in ``[-1, 1]`` (a scalar for rank-3 input), in the
        images' float dtype (float32 for integer images).

    Example:
        >>> x = np.random.rand(16, 16, 3).astype("float32")
        >>> round(float(ops.image.ssim(x, x)), 4)
        1.0
    """
    op = "ssim"
    data_format = config.standardize_data_format(data_format)
    image1 = _core.convert_to_tensor(image1)
    image2 = _core.convert_to_tensor(image2)
    _check_rank(op, "image1", image1, (3, 4))
    _check_rank(op, "image2", image2, (3, 4))
    if tuple(image1.shape) != tuple(image2.shape):
        raise ValueError(
            f"{op}: `image1` and `image2` must have the same shape. Received "
            f"{tuple(image1.shape)} and {tuple(image2.shape)}."
        )
    if (not isinstance(filter_size, (int, np.integer)) or isinstance(filter_size, bool)
            or filter_size < 1 or filter_size % 2 == 0):
        raise ValueError(
            f"{op}: `filter_size` must be an odd int >= 1. Received: "
            f"filter_size={filter_size!r}."
        )
    dtype = _compute_dtype(image1)
    x, is_single = _to_batched_channels_last(_core.cast(image1, dtype), data_format)
    y, _ = _to_batched_channels_last(_core.cast(image2, dtype), data_format)
    if filter_size > min(x.shape[1], x.shape[2]):
        raise ValueError(
            f"{op}: `filter_size` ({filter_size}) is larger than the image "
            f"({x.shape[1]}x{x.shape[2]}). Pass a smaller filter_size."
        )
    window = _gaussian_1d(filter_size, filter_sigma)
    kernel = np.outer(window, window)[:, :, None]
    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    # 1. Local statistics, (batch, h', w', channels).
    mean_x = _depthwise(x, kernel, "valid")
    mean_y = _depthwise(y, kernel, "valid")
    var_x = _depthwise(x * x, kernel, "valid") - mean_x * mean_x
    var_y = _depthwise(y * y, kernel, "valid") - mean_y * mean_y
    cov = _depthwise(x * y, kernel, "valid") - mean_x * mean_y
    # 2. The SSIM map, then its mean over pixels and channels.
    ssim_map = ((2.0 * mean_x * mean_y + c1) * (2.0 * cov + c2)) / (
        (mean_x * mean_x + mean_y * mean_y + c1) * (var_x + var_y + c2))
    result = _np.mean(ssim_map, axis=(1, 2, 3))
    return result[0] if is_single else result


# -- resampling ----------------------------------------------------------------------------
_MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_ORDERS = {"nearest": 0, "bilinear": 1}


def _mirror_index(index, size):
    # (d c b | a b c d | c b a): the edge is not repeated, the period is 2 * (size - 1).
    if size == 1:
        return _np.zeros_like(index)
    period = 2 * (size - 1)
    index = _np.mod(index, period)
    return _np.where(index < size, index, period - index)


def _reflect_index(index, size):
    # (d c b a | a b c d | d c b a): the edge is repeated, the period is 2 * size.
    index = _np.mod(index, 2 * size)
    return _np.where(index < size, index, 2 * size - 1 - index)


_INDEX_FIXERS = {
    # "constant" clips too, so every gather reads inside; those reads are then replaced.
    "constant": lambda index, size: _np.clip(index, 0, size - 1),
    "nearest": lambda index, size: _np.clip(index, 0, size - 1),
    "wrap": _np.mod,
    "mirror": _mirror_index,
    "reflect": _reflect_index,
}


def _interpolate(table, sizes, coordinates, order, fill_mode, fill_value, offset=None):
    """Sample a grid at fractional ``coordinates``.

    ``table`` is the grid flattened to (prod(sizes), k) rows (``k`` values per point, e.g.
    channels); ``coordinates`` holds one float tensor per grid axis, all of one shape S;
    ``offset`` (int, broadcastable to S) is added to every row index, to pick an image
    of a batch. Returns (S..., k) in ``table``'s dtype (which must be float).
    """
    strides = [int(np.prod(sizes[i + 1:])) for i in range(len(sizes))]
    fix = _INDEX_FIXERS[fill_mode]
    # 1. Per axis: the neighbouring indices, their weights and whether they are inside.
    per_axis = []
    for coordinate, size in zip(coordinates, sizes):
        if order == 0:
            nodes = [(_core.cast(_round_half_away_from_zero(coordinate), "int32"), None)]
        else:
            lower = _np.floor(coordinate)
            upper_weight = _core.cast(coordinate - lower, _core.dtype(table))
            lower = _core.cast(lower, "int32")
            nodes = [(lower, 1.0 - upper_weight), (lower + 1, upper_weight)]
        per_axis.append([(fix(index, size), (index >= 0) & (index < size), weight)
                         for index, weight in nodes])
    # 2. Every corner of the neighbourhood: gather its rows, mask, weight and sum.
    out = None
    for corner in itertools.product(*per_axis):
        row = None
        inside = None
        weight = None
        for (index, valid, w), stride in zip(corner, strides):
            term = index * stride
            row = term if row is None else row + term
            inside = valid if inside is None else inside & valid
            if w is not None:
                weight = w if weight is None else weight * w
        if offset is not None:
            row = row + offset
        values = _np.take(table, row, axis=0)  # (S..., k)
        if fill_mode == "constant":
            values = _np.where(_np.expand_dims(inside, -1), values,
                               _core.cast(fill_value, _core.dtype(table)))
        if weight is not None:
            values = _np.expand_dims(weight, -1) * values
        out = values if out is None else out + values
    return out


@dispatch
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample an array at fractional coordinates, by nearest or linear interpolation.

    ``output[i...] = inputs[coordinates[0][i...], coordinates[1][i...], ...]``,
    interpolated between the neighbouring points (linear) or read at the nearest one
    (halves round away from zero). Points are at integer coordinates, as in
    ``scipy.ndimage.map_coordinates``.

    Args:
        inputs: an array of any rank ``n``.
        coordinates: ``n`` coordinate arrays of one shape (a sequence, or an array whose
            first axis has length ``n``), one per axis of ``inputs``.
        order: 0 (nearest) or 1 (linear).
        fill_mode: how points outside are read: ``"constant"`` (default, ``fill_value``),
            ``"nearest"`` (the edge), ``"wrap"`` (periodic), ``"mirror"`` (reflected
            without repeating the edge) or ``"reflect"`` (reflected, repeating it).
        fill_value: the value outside when ``fill_mode="constant"``; default 0.

    Returns:
        An array of the coordinates' shape and the dtype of ``inputs`` (integers are
        rounded).

    Example:
        >>> x = np.arange(4, dtype="float32")
        >>> ops.convert_to_numpy(ops.image.map_coordinates(x, [[0.5, 2.0, 5.0]], 1))
        array([0.5, 2. , 0. ], dtype=float32)
    """
    op = "map_coordinates"
    inputs = _core.convert_to_tensor(inputs)
    _check_choice(op, "fill_mode", fill_mode, _MAP_FILL_MODES)
    if order not in (0, 1) or isinstance(order, bool):
        raise ValueError(
            f"{op}: `order` must be 0 (nearest) or 1 (linear). Received: order={order!r}."
        )
    if isinstance(coordinates, (list, tuple)):
        coordinates = [_core.convert_to_tensor(c) for c in coordinates]
    else:
        coordinates = _core.convert_to_tensor(coordinates)
        if len(coordinates.shape) < 1:
            raise ValueError(f"{op}: `coordinates` must have rank >= 1. Received a scalar.")
        coordinates = [coordinates[i] for i in range(coordinates.shape[0])]
    rank = len(inputs.shape)
    if len(coordinates) != rank:
        raise ValueError(
            f"{op}: `coordinates` must hold one coordinate array per axis of `inputs` "
            f"({rank}). Received {len(coordinates)}."
        )
    shapes = {tuple(c.shape) for c in coordinates}
    if len(shapes) != 1:
        raise ValueError(
            f"{op}: the coordinate arrays must share one shape. Received shapes "
            f"{sorted(shapes)}."
        )
    dtype = _core.dtype(inputs)
    compute = _compute_dtype(inputs)
    coordinates = [c if _is_float(c) else _core.cast(c, compute) for c in coordinates]
    kernel = getattr(_impl, "map_coordinates", None)
    if kernel is not None:  # an engine's own sampler, where it has one
        return kernel(inputs, coordinates, order, fill_mode, float(fill_value))
    table = _np.reshape(_core.cast(inputs, compute), (-1, 1))
    out = _interpolate(table, tuple(inputs.shape), coordinates, order, fill_mode,
                       float(fill_value))
    return _cast_back(out[..., 0], dtype)


def _sample_images(images, rows, cols, order, fill_mode, fill_value):
    """Read (batch, height, width, channels) float ``images`` at (batch, height, width)
    fractional ``rows`` and ``cols``: one point per output pixel, every channel."""
    batch, height, width, channels = images.shape
    kernel = getattr(_impl, "map_coordinates", None)
    if kernel is not None:
        # One engine call over the whole batch: the batch and channel coordinates are
        # whole numbers, so interpolating along them reads exactly one image and channel.
        dtype = _core.dtype(rows)
        shape = (batch, height, width, channels)
        grid = [_np.broadcast_to(_np.reshape(_core.cast(_np.arange(n), dtype), view), shape)
                for n, view in ((batch, (-1, 1, 1, 1)), (channels, (1, 1, 1, -1)))]
        coordinates = [grid[0], _np.broadcast_to(rows[..., None], shape),
                       _np.broadcast_to(cols[..., None], shape), grid[1]]
        return kernel(images, coordinates, order, fill_mode, fill_value)
    table = _np.reshape(images, (batch * height * width, channels))
    offset = _np.reshape(_np.arange(batch) * (height * width), (batch, 1, 1))
    return _interpolate(table, (height, width), [rows, cols], order, fill_mode, fill_value,
                        offset)


@dispatch
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Warp images by a random, smooth displacement field (elastic deformation).

    Two fields of standard normal noise (one per axis, per image) are scaled by ``sigma``,
    blurred by a Gaussian of standard deviation ``sigma`` (``int(6 * sigma) | 1`` taps),
    scaled by ``alpha`` and added to each pixel's position; the image is read there.

    Args:
        images: a rank-3 image or a rank-4 batch of images.
        alpha: the strength of the displacement; default 20.0.
        sigma: the smoothness of the displacement, a positive number; default 5.0.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_mode: how points outside are read: ``"reflect"`` (default), ``"constant"``,
            ``"nearest"``, ``"wrap"`` or ``"mirror"`` (see ``map_coordinates``).
        fill_value: the value outside when ``fill_mode="constant"``; default 0.
        seed: an int or ``lamina.random.SeedGenerator`` for the noise; default unseeded.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The warped images, same shape and dtype (integers are rounded).

    Example:
        >>> x = np.random.rand(2, 16, 16, 3).astype("float32")
        >>> tuple(ops.image.elastic_transform(x, seed=1).shape)
        (2, 16, 16, 3)
    """
    from lamina import random as _random  # lamina.random sits above ops

    op = "elastic_transform"
    data_format = config.standardize_data_format(data_format)
    _check_choice(op, "interpolation", interpolation, _INTERPOLATIONS)
    _check_choice(op, "fill_mode", fill_mode, _MAP_FILL_MODES)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.number)) or sigma <= 0:
        raise ValueError(
            f"{op}: `sigma` must be a positive number. Received: sigma={sigma!r}."
        )
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    dtype = _core.dtype(images)
    compute = _compute_dtype(images)
    x, is_single = _to_batched_channels_last(_core.cast(images, compute), data_format)
    batch, height, width, channels = x.shape
    # 1. Smooth random displacements, (batch, height, width) per axis.
    taps = int(6 * sigma) | 1
    noise = _random.normal((batch, height, width, 2), dtype=compute, seed=seed) * sigma
    window = _gaussian_1d(taps, float(sigma))
    kernel = np.outer(window, window)[:, :, None]
    shift = _depthwise(noise, kernel, "same") * alpha
    rows = _core.cast(_np.arange(height), compute)[None, :, None]
    cols = _core.cast(_np.arange(width), compute)[None, None, :]
    source_y = rows + shift[..., 1]
    source_x = cols + shift[..., 0]
    # 2. Read every channel of each image at its displaced points.
    out = _sample_images(x, source_y, source_x, _ORDERS[interpolation], fill_mode,
                         float(fill_value))
    return _cast_back(_from_batched_channels_last(out, is_single, data_format), dtype)


def _check_points(op, name, points):
    if len(points.shape) not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
        raise ValueError(
            f"{op}: `{name}` must have shape (4, 2) (four (x, y) corners) or (batch, 4, 2). "
            f"Received {name} of shape {tuple(points.shape)}."
        )


def _homography(xp, solve, start_points, end_points):
    """The 8 coefficients that map each end point (output pixel) to its start point.

    Each of the four correspondences gives two linear equations in the coefficients
    ``a0 .. a7`` of ``x_in = (a0 x + a1 y + a2) / (a6 x + a7 y + 1)`` (and ``y_in``
    likewise with ``a3 a4 a5``); the 8x8 system is solved per image. ``xp`` and ``solve``
    are NumPy's for plain points, lamina's for tensors.
    """
    zeros = xp.zeros_like(end_points[:, :, 0])
    ones = xp.ones_like(zeros)
    xe, ye = end_points[:, :, 0], end_points[:, :, 1]  # (batch, 4)
    xs, ys = start_points[:, :, 0], start_points[:, :, 1]
    x_rows = xp.stack([xe, ye, ones, zeros, zeros, zeros, -xs * xe, -xs * ye], axis=-1)
    y_rows = xp.stack([zeros, zeros, zeros, xe, ye, ones, -ys * xe, -ys * ye], axis=-1)
    # Interleave: rows (x1, y1, x2, y2, ...) -> (batch, 8, 8); targets likewise (batch, 8).
    matrix = xp.reshape(xp.stack([x_rows, y_rows], axis=2), (-1, 8, 8))
    target = xp.reshape(xp.stack([xs, ys], axis=2), (-1, 8, 1))
    return solve(matrix, target)[..., 0]


@dispatch
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp images so that four ``start_points`` land on four ``end_points``.

    The projective transform that maps each end point (in the output) to its start point
    (in the input) is solved for, then each output pixel reads the input there, as
    ``affine_transform`` does; points outside the image read ``fill_value``.

    Args:
        images: a rank-3 image or a rank-4 batch of images.
        start_points: ``(4, 2)`` or ``(batch, 4, 2)`` corners ``(x, y)`` in the input.
        end_points: where those corners go in the output; same shape as
            ``start_points``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: the value read outside the image; default 0.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The warped images, same shape and dtype (integers are rounded).

    Example:
        >>> x = np.arange(16, dtype="float32").reshape(4, 4, 1)
        >>> corners = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], dtype="float32")
        >>> y = ops.image.perspective_transform(x, corners, corners + [1, 0])
        >>> ops.convert_to_numpy(y)[0, :, 0]
        array([0., 0., 1., 2.], dtype=float32)
    """
    op = "perspective_transform"
    data_format = config.standardize_data_format(data_format)
    _check_choice(op, "interpolation", interpolation, _INTERPOLATIONS)
    images = _core.convert_to_tensor(images)
    _check_rank(op, "images", images, (3, 4))
    # Plain points: solve on the host in float64 (no engine ops to dispatch or trace).
    is_plain = not (_core.is_tensor(start_points) or _core.is_tensor(end_points))
    convert = np.asarray if is_plain else _core.convert_to_tensor
    start_points = convert(start_points)
    end_points = convert(end_points)
    _check_points(op, "start_points", start_points)
    _check_points(op, "end_points", end_points)
    if tuple(start_points.shape) != tuple(end_points.shape):
        raise ValueError(
            f"{op}: `start_points` and `end_points` must have the same shape. Received "
            f"{tuple(start_points.shape)} and {tuple(end_points.shape)}."
        )
    count = images.shape[0] if len(images.shape) == 4 else 1
    transforms = start_points.shape[0] if len(start_points.shape) == 3 else 1
    if transforms not in (1, count):
        raise ValueError(
            f"{op}: got {transforms} sets of points for {count} image(s). Pass one set "
            "per image, or a single one for all of them."
        )
    if is_plain:
        start_points = start_points.reshape(-1, 4, 2).astype("float64")
        end_points = end_points.reshape(-1, 4, 2).astype("float64")
        transform = _homography(np, np.linalg.solve, start_points, end_points)
        transform = _core.convert_to_tensor(transform.astype("float32"))
    else:
        # float32 at least: solving for the coefficients needs the precision.
        points_dtype = "float64" if "float64" in (_core.dtype(start_points),
                                                  _core.dtype(end_points)) else "float32"
        start_points = _core.cast(_np.reshape(start_points, (-1, 4, 2)), points_dtype)
        end_points = _core.cast(_np.reshape(end_points, (-1, 4, 2)), points_dtype)
        transform = _homography(_np, _linalg.solve, start_points, end_points)
    if len(images.shape) == 3:
        transform = transform[0]
    return _impl.affine_transform(images, transform, interpolation, "constant",
                                  float(fill_value), data_format)


# -- scale and translate -------------------------------------------------------------------
# The kernels and weights take an array namespace ``xp``: NumPy when scale and translation
# are plain numbers (the matrix is then built once on the host, in float64), else
# ``lamina.ops.numpy`` (traced or differentiable scales).
def _triangle(xp, x):
    return xp.maximum(0.0, 1.0 - x)


def _keys_cubic(xp, x):
    # Keys (1981) cubic convolution with a = -0.5, on |x|.
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return xp.where(x >= 2.0, 0.0, xp.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(xp, x):
        # sinc(x) * sinc(x / radius), written with a safe divisor so x = 0 gives 1.
        safe = xp.where(x > 1e-3, x, 1.0)
        value = radius * xp.sin(math.pi * safe) * xp.sin(math.pi * safe / radius) / (
            math.pi ** 2 * safe * safe)
        return xp.where(x > radius, 0.0, xp.where(x > 1e-3, value, 1.0))
    return kernel


_SCALE_KERNELS = {
    "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
    "triangle": _triangle,
    "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
    "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
}


def _resample_weights(xp, in_size, out_size, scale, translation, kernel, antialias):
    """The (in_size, out_size) matrix that resamples one axis.

    Output pixel ``j`` has its centre at ``(j + 0.5 - translation) / scale - 0.5`` in
    input pixels. Its weights are the kernel at the distance to each input pixel,
    stretched by ``1 / scale`` when downsampling with ``antialias``, then normalised;
    output pixels whose centre falls outside the input get no weight (read 0).
    ``scale`` and ``translation`` are scalars of the float dtype to compute in.
    """
    inverse = 1.0 / scale
    zero = scale * 0.0  # arange in the dtype (and namespace) of the scale
    sample = (xp.arange(out_size) + zero + 0.5) * inverse - translation * inverse - 0.5
    distance = xp.abs(sample[None, :] - (xp.arange(in_size) + zero)[:, None])
    if antialias:
        distance = distance / xp.maximum(inverse, 1.0)
    weights = kernel(xp, distance)
    total = xp.sum(weights, axis=0, keepdims=True)
    # A window that (almost) misses every input pixel gives zeros, not a 0 / 0.
    usable = xp.abs(total) > 1000.0 * float(np.finfo("float32").eps)
    weights = xp.where(usable, weights / xp.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return xp.where(inside[None, :], weights, 0.0)


@dispatch
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample images along some axes after scaling and shifting them.

    Along each axis ``spatial_dims[i]`` an input point ``x`` goes to
    ``x * scale[i] + translation[i]`` in the output, with pixel centres at ``i + 0.5``;
    each output pixel is the kernel-weighted sum of the input pixels around where it came
    from, and pixels that came from outside the input are 0. Like
    ``jax.image.scale_and_translate``.

    Args:
        images: an array of any rank.
        output_shape: the full output shape, one int per axis of ``images`` (axes not in
            ``spatial_dims`` keep their size; ``None`` may stand for it).
        scale: ``K`` scales, one per entry of ``spatial_dims``.
        translation: ``K`` shifts in output pixels, one per entry of ``spatial_dims``.
        spatial_dims: the ``K`` axes to resample; the others keep their size.
        method: the kernel: ``"linear"`` (also ``"bilinear"``, ``"trilinear"``,
            ``"triangle"``), ``"cubic"`` (also ``"bicubic"``, ``"tricubic"``; Keys with
            a = -0.5), ``"lanczos3"`` or ``"lanczos5"``.
        antialias: when downsampling, widen the kernel by ``1 / scale`` to average out
            aliasing; default True. No effect when upsampling.

    Returns:
        The resampled array of ``output_shape``, dtype of ``images`` (integers are
        rounded and clipped to the input's range).

    Example:
        >>> x = np.arange(3, dtype="float32")
        >>> y = ops.image.scale_and_translate(x, (5,), [2.0], [-0.5], (0,), "linear")
        >>> ops.convert_to_numpy(y)
        array([0. , 0.5, 1. , 1.5, 2. ], dtype=float32)
    """
    op = "scale_and_translate"
    _check_choice(op, "method", method, tuple(_SCALE_KERNELS))
    images = _core.convert_to_tensor(images)
    rank = len(images.shape)
    try:
        output_shape = tuple(output_shape)
    except TypeError:
        output_shape = None
    if output_shape is None or len(output_shape) != rank:
        raise ValueError(
            f"{op}: `output_shape` must be a sequence of {rank} ints, one per axis of "
            f"`images`. Received: output_shape={output_shape!r}."
        )
    try:
        spatial_dims = tuple(int(d) for d in spatial_dims)
    except TypeError:
        spatial_dims = (int(spatial_dims),)
    if any(not -rank <= d < rank for d in spatial_dims):
        raise ValueError(
            f"{op}: every entry of `spatial_dims` must be an axis of `images` (rank "
            f"{rank}). Received: spatial_dims={spatial_dims}."
        )
    spatial_dims = tuple(d % rank for d in spatial_dims)
    for d in range(rank):
        size = output_shape[d]
        if d in spatial_dims:
            if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
                raise ValueError(
                    f"{op}: `output_shape[{d}]` (a resampled axis) must be an int >= 1. "
                    f"Received: output_shape={output_shape}."
                )
        # Other axes keep their size; None stands for it (a symbolic batch axis).
        elif size is not None and size != images.shape[d]:
            raise ValueError(
                f"{op}: `output_shape` may only change the axes in `spatial_dims` "
                f"{spatial_dims}; axis {d} goes from {images.shape[d]} to {size}."
            )
    # Plain numbers build the weights in NumPy (no engine ops to dispatch or trace).
    xp = _np if _core.is_tensor(scale) or _core.is_tensor(translation) else np
    scale = _core.convert_to_tensor(scale) if xp is _np else np.asarray(scale, "float64")
    translation = (_core.convert_to_tensor(translation) if xp is _np
                   else np.asarray(translation, "float64"))
    for name, value in (("scale", scale), ("translation", translation)):
        if tuple(value.shape) != (len(spatial_dims),):
            raise ValueError(
                f"{op}: `{name}` must hold one number per entry of `spatial_dims` "
                f"(shape ({len(spatial_dims)},)). Received {name} of shape "
                f"{tuple(value.shape)}."
            )
    dtype = _core.dtype(images)
    compute = _compute_dtype(images)
    kernel = _SCALE_KERNELS[method]
    out = _core.cast(images, compute)
    for i, axis in enumerate(spatial_dims):
        if xp is np:
            weights = _resample_weights(np, images.shape[axis], output_shape[axis],
                                        scale[i], translation[i], kernel, antialias)
            weights = _core.convert_to_tensor(weights.astype(compute))
        else:
            weights = _resample_weights(_np, images.shape[axis], output_shape[axis],
                                        _core.cast(scale[i], compute),
                                        _core.cast(translation[i], compute), kernel,
                                        antialias)
        out = _np.moveaxis(_np.tensordot(out, weights, axes=([axis], [0])), -1, axis)
    if compute != dtype:
        # Integer images: round, and keep within the input's range (ringing kernels
        # such as cubic or Lanczos overshoot).
        out = _np.clip(_round_half_away_from_zero(out), _core.cast(_np.min(images), compute),
                       _core.cast(_np.max(images), compute))
    return _core.cast(out, dtype)

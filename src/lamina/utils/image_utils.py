"""Image file helpers Keras users call on their data: load, save, and convert between PIL
images and arrays (``load_img``, ``save_img``, ``img_to_array``, ``array_to_img``), and
``smart_resize``, which resizes without distorting the aspect ratio.

The PIL helpers work on NumPy arrays and need Pillow, which is imported only when one of them
runs, so lamina itself does not depend on it (``pip install "lamina[image]"``).
``smart_resize`` also takes backend tensors; its resampling is ``lamina.ops.image.resize``.
Building datasets from image folders (``image_dataset_from_directory``) does not live here.
"""

import io
import numbers
import pathlib
import warnings

import numpy as np

from lamina.backend import config

# Keras's names for PIL's resampling filters, in the order Keras lists them.
_PIL_FILTER_NAMES = {
    "nearest": "NEAREST",
    "bilinear": "BILINEAR",
    "bicubic": "BICUBIC",
    "hamming": "HAMMING",
    "box": "BOX",
    "lanczos": "LANCZOS",
}
_COLOR_MODES = ("grayscale", "rgb", "rgba")
# The PIL modes that `color_mode="grayscale"` keeps as they are (8, 16 and 32 bit gray);
# anything else is converted to 8-bit gray ("L").
_GRAY_PIL_MODES = ("L", "I;16", "I")
# The interpolations `lamina.ops.image.resize` implements on every backend.
_SMART_RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def _pil_image(function_name):
    """PIL's ``Image`` module, imported on first use with an actionable error without it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"{function_name} needs Pillow (the PIL package), which is not installed. "
            'Install it with `pip install pillow` (or `pip install "lamina[image]"`).'
        ) from None
    return Image


def _pil_filter(image_module, interpolation):
    # Pillow 9.1 moved the filters into `Image.Resampling`; older releases keep them on
    # `Image` itself.
    filters = getattr(image_module, "Resampling", image_module)
    return getattr(filters, _PIL_FILTER_NAMES[interpolation])


def _floatx_if_none(dtype):
    return config.floatx() if dtype is None else dtype


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Turn a rank-3 array (one image) into a PIL image.

    The PIL mode follows the channel count: 4 gives ``"RGBA"``, 3 ``"RGB"`` and 1 gives
    8-bit gray ``"L"``, or 32-bit integer gray ``"I"`` when a value exceeds 255.

    Args:
        x: one image as anything NumPy can read: ``(height, width, channels)``, or
            ``(channels, height, width)`` when ``data_format="channels_first"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None (default) uses
            ``lamina.config.image_data_format()``.
        scale: when True (default), shift and stretch the values so the smallest becomes 0
            and the largest 255. When False the values are used as given and must already
            lie in ``[0, 255]``.
        dtype: the dtype ``x`` is read as before scaling; None (default) uses
            ``lamina.config.floatx()``.

    Returns:
        A ``PIL.Image.Image``.

    Example:
        >>> img = array_to_img(np.random.random((8, 8, 3)))
        >>> img.size, img.mode
        ((8, 8), 'RGB')
    """
    data_format = config.standardize_data_format(data_format)
    image_module = _pil_image("array_to_img")
    x = np.asarray(x, dtype=_floatx_if_none(dtype))
    if x.ndim != 3:
        raise ValueError(
            "array_to_img: `x` must be one image of rank 3, (height, width, channels) or "
            f"(channels, height, width). Received an array of shape {x.shape}. Convert a "
            "batch one image at a time (x[i]), and add a channel axis to a 2-D gray image."
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)  # (channels, height, width) -> (height, width, channels)
    if scale:
        # Float input is scaled in its own dtype, as in Keras, so float32 rounds the same
        # way; integer input is scaled in float64 (where Keras fails on in-place division).
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    channels = x.shape[2]
    # Pillow infers the mode from the array: uint8 (h, w, 4) is RGBA, (h, w, 3) RGB, (h, w)
    # L and int32 (h, w) I. Pillow 11.3 deprecated passing `mode` to `fromarray`.
    if channels in (3, 4):
        return image_module.fromarray(x.astype("uint8"))
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"))
        return image_module.fromarray(x[:, :, 0].astype("uint8"))
    raise ValueError(
        f"array_to_img: an image must have 1, 3 or 4 channels; `x` has {channels} (shape "
        f"{x.shape} after moving channels last). Check `data_format` "
        f"(received {data_format!r})."
    )


def img_to_array(img, data_format=None, dtype=None):
    """Turn a PIL image into a rank-3 NumPy array.

    Args:
        img: a ``PIL.Image.Image`` (or anything NumPy reads as a 2-D or 3-D array). A gray
            image gets a channel axis of size 1.
        data_format: ``"channels_last"`` (the result is ``(height, width, channels)``) or
            ``"channels_first"`` (``(channels, height, width)``); None (default) uses
            ``lamina.config.image_data_format()``.
        dtype: the dtype of the result; None (default) uses ``lamina.config.floatx()``.

    Returns:
        A rank-3 NumPy array.

    Example:
        >>> img_to_array(array_to_img(np.zeros((4, 6, 3)))).shape
        (4, 6, 3)
    """
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=_floatx_if_none(dtype))
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)  # (height, width, channels) -> channels first
    else:
        raise ValueError(
            "img_to_array: `img` must read as a 2-D (gray) or 3-D array. Received something "
            f"of shape {x.shape}. Pass a single PIL image, not a list or a batch."
        )
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an image held in an array to a file or a file object.

    Args:
        path: a path (``str`` or ``pathlib.Path``) or a writable binary file object.
        x: one image as an array, in the layout given by ``data_format``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None (default) uses
            ``lamina.config.image_data_format()``.
        file_format: the file format, e.g. ``"png"`` or ``"jpeg"``. None (default) takes it
            from the extension of ``path``; a file object needs it given. ``"jpg"`` means
            ``"jpeg"``; a 4-channel image saved as JPEG loses its alpha channel (with a
            warning), since JPEG has none.
        scale: stretch the values to ``[0, 255]`` first (see ``array_to_img``).
        **kwargs: passed on to ``PIL.Image.Image.save`` (e.g. ``quality=95``).

    Returns:
        None.

    Example:
        >>> save_img("/tmp/lamina_example.png", np.random.random((8, 8, 3)))
    """
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:]
    if file_format:
        file_format = file_format.lower()
        # Pillow knows the format only as "jpeg"; "jpg" is just the common extension.
        if file_format == "jpg":
            file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "save_img: JPEG has no alpha channel, so the RGBA image is saved as RGB. Save it "
            "as PNG to keep the alpha channel.",
            stacklevel=2,
        )
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def _open_image(image_module, path):
    """Open ``path`` fully into memory, so no file handle outlives the call."""
    if isinstance(path, io.BytesIO):
        return image_module.open(path)
    if isinstance(path, (str, bytes, pathlib.Path)):
        with open(path, "rb") as f:
            return image_module.open(io.BytesIO(f.read()))
    raise TypeError(
        "load_img: `path` must be a path (str, bytes or pathlib.Path) or an io.BytesIO. "
        f"Received an object of type {type(path).__name__}. Wrap raw bytes in "
        "io.BytesIO(data)."
    )


def _convert_color(img, color_mode):
    if color_mode == "grayscale":
        return img if img.mode in _GRAY_PIL_MODES else img.convert("L")
    wanted = color_mode.upper()  # "rgb" -> PIL mode "RGB", "rgba" -> "RGBA"
    return img if img.mode == wanted else img.convert(wanted)


def _center_crop_box(size, target_size):
    """The largest centred ``(left, top, right, bottom)`` box of an image of ``size``
    (width, height) that has the aspect ratio of ``target_size`` (height, width)."""
    width, height = size
    target_height, target_width = target_size[0], target_size[1]
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return (left, top, left + crop_width, top + crop_height)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Read an image file into a PIL image, optionally converted and resized.

    Args:
        path: a path (``str``, ``bytes`` or ``pathlib.Path``) or an ``io.BytesIO``.
        color_mode: ``"rgb"`` (default), ``"rgba"`` or ``"grayscale"``. Grayscale keeps
            8, 16 and 32-bit gray images as they are and converts others to 8-bit gray.
        target_size: None (default) keeps the file's size; ``(height, width)`` resizes to it.
        interpolation: the PIL filter used when resizing: ``"nearest"`` (default),
            ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: when True, resize the largest centred crop that has the aspect
            ratio of ``target_size``, so the image is not stretched.

    Returns:
        A ``PIL.Image.Image``; ``img_to_array`` turns it into an array.

    Example:
        >>> save_img("/tmp/lamina_example.png", np.random.random((8, 8, 3)))
        >>> load_img("/tmp/lamina_example.png", target_size=(4, 2)).size  # (width, height)
        (2, 4)
    """
    image_module = _pil_image("load_img")
    if color_mode not in _COLOR_MODES:
        raise ValueError(
            f"load_img: `color_mode` must be one of {_COLOR_MODES}. Received: "
            f"color_mode={color_mode!r}."
        )
    img = _convert_color(_open_image(image_module, path), color_mode)
    if target_size is None:
        return img
    target_height, target_width = target_size[0], target_size[1]
    if img.size == (target_width, target_height):
        return img
    # As in Keras, the filter name is checked only when a resize is actually needed.
    if interpolation not in _PIL_FILTER_NAMES:
        raise ValueError(
            f"load_img: `interpolation` must be one of {tuple(_PIL_FILTER_NAMES)}. "
            f"Received: interpolation={interpolation!r}."
        )
    resample = _pil_filter(image_module, interpolation)
    box = _center_crop_box(img.size, target_size) if keep_aspect_ratio else None
    return img.resize((target_width, target_height), resample, box=box)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last",
                 backend_module=None):
    """Resize images to ``size`` without stretching them: crop, then resize.

    First the largest centred window with the aspect ratio of ``size`` is cut out (a
    ``(340, 500)`` image resized to ``(200, 200)`` keeps its middle ``(340, 340)``), then
    that window is resampled to ``size``.

    Args:
        x: one image ``(height, width, channels)`` or a batch ``(batch, height, width,
            channels)`` (channels first when ``data_format="channels_first"``), as a NumPy
            array or a backend tensor.
        size: the output ``(height, width)``, two positive ints.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``; None uses
            ``lamina.config.image_data_format()``.
        backend_module: the op namespace to compute with; None (default) uses
            ``lamina.ops``. Another must provide ``convert_to_tensor`` and
            ``image.resize(images, size, interpolation=, crop_to_aspect_ratio=,
            data_format=)``, as ``keras.ops`` does.

    Returns:
        The resized image or batch: a NumPy array when ``x`` is one, otherwise a tensor of
        ``backend_module``.

    Example:
        >>> smart_resize(np.ones((30, 50, 3), "float32"), (20, 20)).shape
        (20, 20, 3)
    """
    data_format = config.standardize_data_format(data_format)
    try:
        is_pair = len(size) == 2
    except TypeError:
        is_pair = False
    if not is_pair:
        raise ValueError(
            "smart_resize: `size` must be a (height, width) pair of ints. Received: "
            f"size={size!r}."
        )
    if backend_module is None:
        from lamina import ops as backend_module

        # Keras also offers bicubic and Lanczos filters here; lamina's resize has only these.
        if interpolation not in _SMART_RESIZE_INTERPOLATIONS:
            raise ValueError(
                f"smart_resize: `interpolation` must be one of "
                f"{_SMART_RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation!r}."
            )
    images = backend_module.convert_to_tensor(x)
    if len(images.shape) not in (3, 4):
        raise ValueError(
            "smart_resize: `x` must be one image (height, width, channels) or a batch "
            "(batch, height, width, channels). Received an input of shape "
            f"{tuple(images.shape)}."
        )
    # NumPy ints (a size taken from an array's shape) become Python ints for the op's check.
    size = tuple(int(d) if isinstance(d, numbers.Integral) and not isinstance(d, bool) else d
                 for d in size)
    resized = backend_module.image.resize(
        images, size, interpolation=interpolation, crop_to_aspect_ratio=True,
        data_format=data_format,
    )
    if isinstance(x, np.ndarray):
        to_numpy = getattr(backend_module, "convert_to_numpy", np.asarray)
        return np.asarray(to_numpy(resized))
    return resized

"""``image_dataset_from_directory``: a folder of image files (one subfolder per class) as
batches of ``(images, labels)``.

Keras returns a ``tf.data.Dataset``; lamina returns an ``ImageDirectoryDataset``, a
``PyDataset`` that decodes a batch's files with Pillow when the batch is asked for and
resizes them in NumPy by TensorFlow's rules (half-pixel sampling, no antialiasing), as
Keras does. Pillow is imported only when this runs (``pip install pillow``).
"""

import numbers

import numpy as np

from lamina.backend import config
from lamina.utils import dataset_utils
from lamina.utils import image_utils

_FUNCTION = "image_dataset_from_directory"
ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
# The names Keras accepts: TensorFlow's resize methods.
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                   "gaussian", "mitchellcubic")


def _require_pillow():
    try:
        import PIL  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{_FUNCTION} needs Pillow (the PIL package) to decode images, and it is not "
            'installed. Install it with `pip install pillow` (or `pip install '
            '"lamina[image]"`).'
        ) from None


def _is_positive_int(value):
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and value > 0)


def _check_image_size(image_size):
    if _is_positive_int(image_size):
        image_size = (image_size, image_size)
    if (not isinstance(image_size, (list, tuple)) or len(image_size) != 2
            or not all(_is_positive_int(d) for d in image_size)):
        raise ValueError(
            f"{_FUNCTION}: `image_size` must be a (height, width) pair of positive ints "
            f"(every image is resized to it). Received: image_size={image_size!r}."
        )
    return (int(image_size[0]), int(image_size[1]))


def _check_interpolation(interpolation):
    interpolation = str(interpolation).lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"{_FUNCTION}: `interpolation` must be one of {_INTERPOLATIONS}. Received: "
            f"interpolation={interpolation!r}."
        )
    return interpolation


# --- Resampling, on the host -----------------------------------------------------------
# Images are resized in NumPy rather than with `ops.image.resize`: this is host-side data
# loading, and an engine op would compile anew for every image size under JAX (photo
# folders hold hundreds of sizes). The rules are TensorFlow's `tf.image.resize` without
# antialiasing, which Keras uses: output pixel `i` samples the input at
# `(i + 0.5) * in / out - 0.5`; a filter's taps that fall outside the image are dropped and
# the rest renormalized (for "bilinear" this is the same as clamping to the edge).

def _keys_cubic(x):  # Keys' cubic convolution with a = -0.5 (TensorFlow's "bicubic")
    return np.where(x < 1, ((1.5 * x - 2.5) * x) * x + 1,
                    np.where(x < 2, ((-0.5 * x + 2.5) * x - 4) * x + 2, 0.0))


def _mitchell_cubic(x):  # Mitchell-Netravali with B = C = 1/3
    return np.where(x < 1, ((7 / 6 * x - 2) * x) * x + 8 / 9,
                    np.where(x < 2, ((-7 / 18 * x + 2) * x - 10 / 3) * x + 16 / 9, 0.0))


def _lanczos(radius):
    return lambda x: np.where(x < radius, np.sinc(x) * np.sinc(x / radius), 0.0)


# name -> (kernel of the distance |x| in input pixels, the kernel's radius)
_KERNELS = {
    "bilinear": (lambda x: np.maximum(0.0, 1 - x), 1.0),
    "bicubic": (_keys_cubic, 2.0),
    "mitchellcubic": (_mitchell_cubic, 2.0),
    "lanczos3": (_lanczos(3), 3.0),
    "lanczos5": (_lanczos(5), 5.0),
    # TensorFlow's Gaussian: radius 1.5, sigma = radius / 3.
    "gaussian": (lambda x: np.where(x < 1.5, np.exp(-x * x / (2 * 0.5**2)), 0.0), 1.5),
}


def _resize_weights(old, new, interpolation):
    """The ``(new, old)`` matrix that resamples one axis of ``old`` pixels to ``new``."""
    scale = old / new
    if interpolation == "nearest":
        # TensorFlow's half-pixel nearest neighbour: floor((i + 0.5) * scale).
        source = np.minimum(np.floor((np.arange(new) + 0.5) * scale), old - 1).astype(int)
        return (source[:, None] == np.arange(old)).astype(np.float64)
    if interpolation == "area":
        # The share of input pixel j covered by output pixel i's box [i, i + 1) * scale.
        starts = np.arange(new)[:, None] * scale
        overlap = (np.minimum(starts + scale, np.arange(1, old + 1))
                   - np.maximum(starts, np.arange(old)))
        return np.maximum(overlap, 0.0) / scale
    kernel, _ = _KERNELS[interpolation]
    centres = (np.arange(new) + 0.5) * scale - 0.5
    weights = kernel(np.abs(np.arange(old)[None, :] - centres[:, None]))
    return weights / weights.sum(axis=1, keepdims=True)


def _resample_rows(image, weights):
    """``weights @ image`` along axis 0, reading only each output row's few taps (a dense
    product would cost input rows times output rows)."""
    is_tap = weights != 0
    taps = max(1, int(is_tap.sum(axis=1).max()))
    # Per output row, the input rows with a weight, first: (new, taps)
    sources = np.argsort(~is_tap, axis=1, kind="stable")[:, :taps]
    tap_weights = np.take_along_axis(weights, sources, axis=1).astype(np.float32)
    out = image[sources[:, 0]] * tap_weights[:, 0, None, None]
    for tap in range(1, taps):
        out += image[sources[:, tap]] * tap_weights[:, tap, None, None]
    return out


def _crop_box(height, width, size):
    """Keras's largest centred window with the aspect ratio of ``size``."""
    crop_height = max(min(height, int(width * size[0] / size[1])), 1)
    crop_width = max(min(width, int(height * size[1] / size[0])), 1)
    top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
    return slice(top, top + crop_height), slice(left, left + crop_width)


def _pad_amounts(height, width, size):
    """Keras's even padding (the same before and after) to the aspect ratio of ``size``."""
    pad_height = max(height, int(width * size[0] / size[1]))
    pad_width = max(width, int(height * size[1] / size[0]))
    return int((pad_height - height) / 2), int((pad_width - width) / 2)


def resize_image(image, size, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False):
    """Resize one ``(height, width, channels)`` image to ``size`` as Keras resizes it.

    Args:
        image: a NumPy array ``(height, width, channels)``.
        size: the output ``(height, width)``.
        interpolation: one of Keras's names (``"bilinear"``, ``"nearest"``,
            ``"bicubic"``, ``"area"``, ``"lanczos3"``, ``"lanczos5"``, ``"gaussian"``,
            ``"mitchellcubic"``).
        crop_to_aspect_ratio: first cut the largest centred window with the aspect ratio
            of ``size``.
        pad_to_aspect_ratio: first pad with zeros to the aspect ratio of ``size``.

    Returns:
        A float32 array ``size + (channels,)``.

    Example:
        >>> resize_image(np.ones((4, 6, 3)), (2, 3)).shape
        (2, 3, 3)
    """
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape[:2]
    if crop_to_aspect_ratio:
        image = image[_crop_box(height, width, size)]
    elif pad_to_aspect_ratio:
        top, left = _pad_amounts(height, width, size)
        image = np.pad(image, ((top, top), (left, left), (0, 0)))
    if image.shape[:2] == tuple(size):
        return image
    image = _resample_rows(image, _resize_weights(image.shape[0], size[0], interpolation))
    image = _resample_rows(image.transpose(1, 0, 2),
                           _resize_weights(image.shape[1], size[1], interpolation))
    return np.ascontiguousarray(image.transpose(1, 0, 2))


class ImageDirectoryDataset(dataset_utils.DirectoryDataset):
    """Batches of images read from files (and their labels), as a ``PyDataset``.

    Made by :func:`image_dataset_from_directory`; see there for the arguments. Every image
    is decoded, converted to ``color_mode`` and resized to ``image_size`` when its batch
    is asked for, so the files are never all in memory.

    Example:
        >>> ds = image_dataset_from_directory("photos/", image_size=(64, 64))
        >>> images, labels = ds[0]  # (32, 64, 64, 3) float32, (32,) int32
    """

    def __init__(self, file_paths, labels, class_names, batch_size, image_size,
                 color_mode, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                 data_format, shuffle=False, seed=None, **kwargs):
        super().__init__(file_paths, labels, class_names, batch_size, shuffle=shuffle,
                         seed=seed, **kwargs)
        self.image_size = image_size
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.data_format = data_format

    def load(self, path):
        """One image: float32 ``(height, width, channels)`` (channels first when
        ``data_format="channels_first"``), resized to ``image_size``."""
        # Pillow opens the first frame of an animated GIF, as Keras keeps only that one.
        img = image_utils.load_img(path, color_mode=self.color_mode)
        x = image_utils.img_to_array(img, data_format="channels_last", dtype="float32")
        if x.shape[:2] != self.image_size:
            x = resize_image(x, self.image_size, self.interpolation,
                             self.crop_to_aspect_ratio, self.pad_to_aspect_ratio)
        if self.data_format == "channels_first":
            x = x.transpose(2, 0, 1)  # (height, width, channels) -> channels first
        return x


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None,
                                 interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """A dataset of images (and labels) from a folder of image files.

    With ``labels="inferred"`` each subdirectory of ``directory`` is a class: in sorted
    order by default, so ``main/cats/*.jpg`` and ``main/dogs/*.jpg`` give labels 0 and 1.
    Files ending in ``.bmp``, ``.gif``, ``.jpeg``, ``.jpg`` or ``.png`` (any case) are
    read, subfolders included; an animated GIF gives its first frame.

    Args:
        directory: the folder holding the images (in class subfolders when
            ``labels="inferred"``; otherwise its layout does not matter).
        labels: ``"inferred"`` (default: from the subfolder names), None (images only),
            or a list/tuple of integer labels, one per image file in sorted path order.
        label_mode: ``"int"`` (default: int32 ``(batch,)``), ``"categorical"`` (float32
            one-hot ``(batch, num_classes)``), ``"binary"`` (float32 ``(batch, 1)``;
            exactly two classes) or None (images only).
        class_names: with ``labels="inferred"``, the subfolders to use, in label order;
            None (default) uses them all in sorted order.
        color_mode: ``"rgb"`` (default, 3 channels), ``"rgba"`` (4) or ``"grayscale"``
            (1).
        batch_size: images per batch (default 32; the last batch may be smaller), or None
            to yield single images.
        image_size: the ``(height, width)`` every image is resized to (default
            ``(256, 256)``); an int means a square.
        shuffle: shuffle the files (default True); False keeps sorted order. The files
            are permuted as Keras permutes them (the ``file_paths`` order, which decides
            the validation split) and the first pass serves them in that order; ``fit``
            reshuffles after every epoch (Keras's ``tf.data`` also shuffles within a
            buffer, so its batches differ).
        seed: an int seeding the shuffles; needed with ``validation_split`` and
            ``shuffle=True``.
        validation_split: a float in ``(0, 1)``: the fraction of files (the last ones,
            after shuffling) kept for validation.
        subset: with ``validation_split``: ``"training"``, ``"validation"`` or
            ``"both"`` (a ``(training, validation)`` pair).
        interpolation: the resize method (default ``"bilinear"``): ``"bilinear"``,
            ``"nearest"``, ``"bicubic"``, ``"area"``, ``"lanczos3"``, ``"lanczos5"``,
            ``"gaussian"`` or ``"mitchellcubic"``, with TensorFlow's filters and no
            antialiasing, as in Keras.
        follow_links: walk into subfolders reached through symbolic links (default
            False).
        crop_to_aspect_ratio: crop the largest centred window with the aspect ratio of
            ``image_size`` before resizing, so images are not distorted.
        pad_to_aspect_ratio: pad with zeros to the aspect ratio of ``image_size`` before
            resizing, so images are not distorted. At most one of the two may be True.
        data_format: ``"channels_last"`` or ``"channels_first"``; None (default) uses
            ``lamina.config.image_data_format()``.
        format: ``"tf"`` (default) or ``"grain"``; accepted for Keras compatibility, both
            give the same lamina dataset.
        verbose: print how many files and classes were found (default True).

    Returns:
        An ``ImageDirectoryDataset`` (a ``PyDataset``; a pair with ``subset="both"``)
        yielding ``(images, labels)`` NumPy batches, or ``images`` alone without labels;
        images are float32 ``(batch, height, width, channels)``. It has ``class_names``
        and ``file_paths`` attributes.

    Example:
        >>> train, val = lamina.utils.image_dataset_from_directory(
        ...     "photos/", validation_split=0.2, subset="both", seed=1337,
        ...     image_size=(180, 180))
        >>> model.fit(train, validation_data=val, epochs=3)  # doctest: +SKIP
    """
    labels, label_mode = dataset_utils.check_common_arguments(
        _FUNCTION, labels, label_mode, class_names, validation_split, subset, shuffle,
        seed)
    if color_mode not in _CHANNELS:
        raise ValueError(
            f"{_FUNCTION}: `color_mode` must be one of {tuple(_CHANNELS)}. Received: "
            f"color_mode={color_mode!r}."
        )
    image_size = _check_image_size(image_size)
    interpolation = _check_interpolation(interpolation)
    dataset_utils.check_format(_FUNCTION, format)
    dataset_utils.check_batch_size(_FUNCTION, batch_size)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            f"{_FUNCTION}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` "
            "can be True."
        )
    data_format = config.standardize_data_format(data_format)
    _require_pillow()
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = dataset_utils.index_directory(
        _FUNCTION, directory, labels, ALLOWLIST_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links, verbose=verbose)
    dataset_utils.check_binary(_FUNCTION, label_mode, class_names)
    parts = dataset_utils.split_files(_FUNCTION, directory, file_paths, labels,
                                      validation_split, subset, "images", verbose)
    num_classes = len(class_names) if class_names else 0

    def make_dataset(paths, part_labels, part_shuffle):
        return ImageDirectoryDataset(
            paths, dataset_utils.encode_labels(part_labels, label_mode, num_classes),
            class_names, batch_size, image_size, color_mode, interpolation,
            crop_to_aspect_ratio, pad_to_aspect_ratio, data_format,
            shuffle=part_shuffle, seed=seed)

    return dataset_utils.build_datasets(parts, make_dataset, shuffle)

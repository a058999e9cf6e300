"""Reading the CIFAR-10 / CIFAR-100 "python version" batches, shared by both loaders.

Each batch file is a Python 2 pickle of a dict with bytes keys: ``b"data"``, a uint8 array
of shape ``(n, 3072)`` whose rows are an image's red, green then blue planes (32x32 each),
and the labels, a list of ints (``b"labels"`` in CIFAR-10; ``b"fine_labels"`` and
``b"coarse_labels"`` in CIFAR-100). The pickles are read with the restricted unpickler.
"""

import numpy as np

from lamina import _settings
from lamina.datasets import _safe_pickle

ORIGIN_FOLDER = "https://www.cs.toronto.edu/~kriz/"
_PIXELS_PER_IMAGE = 3 * 32 * 32


def read_batch(path, label_key):
    """Read one CIFAR batch file.

    Args:
        path: the batch file (``data_batch_1``, ``test``...).
        label_key: which labels to read: ``"labels"``, ``"fine_labels"`` or
            ``"coarse_labels"``.

    Returns:
        ``(images, labels)``: a uint8 array of shape ``(n, 3, 32, 32)`` (channels first, as
        stored) and the labels as a list of ints.

    Example:
        >>> images, labels = read_batch("cifar-10-batches-py/test_batch", "labels")
    """
    batch = _safe_pickle.load_pickle(path, encoding="bytes")
    if isinstance(batch, dict):
        # Python 2 wrote the keys as str; read with encoding="bytes" they are bytes.
        batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get(label_key) if isinstance(batch, dict) else None
    data = np.asarray(data) if data is not None else None
    if data is None or labels is None or data.ndim != 2 or data.shape[1] != _PIXELS_PER_IMAGE:
        raise ValueError(
            f"{path!r} is not a CIFAR batch: expected a dict with 'data' (an (n, "
            f"{_PIXELS_PER_IMAGE}) uint8 array) and {label_key!r}. The download is damaged; "
            "delete the extracted folder and its archive so that they are downloaded again."
        )
    return data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32), labels


def to_image_data_format(images):
    """Return ``(n, 3, 32, 32)`` images in the configured layout (channels last by default).

    Like Keras, the channels-last result is a transposed view, not a copy.

    Example:
        >>> to_image_data_format(np.zeros((2, 3, 32, 32), "uint8")).shape
        (2, 32, 32, 3)
    """
    if _settings.image_data_format() == "channels_last":
        return images.transpose(0, 2, 3, 1)  # (n, 32, 32, 3)
    return images

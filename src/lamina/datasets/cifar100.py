"""CIFAR-100: 60,000 32x32 colour images in 100 classes (``keras.datasets.cifar100``)."""

import os

import numpy as np

from lamina.datasets import _cifar
from lamina.datasets import _fetch

_ORIGIN_FOLDER = _cifar.ORIGIN_FOLDER
_FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"  # sha256
# The cache names Keras 3 uses, so a cache Keras filled is reused.
_CACHE_NAME = "cifar-100-python-target"
_FOLDER_IN_ARCHIVE = "cifar-100-python"
_LABEL_MODES = ("fine", "coarse")


def load_data(label_mode="fine"):
    """Load CIFAR-100: 50,000 training and 10,000 test colour images of 100 classes.

    The 100 fine classes are grouped into 20 coarse superclasses. The archive (161 MB) is
    downloaded once from the CIFAR homepage, checked against its sha256 hash and unpacked
    into the Keras cache.

    Args:
        label_mode: ``"fine"`` (the default) for the 100 classes, or ``"coarse"`` for the
            20 superclasses.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` is a uint8 array of shape
        ``(50000, 32, 32, 3)`` (``(50000, 3, 32, 32)`` when
        ``lamina.config.image_data_format()`` is ``"channels_first"``), ``y_train`` an
        int64 array of shape ``(50000, 1)`` (the dtype Keras 3 returns, although its
        documentation says uint8); the test arrays hold 10,000 samples.

    Raises:
        ValueError: ``label_mode`` is neither ``"fine"`` nor ``"coarse"``.

    Example:
        >>> (x_train, y_train), _ = lamina.datasets.cifar100.load_data(label_mode="coarse")
        >>> int(y_train.max())
        19
    """
    if label_mode not in _LABEL_MODES:
        raise ValueError(
            f"cifar100.load_data: label_mode must be 'fine' (100 classes) or 'coarse' "
            f"(20 superclasses), got label_mode={label_mode!r}."
        )
    folder = _fetch.fetch(
        _CACHE_NAME, _ORIGIN_FOLDER + "cifar-100-python.tar.gz", _FILE_HASH, extract=True
    )
    folder = os.path.join(folder, _FOLDER_IN_ARCHIVE)
    label_key = f"{label_mode}_labels"
    x_train, y_train = _cifar.read_batch(os.path.join(folder, "train"), label_key)
    x_test, y_test = _cifar.read_batch(os.path.join(folder, "test"), label_key)
    # Keras turns the label lists into NumPy's default integer type, int64.
    y_train = np.asarray(y_train, dtype=np.int64).reshape(-1, 1)
    y_test = np.asarray(y_test, dtype=np.int64).reshape(-1, 1)
    x_train = _cifar.to_image_data_format(x_train)
    x_test = _cifar.to_image_data_format(x_test)
    return (x_train, y_train), (x_test, y_test)

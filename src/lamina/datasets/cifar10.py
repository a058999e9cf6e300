"""CIFAR-10: 60,000 32x32 colour images in 10 classes (``keras.datasets.cifar10``)."""

import os

import numpy as np

from lamina.datasets import _cifar
from lamina.datasets import _fetch

_ORIGIN_FOLDER = _cifar.ORIGIN_FOLDER
_FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"  # sha256
# The cache names Keras 3 uses, so a cache Keras filled is reused.
_CACHE_NAME = "cifar-10-batches-py-target"
_FOLDER_IN_ARCHIVE = "cifar-10-batches-py"
_NUM_TRAIN_BATCHES = 5


def load_data():
    """Load CIFAR-10: 50,000 training and 10,000 test colour images of 10 classes.

    The labels are 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
    7 horse, 8 ship, 9 truck. The archive (163 MB) is downloaded once from the CIFAR
    homepage, checked against its sha256 hash and unpacked into the Keras cache. A small
    share of the labels is known to be wrong; that noise is in the original data.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` is a uint8 array of shape
        ``(50000, 32, 32, 3)`` (``(50000, 3, 32, 32)`` when
        ``lamina.config.image_data_format()`` is ``"channels_first"``), ``y_train`` a
        uint8 array of shape ``(50000, 1)`` with the classes; the test arrays hold 10,000
        samples.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.cifar10.load_data()
        >>> x_train.shape, y_train.shape
        ((50000, 32, 32, 3), (50000, 1))
    """
    folder = _fetch.fetch(
        _CACHE_NAME, _ORIGIN_FOLDER + "cifar-10-python.tar.gz", _FILE_HASH, extract=True
    )
    folder = os.path.join(folder, _FOLDER_IN_ARCHIVE)
    train = [
        _cifar.read_batch(os.path.join(folder, f"data_batch_{i}"), "labels")
        for i in range(1, _NUM_TRAIN_BATCHES + 1)
    ]
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([np.asarray(labels, dtype=np.uint8) for _, labels in train])
    x_test, y_test = _cifar.read_batch(os.path.join(folder, "test_batch"), "labels")
    y_test = np.asarray(y_test, dtype=np.uint8)
    x_train = _cifar.to_image_data_format(x_train)
    x_test = _cifar.to_image_data_format(x_test)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))

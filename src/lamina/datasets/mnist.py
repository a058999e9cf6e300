"""MNIST: 70,000 28x28 grayscale images of handwritten digits (``keras.datasets.mnist``)."""

import numpy as np

from lamina.datasets import _fetch

_ORIGIN_FOLDER = _fetch.TF_KERAS_DATASETS
_FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # sha256


def load_data(path="mnist.npz"):
    """Load MNIST: 60,000 training and 10,000 test images of the digits 0-9.

    The file is downloaded once (11 MB) into the Keras cache and checked against its
    sha256 hash. MNIST is by Yann LeCun and Corinna Cortes (CC BY-SA 3.0).

    Args:
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"mnist.npz"``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` is a uint8 array of shape
        ``(60000, 28, 28)`` with pixel values 0-255, ``y_train`` a uint8 array of shape
        ``(60000,)`` with the digits; the test arrays hold 10,000 samples.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.mnist.load_data()
        >>> x_train.shape, y_train.dtype
        ((60000, 28, 28), dtype('uint8'))
    """
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "mnist.npz", _FILE_HASH)
    with np.load(local_path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])

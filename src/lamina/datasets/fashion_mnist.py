"""Fashion-MNIST: 70,000 28x28 grayscale images of clothes (``keras.datasets.fashion_mnist``).

The four files are gzipped IDX files, the format of the original MNIST distribution: a
4-byte magic number (two zero bytes, a type code, the number of dimensions), each dimension
as a big-endian uint32, then the data.
"""

import gzip
import os

import numpy as np

from lamina.datasets import _fetch

_ORIGIN_FOLDER = _fetch.TF_KERAS_DATASETS
# Keras 3 downloads these four files without a hash, so none is checked here either.
_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
_CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
_UBYTE_TYPE_CODE = 0x08


def _read_idx(path, ndim):
    """Read a gzipped IDX file of unsigned bytes with ``ndim`` dimensions."""
    with gzip.open(path, "rb") as f:
        # A bytearray, not bytes: the array built on it is then writable, with no second copy.
        raw = bytearray(f.read())
    header_size = 4 + 4 * ndim
    is_valid = (
        len(raw) >= header_size
        and raw[0] == 0
        and raw[1] == 0
        and raw[2] == _UBYTE_TYPE_CODE
        and raw[3] == ndim
    )
    if is_valid:
        shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
        is_valid = len(raw) - header_size == int(np.prod(shape))
    if not is_valid:
        raise ValueError(
            f"fashion_mnist.load_data: {path!r} is not a {ndim}-D IDX file of unsigned bytes "
            "(its header or length is wrong). The download is damaged: delete the file so "
            "that it is downloaded again."
        )
    return np.frombuffer(raw, np.uint8, offset=header_size).reshape(shape)


def load_data():
    """Load Fashion-MNIST: 60,000 training and 10,000 test images of 10 kinds of clothing.

    A drop-in replacement for MNIST. The labels are 0 T-shirt/top, 1 trouser, 2 pullover,
    3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot. The files are
    downloaded once into ``~/.keras/datasets/fashion-mnist/``. Fashion-MNIST is by
    Zalando SE (MIT license).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` is a uint8 array of shape
        ``(60000, 28, 28)``, ``y_train`` a uint8 array of shape ``(60000,)``; the test
        arrays hold 10,000 samples.

    Example:
        >>> (x_train, y_train), _ = lamina.datasets.fashion_mnist.load_data()
        >>> x_train.shape
        (60000, 28, 28)
    """
    paths = [
        _fetch.fetch(name, _ORIGIN_FOLDER + name, None, cache_subdir=_CACHE_SUBDIR)
        for name in _FILES
    ]
    y_train = _read_idx(paths[0], ndim=1)
    x_train = _read_idx(paths[1], ndim=3)
    y_test = _read_idx(paths[2], ndim=1)
    x_test = _read_idx(paths[3], ndim=3)
    return (x_train, y_train), (x_test, y_test)

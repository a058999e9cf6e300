"""Small files in the real formats of the Keras datasets, built in memory for the tests.

Each builder returns the file's bytes and the arrays it holds, so a test can compare what a
loader returns with what went in.
"""

import gzip
import io
import json
import pickle
import struct
import tarfile

import numpy as np


def npz_bytes(**arrays):
    """An ``.npz`` file holding ``arrays`` (object arrays are pickled by numpy, as in Keras's)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def object_array(sequences):
    """A 1-D object array of lists, the layout of IMDB / Reuters sequences."""
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = list(sequence)
    return array


def mnist_file(num_train=5, num_test=3, seed=0):
    """``mnist.npz``: uint8 images (n, 28, 28) and uint8 labels (n,)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, (num_train,), dtype=np.uint8),
        "x_test": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, (num_test,), dtype=np.uint8),
    }
    return npz_bytes(**arrays), arrays


def idx_gz(array):
    """A gzipped IDX file of unsigned bytes (the MNIST / Fashion-MNIST file format)."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def fashion_mnist_files(num_train=4, num_test=2, seed=1):
    """The four Fashion-MNIST files by name, and the arrays they hold."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, (num_train,), dtype=np.uint8),
        "x_test": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, (num_test,), dtype=np.uint8),
    }
    files = {
        "train-labels-idx1-ubyte.gz": idx_gz(arrays["y_train"]),
        "train-images-idx3-ubyte.gz": idx_gz(arrays["x_train"]),
        "t10k-labels-idx1-ubyte.gz": idx_gz(arrays["y_test"]),
        "t10k-images-idx3-ubyte.gz": idx_gz(arrays["x_test"]),
    }
    return files, arrays


class _Python2Pickler(pickle._Pickler):
    """Writes bytes and str as Python 2 ``str`` (BINSTRING), as the original CIFAR files do.

    Python 3's protocol 2 would pickle bytes as a call to ``_codecs.encode``, which the real
    files never contain (and the restricted unpickler rightly refuses).
    """

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str


def python2_pickle(value, numpy_module=b"numpy.core.multiarray"):
    """``value`` pickled as Python 2 with numpy 1.x wrote it (protocol 2, numpy.core names)."""
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(value)
    # Protocol 2 names globals as text lines, so the module can be swapped in place.
    return buffer.getvalue().replace(b"numpy._core.multiarray\n", numpy_module + b"\n")


def tar_gz(members):
    """A ``.tar.gz`` of ``{name: bytes}`` regular files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar_batch(num_images, label_keys, rng, num_classes=10):
    """One CIFAR batch as the real files hold it: a dict with bytes keys, data rows of
    3072 bytes (the red, green and blue 32x32 planes) and labels as lists of ints."""
    batch = {
        b"batch_label": b"a test batch",
        b"data": rng.integers(0, 256, (num_images, 3072), dtype=np.uint8),
        b"filenames": [f"image_{i}.png".encode() for i in range(num_images)],
    }
    for key in label_keys:
        batch[key.encode()] = [int(v) for v in rng.integers(0, num_classes, num_images)]
    return batch


def cifar10_file(images_per_batch=2, num_test=3, seed=2):
    """``cifar-10-python.tar.gz``: ``cifar-10-batches-py/data_batch_1..5`` and
    ``test_batch``, pickled as Python 2 pickles like the originals."""
    rng = np.random.default_rng(seed)
    batches = {f"data_batch_{i}": cifar_batch(images_per_batch, ["labels"], rng)
               for i in range(1, 6)}
    batches["test_batch"] = cifar_batch(num_test, ["labels"], rng)
    members = {f"cifar-10-batches-py/{name}": python2_pickle(batch)
               for name, batch in batches.items()}
    return tar_gz(members), batches


def cifar100_file(num_train=4, num_test=2, seed=3):
    """``cifar-100-python.tar.gz``: ``cifar-100-python/train`` and ``test``."""
    rng = np.random.default_rng(seed)
    keys = ["fine_labels", "coarse_labels"]
    batches = {"train": cifar_batch(num_train, keys, rng, 100),
               "test": cifar_batch(num_test, keys, rng, 100)}
    members = {f"cifar-100-python/{name}": python2_pickle(batch)
               for name, batch in batches.items()}
    return tar_gz(members), batches


def word_sequences(num, vocabulary, seed, min_len=0, max_len=8):
    """Ragged lists of word ranks in ``1..vocabulary`` (some empty when ``min_len`` is 0)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, num)
    return [[int(w) for w in rng.integers(1, vocabulary + 1, n)] for n in lengths]


def imdb_file(num_train=12, num_test=10, vocabulary=20, seed=4):
    """``imdb.npz``: object arrays of ragged word-rank lists and int64 0/1 labels."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": object_array(word_sequences(num_train, vocabulary, seed, min_len=1)),
        "y_train": rng.integers(0, 2, num_train).astype(np.int64),
        "x_test": object_array(word_sequences(num_test, vocabulary, seed + 1, min_len=1)),
        "y_test": rng.integers(0, 2, num_test).astype(np.int64),
    }
    return npz_bytes(**arrays), arrays


def reuters_file(num=15, vocabulary=25, seed=5):
    """``reuters.npz``: ``x`` ragged word-rank lists, ``y`` int64 topics 0-45."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x": object_array(word_sequences(num, vocabulary, seed, min_len=1)),
        "y": rng.integers(0, 46, num).astype(np.int64),
    }
    return npz_bytes(**arrays), arrays


def housing_file(num_samples, num_features, seed=6):
    """``boston_housing.npz`` / ``california_housing.npz``: float64 ``x`` and ``y``."""
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.normal(size=(num_samples, num_features)),
              "y": rng.uniform(10, 50, num_samples)}
    return npz_bytes(**arrays), arrays


def word_index_file(words=("the", "of", "and", "movie")):
    """A word-index JSON file: each word to its frequency rank (1 = most frequent)."""
    index = {word: rank for rank, word in enumerate(words, start=1)}
    return json.dumps(index).encode(), index

"""mnist and fashion_mnist: arrays as Keras returns them, the cache, checksums, bad files."""

import os

import numpy as np
import pytest

from lamina.datasets import fashion_mnist
from lamina.datasets import mnist

from . import dataset_files


# -- mnist -------------------------------------------------------------------------------------
def test_mnist_returns_the_files_uint8_arrays(publish):
    data, arrays = dataset_files.mnist_file()
    publish(mnist, "mnist.npz", data)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for got, name in ((x_train, "x_train"), (y_train, "y_train"),
                      (x_test, "x_test"), (y_test, "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[name])
    assert x_train.shape == (5, 28, 28) and y_train.shape == (5,)


def test_mnist_is_cached_under_keras_home_datasets(publish, keras_home):
    publish(mnist, "mnist.npz", dataset_files.mnist_file()[0])
    mnist.load_data()
    assert (keras_home / "datasets" / "mnist.npz").is_file()


def test_mnist_path_names_the_cached_file(publish, keras_home):
    publish(mnist, "mnist.npz", dataset_files.mnist_file()[0])
    mnist.load_data(path="digits.npz")
    assert (keras_home / "datasets" / "digits.npz").is_file()


def test_mnist_second_load_does_not_download_again(publish, server):
    publish(mnist, "mnist.npz", dataset_files.mnist_file()[0])
    mnist.load_data()
    mnist.load_data()
    assert server.requests["mnist.npz"] == 1


def test_mnist_corrupted_cached_file_is_downloaded_again(publish, server, keras_home):
    data, arrays = dataset_files.mnist_file()
    publish(mnist, "mnist.npz", data)
    mnist.load_data()
    (keras_home / "datasets" / "mnist.npz").write_bytes(b"truncated")
    (x_train, _), _ = mnist.load_data()
    assert server.requests["mnist.npz"] == 2
    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_mnist_wrong_hash_raises_and_keeps_nothing(publish, monkeypatch, keras_home):
    publish(mnist, "mnist.npz", dataset_files.mnist_file()[0])
    monkeypatch.setattr(mnist, "_FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match=r"sha256 hash is [0-9a-f]{64}, not the expected"):
        mnist.load_data()
    assert os.listdir(keras_home / "datasets") == []


def test_mnist_unreachable_origin_names_it(monkeypatch, server):
    monkeypatch.setattr(mnist, "_ORIGIN_FOLDER", server.url("missing/"))
    with pytest.raises(OSError, match=r"missing/mnist\.npz.*HTTP 404"):
        mnist.load_data()


def test_mnist_keeps_keras_default_origin_and_hash():
    assert mnist._ORIGIN_FOLDER == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert mnist._FILE_HASH == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


# -- fashion_mnist -----------------------------------------------------------------------------
def _publish_fashion(publish, files):
    for name, data in files.items():
        publish(fashion_mnist, name, data, hash_attr=None)  # Keras checks no hash here


def test_fashion_mnist_reads_idx_files_into_uint8_arrays(publish):
    files, arrays = dataset_files.fashion_mnist_files()
    _publish_fashion(publish, files)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (4, 28, 28) and x_test.shape == (2, 28, 28)
    assert y_train.shape == (4,) and x_train.dtype == y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_fashion_mnist_caches_in_its_own_subfolder(publish, keras_home, server):
    files, _ = dataset_files.fashion_mnist_files()
    _publish_fashion(publish, files)
    fashion_mnist.load_data()
    fashion_mnist.load_data()
    assert sorted(os.listdir(keras_home / "datasets" / "fashion-mnist")) == sorted(files)
    assert all(server.requests[name] == 1 for name in files)


def test_fashion_mnist_arrays_are_writable(publish):
    _publish_fashion(publish, dataset_files.fashion_mnist_files()[0])
    (x_train, _), _ = fashion_mnist.load_data()
    x_train[0, 0, 0] = 7  # a user normalising in place must not hit a read-only buffer


def test_fashion_mnist_refuses_a_file_with_a_wrong_header(publish):
    files, _ = dataset_files.fashion_mnist_files()
    files["t10k-labels-idx1-ubyte.gz"] = dataset_files.idx_gz(np.zeros((2, 2), np.uint8))
    _publish_fashion(publish, files)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz.*not a 1-D IDX file"):
        fashion_mnist.load_data()

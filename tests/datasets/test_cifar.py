"""cifar10 and cifar100: the archive is extracted once, batches are read channels-last."""

import pickle

import numpy as np
import pytest

from lamina import _settings
from lamina.datasets import cifar10
from lamina.datasets import cifar100

from . import dataset_files


def _images(batch):
    """A batch's rows as Keras lays them out by default: (n, 32, 32, 3)."""
    return batch[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


# -- cifar10 -----------------------------------------------------------------------------------
@pytest.fixture
def cifar10_batches(publish):
    data, batches = dataset_files.cifar10_file()
    publish(cifar10, "cifar-10-python.tar.gz", data)
    return batches


def test_cifar10_shapes_and_dtypes_match_keras(cifar10_batches):
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (3, 1)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8


def test_cifar10_rows_become_channels_last_images(cifar10_batches):
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    train = [cifar10_batches[f"data_batch_{i}"] for i in range(1, 6)]
    np.testing.assert_array_equal(x_train, np.concatenate([_images(b) for b in train]))
    np.testing.assert_array_equal(y_train[:, 0], sum((b[b"labels"] for b in train), []))
    np.testing.assert_array_equal(x_test, _images(cifar10_batches["test_batch"]))
    np.testing.assert_array_equal(y_test[:, 0], cifar10_batches["test_batch"][b"labels"])


def test_cifar10_pixel_planes_are_red_green_blue(cifar10_batches):
    (x_train, _), _ = cifar10.load_data()
    row = cifar10_batches["data_batch_1"][b"data"][0]
    # Pixel (0, 1) of the first image: bytes 1, 1024 + 1 and 2048 + 1 of its row.
    np.testing.assert_array_equal(x_train[0, 0, 1], [row[1], row[1025], row[2049]])


def test_cifar10_channels_first_keeps_the_stored_layout(cifar10_batches, monkeypatch):
    monkeypatch.setattr(_settings, "_IMAGE_DATA_FORMAT", "channels_first")
    (x_train, _), _ = cifar10.load_data()
    assert x_train.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(
        x_train[:2], cifar10_batches["data_batch_1"][b"data"].reshape(-1, 3, 32, 32)
    )


def test_cifar10_uses_keras_cache_names_and_downloads_once(cifar10_batches, keras_home, server):
    cifar10.load_data()
    cifar10.load_data()
    folder = keras_home / "datasets"
    assert (folder / "cifar-10-batches-py-target_archive").is_file()
    assert (folder / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").is_file()
    assert server.requests["cifar-10-python.tar.gz"] == 1


def test_cifar10_keeps_keras_default_origin_and_hash():
    assert cifar10._ORIGIN_FOLDER == "https://www.cs.toronto.edu/~kriz/"
    assert cifar10._FILE_HASH == "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


# -- cifar100 ----------------------------------------------------------------------------------
@pytest.fixture
def cifar100_batches(publish):
    data, batches = dataset_files.cifar100_file()
    publish(cifar100, "cifar-100-python.tar.gz", data)
    return batches


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_reads_the_chosen_labels(cifar100_batches, label_mode):
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    key = f"{label_mode}_labels".encode()
    assert x_train.shape == (4, 32, 32, 3) and x_train.dtype == np.uint8
    # Keras turns the label lists into NumPy's default integer type.
    assert y_train.shape == (4, 1) and y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_array_equal(y_train[:, 0], cifar100_batches["train"][key])
    np.testing.assert_array_equal(y_test[:, 0], cifar100_batches["test"][key])
    np.testing.assert_array_equal(x_test, _images(cifar100_batches["test"]))


def test_cifar100_refuses_an_unknown_label_mode_before_downloading(server):
    with pytest.raises(ValueError, match=r"label_mode must be 'fine'.*got label_mode='medium'"):
        cifar100.load_data(label_mode="medium")
    assert not server.requests


def test_cifar100_damaged_batch_names_the_file(publish):
    members = {"cifar-100-python/train": b"not a pickle", "cifar-100-python/test": b""}
    publish(cifar100, "cifar-100-python.tar.gz", dataset_files.tar_gz(members))
    with pytest.raises(pickle.UnpicklingError, match=r"cifar-100-python/train.*damaged"):
        cifar100.load_data()

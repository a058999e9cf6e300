"""Keras 3 as the oracle: same signatures, and the same arrays from the same files.

Each lamina loader first downloads a small file from the local server into the test's
cache; then Keras's own loader reads that cached file (its ``get_file`` is replaced by a
lookup in the same cache), and every returned array must match in dtype, shape and value.
"""

import inspect
import os

import numpy as np
import pytest

from lamina import datasets
from lamina import utils

from . import dataset_files

keras = pytest.importorskip("keras")

_PUBLIC = {
    "boston_housing": ["load_data"],
    "california_housing": ["load_data"],
    "cifar10": ["load_data"],
    "cifar100": ["load_data"],
    "fashion_mnist": ["load_data"],
    "imdb": ["get_word_index", "load_data"],
    "mnist": ["load_data"],
    "reuters": ["get_label_names", "get_word_index", "load_data"],
}


def test_datasets_are_the_keras_modules():
    assert sorted(datasets.__all__) == sorted(
        name for name in dir(keras.datasets) if not name.startswith("_")
    )


@pytest.mark.parametrize("module, function", [(m, f) for m, fs in _PUBLIC.items() for f in fs])
def test_signatures_match_keras(module, function):
    ours = getattr(getattr(datasets, module), function)
    theirs = getattr(getattr(keras.datasets, module), function)
    assert inspect.signature(ours) == inspect.signature(theirs)


def test_get_file_signature_matches_keras():
    assert inspect.signature(utils.get_file) == inspect.signature(keras.utils.get_file)


def test_reuters_label_names_match_keras():
    assert datasets.reuters.get_label_names() == keras.datasets.reuters.get_label_names()


def _assert_same(ours, theirs):
    if isinstance(ours, tuple):
        assert isinstance(theirs, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
        return
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    if ours.dtype == object:
        assert [list(s) for s in ours] == [list(s) for s in theirs]
    else:
        np.testing.assert_array_equal(ours, theirs)


# Keras's cifar10 loader assumes batches of exactly 10,000 images, so a small archive goes
# through its batch reader instead (test_cifar_batches_read_like_keras).
_CASES = {
    "mnist": (lambda: {"mnist.npz": dataset_files.mnist_file()[0]}, [{}]),
    "fashion_mnist": (lambda: dataset_files.fashion_mnist_files()[0], [{}]),
    "cifar100": (lambda: {"cifar-100-python.tar.gz": dataset_files.cifar100_file()[0]},
                 [{}, {"label_mode": "coarse"}]),
    "imdb": (lambda: {"imdb.npz": dataset_files.imdb_file()[0]},
             [{}, {"num_words": 9, "skip_top": 4, "maxlen": 7},
              {"start_char": None, "oov_char": None, "index_from": 0, "seed": 1}]),
    "reuters": (lambda: {"reuters.npz": dataset_files.reuters_file()[0]},
                [{}, {"num_words": 9, "maxlen": 6, "test_split": 0.4},
                 {"start_char": None, "oov_char": None, "skip_top": 6}]),
    "boston_housing": (lambda: {"boston_housing.npz": dataset_files.housing_file(21, 13)[0]},
                       [{}, {"test_split": 0.3, "seed": 2}]),
    "california_housing": (
        lambda: {"california_housing.npz": dataset_files.housing_file(650, 8)[0]},
        [{}, {"version": "small", "seed": 5}],
    ),
}


def test_cifar_batches_read_like_keras(tmp_path):
    from keras.src.datasets import cifar

    from lamina.datasets import _cifar

    _, batches = dataset_files.cifar10_file()
    path = tmp_path / "data_batch_1"
    path.write_bytes(dataset_files.python2_pickle(batches["data_batch_1"]))
    ours, theirs = _cifar.read_batch(path, "labels"), cifar.load_batch(path)
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert ours[0].dtype == theirs[0].dtype and ours[1] == theirs[1]


@pytest.mark.parametrize(
    "module, kwargs",
    [(name, kwargs) for name, (_, grid) in _CASES.items() for kwargs in grid],
    ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()),
)
def test_load_data_matches_keras_on_the_same_files(module, kwargs, publish, keras_home,
                                                   monkeypatch):
    files, _ = _CASES[module]
    ours_module = getattr(datasets, module)
    # Fashion-MNIST's files have no hash (in Keras either); the others get their digest.
    hash_attr = None if module == "fashion_mnist" else "_FILE_HASH"
    for name, data in files().items():
        publish(ours_module, name, data, hash_attr=hash_attr)
    ours = ours_module.load_data(**kwargs)

    def cached(fname=None, origin=None, cache_subdir="datasets", **unused):
        path = os.path.join(keras_home, cache_subdir, fname)
        assert os.path.exists(path), f"Keras looks for {path}, which lamina did not create"
        return path

    keras_module = __import__(f"keras.src.datasets.{module}", fromlist=["get_file"])
    monkeypatch.setattr(keras_module, "get_file", cached)
    _assert_same(ours, keras_module.load_data(**kwargs))

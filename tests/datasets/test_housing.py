"""boston_housing and california_housing: seeded shuffles and train / test splits."""

import numpy as np
import pytest

from lamina.datasets import boston_housing
from lamina.datasets import california_housing

from . import dataset_files


def _reference_split(x, y, test_split, seed):
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    cut = int(len(x) * (1 - test_split))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def _assert_splits_equal(got, want):
    for got_part, want_part in zip(got, want):
        for got_array, want_array in zip(got_part, want_part):
            np.testing.assert_array_equal(got_array, want_array)


# -- boston_housing ----------------------------------------------------------------------------
@pytest.fixture
def boston_arrays(publish):
    data, arrays = dataset_files.housing_file(num_samples=21, num_features=13)
    publish(boston_housing, "boston_housing.npz", data)
    return arrays


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.5, 1), (0.0, 113)])
def test_boston_split_matches_the_reference(boston_arrays, test_split, seed):
    result = boston_housing.load_data(test_split=test_split, seed=seed)
    _assert_splits_equal(result, _reference_split(boston_arrays["x"], boston_arrays["y"],
                                                  test_split, seed))


def test_boston_default_shapes_and_dtypes(boston_arrays):
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (16, 13) and x_test.shape == (5, 13)
    assert y_train.shape == (16,) and y_test.shape == (5,)
    assert x_train.dtype == y_train.dtype == np.float64


def test_boston_same_seed_same_split_other_seed_other_split(boston_arrays):
    (first, _), _ = boston_housing.load_data(seed=3)
    (again, _), _ = boston_housing.load_data(seed=3)
    (other, _), _ = boston_housing.load_data(seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("test_split", [1.0, -0.1])
def test_boston_refuses_a_test_split_outside_zero_one(server, test_split):
    with pytest.raises(ValueError, match=r"boston_housing.load_data: test_split must be"):
        boston_housing.load_data(test_split=test_split)
    assert not server.requests


# -- california_housing ------------------------------------------------------------------------
@pytest.fixture
def california_arrays(publish):
    data, arrays = dataset_files.housing_file(num_samples=650, num_features=8)
    publish(california_housing, "california_housing.npz", data)
    return arrays


def test_california_large_splits_every_sample(california_arrays):
    result = california_housing.load_data()
    _assert_splits_equal(result, _reference_split(california_arrays["x"], california_arrays["y"],
                                                  0.2, 113))
    assert result[0][0].shape == (520, 8) and result[1][0].shape == (130, 8)


def test_california_small_is_the_first_600_samples_shuffled(california_arrays):
    result = california_housing.load_data(version="small", test_split=0.25, seed=9)
    x, y = california_arrays["x"][:600], california_arrays["y"][:600]
    _assert_splits_equal(result, _reference_split(x, y, 0.25, 9))
    assert len(result[0][0]) == 450 and len(result[1][0]) == 150


def test_california_refuses_an_unknown_version_before_downloading(server):
    with pytest.raises(ValueError, match=r"version must be 'small'.*got version='medium'"):
        california_housing.load_data(version="medium")
    assert not server.requests

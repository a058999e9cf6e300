"""lamina.utils: to_categorical and normalize against NumPy (and Keras 3), set_random_seed."""

import random

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.utils import normalize
from lamina.utils import set_random_seed
from lamina.utils import to_categorical


def _one_hot(ids, num_classes):
    return np.eye(num_classes, dtype="float32")[np.asarray(ids)]


# -- to_categorical ----------------------------------------------------------------------------
def test_to_categorical_one_hot_encodes_ids():
    np.testing.assert_array_equal(to_categorical([0, 2, 1, 2], num_classes=4),
                                  _one_hot([0, 2, 1, 2], 4))


def test_to_categorical_returns_float32_numpy():
    result = to_categorical([0, 1])
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.float32


def test_to_categorical_infers_num_classes_from_max_id():
    assert to_categorical(np.array([0, 3, 1])).shape == (3, 4)


def test_to_categorical_drops_trailing_axis_of_size_one():
    result = to_categorical(np.array([[1], [0], [2]]), num_classes=3)
    np.testing.assert_array_equal(result, _one_hot([1, 0, 2], 3))


def test_to_categorical_keeps_other_leading_axes():
    ids = np.array([[0, 1], [2, 1]])
    np.testing.assert_array_equal(to_categorical(ids, 3), _one_hot(ids, 3))


def test_to_categorical_scalar_id_gives_a_vector():
    np.testing.assert_array_equal(to_categorical(np.array(2), 3), [0.0, 0.0, 1.0])


def test_to_categorical_accepts_whole_float_ids():
    np.testing.assert_array_equal(to_categorical([1.0, 0.0]), _one_hot([1, 0], 2))


def test_to_categorical_accepts_a_tensor():
    np.testing.assert_array_equal(to_categorical(ops.convert_to_tensor([2, 0]), 3),
                                  _one_hot([2, 0], 3))


def test_to_categorical_rejects_fractional_ids():
    with pytest.raises(ValueError, match="class ids must be whole numbers"):
        to_categorical([0.5, 1.0])


def test_to_categorical_rejects_negative_ids():
    with pytest.raises(ValueError, match="class ids must be >= 0, got -1"):
        to_categorical([0, -1, 2])


def test_to_categorical_rejects_id_out_of_range():
    with pytest.raises(ValueError, match=r"class id 3 is out of range for num_classes=3\. "
                                         r"Ids must be in \[0, num_classes\)"):
        to_categorical([0, 3], num_classes=3)


@pytest.mark.parametrize("ids,num_classes", [
    ([0, 2, 1], None), ([[1], [0]], None), ([[0, 1], [2, 1]], 4), ([1, 1], 5),
])
def test_to_categorical_matches_keras(ids, num_classes):
    keras = pytest.importorskip("keras")
    expected = keras.utils.to_categorical(np.array(ids), num_classes)
    np.testing.assert_array_equal(to_categorical(np.array(ids), num_classes), expected)


# -- normalize ---------------------------------------------------------------------------------
X = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 2.0]])


def _normalize_reference(x, axis, order):
    norm = np.sum(np.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    return x / np.where(norm == 0, 1.0, norm)


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("order", [1, 2])
def test_normalize_numpy_matches_formula(axis, order):
    np.testing.assert_allclose(normalize(X, axis=axis, order=order),
                               _normalize_reference(X, axis, order), rtol=1e-12)


def test_normalize_defaults_to_l2_along_last_axis():
    np.testing.assert_allclose(normalize(np.array([[3.0, 4.0]])), [[0.6, 0.8]])


def test_normalize_leaves_zero_rows_zero():
    result = normalize(X)
    np.testing.assert_array_equal(result[1], np.zeros(3))
    assert np.all(np.isfinite(result))


def test_normalize_numpy_in_numpy_out():
    assert isinstance(normalize(X), np.ndarray)


def test_normalize_accepts_a_list():
    np.testing.assert_allclose(normalize([[3.0, 4.0]]), [[0.6, 0.8]])


def test_normalize_tensor_in_tensor_out():
    result = normalize(ops.convert_to_tensor(X.astype("float32")))
    assert lamina.backend.is_tensor(result)
    np.testing.assert_allclose(ops.convert_to_numpy(result), _normalize_reference(X, -1, 2),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("axis", [-1, 0])
def test_normalize_tensor_along_axis_matches_formula(axis):
    result = normalize(ops.convert_to_tensor(X.astype("float32")), axis=axis, order=1)
    np.testing.assert_allclose(ops.convert_to_numpy(result), _normalize_reference(X, axis, 1),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("order", [1, 2])
def test_normalize_matches_keras(order):
    keras = pytest.importorskip("keras")
    # Along the last axis: Keras's NumPy path turns axis=0 into -1, so only -1 is comparable.
    np.testing.assert_allclose(normalize(X, order=order),
                               keras.utils.normalize(X, order=order), rtol=1e-12)


# -- set_random_seed ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [-1, 1.5, "3", None, True])
def test_set_random_seed_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="set_random_seed expects a non-negative int, got"):
        set_random_seed(seed)


def test_set_random_seed_makes_unseeded_random_ops_repeatable():
    set_random_seed(7)
    first = ops.convert_to_numpy(lamina.random.normal((3,)))
    second_draw = ops.convert_to_numpy(lamina.random.normal((3,)))
    set_random_seed(7)
    np.testing.assert_array_equal(ops.convert_to_numpy(lamina.random.normal((3,))), first)
    np.testing.assert_array_equal(ops.convert_to_numpy(lamina.random.normal((3,))),
                                  second_draw)


def test_successive_unseeded_draws_differ():
    set_random_seed(7)
    first = ops.convert_to_numpy(lamina.random.normal((3,)))
    assert not np.array_equal(ops.convert_to_numpy(lamina.random.normal((3,))), first)


def test_different_seeds_give_different_draws():
    set_random_seed(1)
    first = ops.convert_to_numpy(lamina.random.normal((3,)))
    set_random_seed(2)
    assert not np.array_equal(ops.convert_to_numpy(lamina.random.normal((3,))), first)


def test_set_random_seed_seeds_python_and_numpy():
    set_random_seed(11)
    first = (random.random(), np.random.rand())
    set_random_seed(11)
    assert (random.random(), np.random.rand()) == first


def test_set_random_seed_makes_layer_weights_repeatable():
    set_random_seed(3)
    first = lamina.layers.Dense(2)
    first.build((None, 3))
    set_random_seed(3)
    second = lamina.layers.Dense(2)
    second.build((None, 3))
    np.testing.assert_array_equal(first.kernel.numpy(), second.kernel.numpy())

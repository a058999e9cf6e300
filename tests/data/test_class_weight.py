"""class_weight becomes per-sample weights: from integer labels, one-hot targets, per batch."""

import numpy as np
import pytest

from lamina import backend
from lamina import ops
from lamina.data import EpochIterator
from lamina.data import class_weight_to_sample_weights

CLASS_WEIGHT = {0: 1.0, 1: 5.0, 2: 0.5}


def _reference(labels, class_weight):
    """The weight of each sample's class, 1 for classes not in the dict (NumPy reference)."""
    return np.array([class_weight.get(int(c), 1.0) for c in labels], "float32")


def _weights(iterator):
    return np.concatenate(
        [ops.convert_to_numpy(sw) for _, (_, _, sw) in iterator.enumerate_epoch()]
    )


def test_integer_labels_pick_their_class_weight():
    y = np.array([0, 1, 2, 1, 3, 0])
    iterator = EpochIterator(np.zeros((6, 2)), y, batch_size=4, class_weight=CLASS_WEIGHT)
    np.testing.assert_array_equal(_weights(iterator), _reference(y, CLASS_WEIGHT))


def test_one_hot_targets_use_their_argmax():
    labels = np.array([2, 0, 1, 1])
    y = np.eye(3, dtype="float32")[labels]
    iterator = EpochIterator(np.zeros((4, 2)), y, batch_size=4, class_weight=CLASS_WEIGHT)
    np.testing.assert_array_equal(_weights(iterator), _reference(labels, CLASS_WEIGHT))


def test_binary_column_targets_are_rounded_to_a_class():
    y = np.array([[0.0], [1.0], [1.0]], "float32")
    weights = class_weight_to_sample_weights(y, {0: 2.0, 1: 3.0})
    np.testing.assert_array_equal(weights, [2.0, 3.0, 3.0])


def test_class_weights_follow_shuffled_samples():
    y = np.arange(10) % 3
    iterator = EpochIterator(
        y.astype("float32"), y, batch_size=3, shuffle=True, class_weight=CLASS_WEIGHT
    )
    for _, (_, by, sw) in iterator.enumerate_epoch():
        np.testing.assert_array_equal(
            ops.convert_to_numpy(sw), _reference(ops.convert_to_numpy(by), CLASS_WEIGHT)
        )


def test_class_weights_are_floatx():
    iterator = EpochIterator(np.zeros((2, 1)), np.array([0, 1]), class_weight={1: 2.0})
    (_, (_, _, sw)), = iterator.enumerate_epoch()
    assert backend.standardize_dtype(sw.dtype) == "float32"


def test_class_weight_multiplies_given_sample_weight():
    y = np.array([0, 1, 1])
    sample_weight = np.array([2.0, 3.0, 4.0])
    iterator = EpochIterator(np.zeros((3, 1)), y, sample_weight, class_weight={1: 10.0})
    np.testing.assert_array_equal(_weights(iterator), [2.0, 30.0, 40.0])


def test_class_weight_applies_to_generator_batches():
    def batches():
        yield np.zeros((3, 1)), np.array([1, 0, 2])

    iterator = EpochIterator(batches(), class_weight=CLASS_WEIGHT)
    np.testing.assert_array_equal(_weights(iterator), [5.0, 1.0, 0.5])


def test_class_weight_with_several_outputs_is_refused():
    y = [np.zeros((4,)), np.zeros((4,))]
    with pytest.raises(ValueError, match="only supported for models with a single output"):
        EpochIterator(np.zeros((4, 1)), y, class_weight={0: 1.0})


def test_class_weight_without_targets_is_refused():
    with pytest.raises(ValueError, match="no `y` was given"):
        EpochIterator(np.zeros((4, 1)), class_weight={0: 1.0})


def test_class_weight_must_be_a_dict_of_int_keys():
    with pytest.raises(ValueError, match="must be a dict mapping class indices"):
        EpochIterator(np.zeros((2, 1)), np.zeros((2,)), class_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="keys must be integer class indices"):
        EpochIterator(np.zeros((2, 1)), np.zeros((2,)), class_weight={"cat": 1.0})


def test_matches_keras_class_weight_conversion():
    pytest.importorskip("keras")
    from keras.src.trainers.data_adapters import data_adapter_utils

    y = np.eye(4, dtype="float32")[[3, 1, 0, 2, 2]]
    class_weight = {0: 0.25, 2: 4.0, 3: 1.5}
    np.testing.assert_allclose(
        class_weight_to_sample_weights(y, class_weight),
        data_adapter_utils.class_weight_to_sample_weights(y, class_weight),
    )

"""unpack / pack of (x, y, sample_weight), data_cardinality and train_validation_split."""

import numpy as np
import pytest

from lamina import ops
from lamina.data import data_cardinality
from lamina.data import pack_x_y_sample_weight
from lamina.data import train_validation_split
from lamina.data import unpack_x_y_sample_weight

X = np.zeros((4, 2))
Y = np.ones((4,))
W = np.full((4,), 2.0)
D = {"a": X}


@pytest.mark.parametrize(
    "data, expected",
    [
        (X, (X, None, None)),
        ((X,), (X, None, None)),
        ((X, Y), (X, Y, None)),
        ((X, Y, W), (X, Y, W)),
        ([X, Y], (X, Y, None)),
        (D, (D, None, None)),
    ],
    ids=["array", "tuple1", "tuple2", "tuple3", "list_reads_as_tuple", "dict_is_x"],
)
def test_unpack_fills_missing_parts_with_none(data, expected):
    result = unpack_x_y_sample_weight(data)
    assert len(result) == 3
    for got, want in zip(result, expected):
        assert got is want


def test_unpack_refuses_more_than_three_parts():
    with pytest.raises(ValueError, match=r"`\(x, y, sample_weight\)`, found a tuple of length 4"):
        unpack_x_y_sample_weight((X, Y, W, W))


def test_unpack_matches_keras():
    keras = pytest.importorskip("keras")
    for data in (X, (X,), (X, Y), [X, Y, W]):
        ours = unpack_x_y_sample_weight(data)
        theirs = keras.utils.unpack_x_y_sample_weight(data)
        assert all(a is b for a, b in zip(ours, theirs))


def test_pack_wraps_several_inputs_but_not_one():
    assert pack_x_y_sample_weight(X) is X
    assert pack_x_y_sample_weight([X, X]) == ([X, X],)
    assert pack_x_y_sample_weight(X, Y) == (X, Y)
    assert pack_x_y_sample_weight(X, Y, W) == (X, Y, W)


def test_data_cardinality_counts_samples():
    assert data_cardinality({"a": np.zeros((5, 2)), "b": [np.zeros((5,)), None]}) == 5
    assert data_cardinality(ops.convert_to_tensor(np.zeros((3, 1)))) == 3


def test_data_cardinality_is_none_for_non_arrays():
    assert data_cardinality(iter([X])) is None


def test_data_cardinality_refuses_mixed_sizes():
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        data_cardinality([np.zeros((5,)), np.zeros((4,))])


def test_validation_split_takes_the_last_fraction_in_order():
    x = np.arange(10, dtype="float32")[:, None]
    y = np.arange(10)
    (x_train, y_train), (x_val, y_val) = train_validation_split((x, y), validation_split=0.25)
    # floor(10 * 0.75) = 7 training samples, as Keras computes it.
    np.testing.assert_array_equal(x_train, x[:7])
    np.testing.assert_array_equal(y_val, y[7:])
    assert x_val.shape == (3, 1) and y_train.shape == (7,)


def test_validation_split_keeps_structure_and_nones():
    x = {"a": np.arange(5.0), "b": np.arange(5.0) * 2}
    train, val = train_validation_split((x, np.arange(5), None), 0.4)
    assert val[2] is None and sorted(val[0]) == ["a", "b"]
    np.testing.assert_array_equal(val[0]["b"], [6.0, 8.0])


def test_validation_split_matches_keras():
    pytest.importorskip("keras")
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split as keras_split

    x = np.arange(23.0)
    ours_train, ours_val = train_validation_split(x, 0.3)
    theirs_train, theirs_val = keras_split(x, 0.3)
    np.testing.assert_array_equal(ours_train, theirs_train)
    np.testing.assert_array_equal(ours_val, theirs_val)


def test_validation_split_slices_backend_tensors():
    x = ops.convert_to_tensor(np.arange(10.0))
    _, val = train_validation_split(x, 0.2)
    np.testing.assert_array_equal(ops.convert_to_numpy(val), [8.0, 9.0])


@pytest.mark.parametrize("bad", [0, 0.0, 1.0, 1.5, -0.2, "0.2", True])
def test_validation_split_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match="`validation_split` must be a float strictly between"):
        train_validation_split((X, Y), bad)


def test_validation_split_of_a_generator_is_refused():
    generator = (batch for batch in [(X, Y)])
    with pytest.raises(ValueError, match="only supported for arrays/tensors"):
        train_validation_split(generator, 0.2)


def test_validation_split_with_too_few_samples_is_refused():
    with pytest.raises(ValueError, match="too few to split"):
        train_validation_split(np.zeros((1, 1)), 0.5)

"""EpochIterator refuses bad data with errors that name the argument and the fix."""

import numpy as np
import pytest

from lamina.data import EpochIterator


def test_mismatched_x_and_y_sample_counts_are_reported():
    with pytest.raises(ValueError) as info:
        EpochIterator(np.zeros((100, 2)), np.zeros((90,)))
    assert str(info.value) == (
        "Data cardinality is ambiguous: x sizes: 100, y sizes: 90. "
        "Make sure all arrays contain the same number of samples."
    )


def test_mismatched_sample_weight_is_reported_with_every_size():
    with pytest.raises(ValueError, match="x sizes: 4, 4, y sizes: 4, sample_weight sizes: 3"):
        EpochIterator([np.zeros((4, 1)), np.zeros((4, 2))], np.zeros((4,)), np.zeros((3,)))


def test_scalar_array_is_reported():
    with pytest.raises(ValueError, match="`y` holds a scalar"):
        EpochIterator(np.zeros((4, 1)), np.float32(1.0))


@pytest.mark.parametrize("bad", [3, "data.csv", object()], ids=["int", "str", "object"])
def test_unsupported_x_type_says_what_is_accepted(bad):
    with pytest.raises(ValueError, match=r"Unrecognized data type.*Accepted: NumPy arrays"):
        EpochIterator(bad)


def test_list_of_numbers_as_x_is_refused():
    with pytest.raises(ValueError, match="Unrecognized data type: x is a list of int"):
        EpochIterator([1, 2, 3])


def test_list_of_numbers_as_y_suggests_asarray():
    with pytest.raises(ValueError, match=r"`y` must be array data .*np.asarray\(y\)"):
        EpochIterator(np.zeros((3, 1)), [0, 1, 0])


def test_missing_x_is_reported():
    with pytest.raises(ValueError, match="`x` is required"):
        EpochIterator(None)


def test_y_with_a_generator_is_refused():
    generator = iter([(np.zeros((2, 1)), np.zeros((2,)))])
    with pytest.raises(ValueError, match="as a generator, `y` should not be passed"):
        EpochIterator(generator, y=np.zeros((2,)))


def test_sample_weight_with_a_generator_is_refused():
    generator = iter([(np.zeros((2, 1)), np.zeros((2,)))])
    with pytest.raises(ValueError, match="`sample_weight` should not be passed"):
        EpochIterator(generator, sample_weight=np.ones((2,)))


def test_string_arrays_are_refused_with_the_argument_name():
    with pytest.raises(TypeError, match="`y` holds an array of dtype <U1"):
        EpochIterator(np.zeros((2, 1)), np.array(["a", "b"]))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 0}, "`batch_size` must be a positive integer"),
        ({"batch_size": 2.5}, "`batch_size` must be a positive integer"),
        ({"steps_per_epoch": -1}, "`steps_per_epoch` must be a positive integer"),
        ({"shuffle": "yes"}, "`shuffle` must be True, False or 'batch'"),
    ],
)
def test_bad_iteration_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EpochIterator(np.zeros((4, 1)), **kwargs)


def test_empty_arrays_are_refused():
    with pytest.raises(ValueError, match="has 0 samples"):
        EpochIterator(np.zeros((0, 3)))


def test_per_output_sample_weight_must_match_outputs():
    y = [np.zeros((4,)), np.zeros((4,))]
    with pytest.raises(ValueError, match="one `sample_weight` array per output"):
        EpochIterator(np.zeros((4, 1)), y, sample_weight=[np.ones((4,))] * 3)


def test_single_sample_weight_for_several_outputs_must_be_per_sample():
    y = [np.zeros((4,)), np.zeros((4,))]
    with pytest.raises(ValueError, match=r"one weight per sample .* shape \(4, 3\)"):
        EpochIterator(np.zeros((4, 1)), y, sample_weight=np.ones((4, 3)))

"""EpochIterator over generators, iterators and re-iterable loaders."""

import warnings

import numpy as np
import pytest

from lamina import backend
from lamina import ops
from lamina.data import EpochIterator


def _counting(limit=None):
    """Yield batch i as (x filled with i, float64), (y = [i, i]) until ``limit``."""
    i = 0
    while limit is None or i < limit:
        yield np.full((2, 1), float(i)), np.array([i, i])
        i += 1


def _ids(iterator):
    return [int(ops.convert_to_numpy(x)[0, 0]) for _, (x, _, _) in iterator.enumerate_epoch()]


def test_finite_generator_epoch_runs_until_exhausted():
    iterator = EpochIterator(_counting(4))
    assert iterator.num_batches is None
    assert _ids(iterator) == [0, 1, 2, 3]
    assert not iterator.ran_out_of_data


def test_generator_length_is_learned_after_the_first_epoch():
    iterator = EpochIterator(_counting(4))
    _ids(iterator)
    assert iterator.num_batches == 4


def test_exhausted_generator_flags_running_out_on_the_next_epoch():
    iterator = EpochIterator(_counting(3))
    _ids(iterator)
    assert _ids(iterator) == []
    assert iterator.ran_out_of_data


def test_infinite_generator_epochs_continue_the_stream():
    iterator = EpochIterator(_counting(), steps_per_epoch=3)
    assert iterator.num_batches == 3
    assert _ids(iterator) == [0, 1, 2]
    assert _ids(iterator) == [3, 4, 5]


def test_generator_ending_mid_epoch_ends_the_epoch_and_flags_it():
    iterator = EpochIterator(_counting(5), steps_per_epoch=3)
    assert _ids(iterator) == [0, 1, 2]
    assert _ids(iterator) == [3, 4]
    assert iterator.ran_out_of_data


def test_generator_batches_become_backend_tensors_with_floatx():
    (_, (x, y, sw)), = EpochIterator(_counting(1)).enumerate_epoch()
    assert backend.is_tensor(x) and backend.is_tensor(y)
    assert backend.standardize_dtype(x.dtype) == "float32"
    assert backend.is_int_dtype(y.dtype)
    assert sw is None


def test_generator_yielding_x_only_gives_none_targets():
    def inputs_only():
        yield np.zeros((2, 3), "float32")

    (_, (x, y, sw)), = EpochIterator(inputs_only()).enumerate_epoch()
    assert tuple(x.shape) == (2, 3) and y is None and sw is None


def test_generator_batch_structure_is_kept():
    def multi():
        yield {"a": np.zeros((2, 1)), "b": np.ones((2, 2))}, [np.zeros((2,)), np.ones((2,))], None

    (_, (x, y, sw)), = EpochIterator(multi()).enumerate_epoch()
    assert sorted(x) == ["a", "b"] and isinstance(y, list) and len(y) == 2 and sw is None


def test_batch_size_is_ignored_for_generators():
    assert _ids(EpochIterator(_counting(2), batch_size=64)) == [0, 1]


def test_shuffle_with_a_generator_is_ignored_silently():
    # fit() defaults to shuffle=True, so a generator must not warn about it every time.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iterator = EpochIterator(_counting(3), shuffle=True)
    assert _ids(iterator) == [0, 1, 2]


def test_generator_batch_of_wrong_length_is_reported():
    def four_parts():
        yield np.zeros((1, 1)), np.zeros((1,)), np.ones((1,)), np.ones((1,))

    with pytest.raises(ValueError, match=r"generator produced a batch .*found a tuple of length 4"):
        _ids(EpochIterator(four_parts()))


class _Loader:
    """A re-iterable object with a length, like a torch DataLoader."""

    def __init__(self, num_batches):
        self.num_batches = num_batches

    def __len__(self):
        return self.num_batches

    def __iter__(self):
        for i in range(self.num_batches):
            yield [np.full((2, 1), float(i), "float32"), np.array([i, i])]


def test_reiterable_loader_restarts_every_epoch():
    iterator = EpochIterator(_Loader(3))
    assert iterator.num_batches == 3
    assert _ids(iterator) == [0, 1, 2]
    assert _ids(iterator) == [0, 1, 2]


def test_loader_list_batches_unpack_as_x_and_y():
    (_, (x, y, sw)), = list(EpochIterator(_Loader(1)).enumerate_epoch())
    np.testing.assert_array_equal(ops.convert_to_numpy(y), [0, 0])
    assert sw is None


def test_loader_with_steps_per_epoch_continues_then_restarts():
    iterator = EpochIterator(_Loader(3), steps_per_epoch=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _ids(iterator) == [0, 1]
        assert _ids(iterator) == [2]
        assert iterator.ran_out_of_data
        assert _ids(iterator) == [0, 1]

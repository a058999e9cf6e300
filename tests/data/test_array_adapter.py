"""EpochIterator over in-memory arrays: batch counts and contents, shuffling, dtypes, structure."""

import numpy as np
import pytest

from lamina import backend
from lamina import ops
from lamina.data import EpochIterator


def _np(value):
    return None if value is None else ops.convert_to_numpy(value)


def _epoch(iterator):
    return [(step, batch) for step, batch in iterator.enumerate_epoch()]


def _xs(iterator):
    return [_np(x) for _, (x, _, _) in iterator.enumerate_epoch()]


def test_batches_cover_data_in_order_without_shuffle():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    batches = _epoch(EpochIterator(x, y, batch_size=4))
    assert [step for step, _ in batches] == [0, 1, 2]
    for (_, (bx, by, sw)), start in zip(batches, (0, 4, 8)):
        np.testing.assert_array_equal(_np(bx), x[start:start + 4])
        np.testing.assert_array_equal(_np(by), y[start:start + 4])
        assert sw is None


def test_last_partial_batch_holds_the_remainder():
    iterator = EpochIterator(np.zeros((10, 3), "float32"), batch_size=4)
    assert [x.shape[0] for x in _xs(iterator)] == [4, 4, 2]
    assert iterator.num_batches == 3


def test_batch_size_defaults_to_32():
    iterator = EpochIterator(np.zeros((70, 1), "float32"))
    assert [x.shape[0] for x in _xs(iterator)] == [32, 32, 6]


def test_batch_size_defaults_to_samples_over_steps_per_epoch():
    iterator = EpochIterator(np.zeros((10, 1), "float32"), steps_per_epoch=3)
    assert [x.shape[0] for x in _xs(iterator)] == [4, 4, 2]


def test_y_is_none_when_not_given():
    (_, (x, y, sw)), = _epoch(EpochIterator(np.zeros((3, 1), "float32")))
    assert y is None and sw is None


def test_shuffle_gives_a_permutation_with_matching_targets():
    x = np.arange(50, dtype="float32")[:, None]
    y = np.arange(50)
    batches = [b for _, b in EpochIterator(x, y, batch_size=8, shuffle=True).enumerate_epoch()]
    seen_x = np.concatenate([_np(bx)[:, 0] for bx, _, _ in batches])
    seen_y = np.concatenate([_np(by) for _, by, _ in batches])
    np.testing.assert_array_equal(np.sort(seen_x), x[:, 0])
    np.testing.assert_array_equal(seen_x.astype("int64"), seen_y)
    assert not np.array_equal(seen_y, y)


def test_shuffle_draws_a_new_order_each_epoch():
    iterator = EpochIterator(np.arange(40, dtype="float32"), batch_size=40, shuffle=True)
    first, second = _xs(iterator)[0], _xs(iterator)[0]
    assert not np.array_equal(first, second)


def test_shuffle_is_repeatable_with_numpy_seed():
    x = np.arange(30, dtype="float32")
    np.random.seed(7)
    first = _xs(EpochIterator(x, batch_size=7, shuffle=True))
    np.random.seed(7)
    second = _xs(EpochIterator(x, batch_size=7, shuffle=True))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_shuffle_batch_permutes_only_within_batch_sized_chunks():
    x = np.arange(22, dtype="float32")
    batches = _xs(EpochIterator(x, batch_size=5, shuffle="batch"))
    for index, batch in enumerate(batches):
        np.testing.assert_array_equal(np.sort(batch), x[index * 5:index * 5 + 5])
    assert any(not np.array_equal(b, np.sort(b)) for b in batches)


def test_dict_inputs_keep_their_structure():
    x = {"a": np.arange(6, dtype="float32")[:, None], "b": np.ones((6, 2), "float32")}
    (_, (bx, _, _)), = _epoch(EpochIterator(x, batch_size=6))
    assert isinstance(bx, dict) and sorted(bx) == ["a", "b"]
    np.testing.assert_array_equal(_np(bx["a"]), x["a"])
    assert tuple(bx["b"].shape) == (6, 2)


def test_list_inputs_and_outputs_keep_their_structure():
    x = [np.zeros((4, 2), "float32"), np.ones((4, 3), "float32")]
    y = [np.arange(4), np.eye(4, dtype="float32")]
    (_, (bx, by, _)), = _epoch(EpochIterator(x, y, batch_size=4))
    assert isinstance(bx, list) and [tuple(t.shape) for t in bx] == [(4, 2), (4, 3)]
    assert isinstance(by, list)
    np.testing.assert_array_equal(_np(by[1]), y[1])


def test_float64_arrays_become_floatx():
    (_, (bx, by, _)), = _epoch(EpochIterator(np.zeros((3, 2)), np.zeros((3, 1))))
    assert backend.standardize_dtype(bx.dtype) == "float32"
    assert backend.standardize_dtype(by.dtype) == "float32"


def test_integer_labels_keep_an_integer_dtype():
    (_, (_, by, _)), = _epoch(EpochIterator(np.zeros((3, 2)), np.array([0, 2, 1])))
    assert backend.is_int_dtype(by.dtype)
    np.testing.assert_array_equal(_np(by), [0, 2, 1])


def test_backend_tensors_are_accepted_as_inputs():
    x = ops.convert_to_tensor(np.arange(8, dtype="float32").reshape(4, 2))
    batches = _xs(EpochIterator(x, batch_size=3))
    np.testing.assert_array_equal(np.concatenate(batches), np.arange(8).reshape(4, 2))


def test_sample_weight_follows_the_shuffled_samples():
    x = np.arange(12, dtype="float32")
    sample_weight = np.arange(12, dtype="float32") * 10
    iterator = EpochIterator(x, x, sample_weight=sample_weight, batch_size=5, shuffle=True)
    for _, (bx, _, sw) in iterator.enumerate_epoch():
        np.testing.assert_array_equal(_np(sw), _np(bx) * 10)


def test_single_sample_weight_is_shared_by_every_output():
    y = {"a": np.zeros((4, 1), "float32"), "b": np.zeros((4, 1), "float32")}
    sample_weight = np.array([1.0, 2.0, 3.0, 4.0], "float32")
    (_, (_, _, sw)), = _epoch(EpochIterator(np.zeros((4, 1)), y, sample_weight, batch_size=4))
    assert sorted(sw) == ["a", "b"]
    np.testing.assert_array_equal(_np(sw["b"]), sample_weight)


def test_steps_per_epoch_limits_the_epoch_and_later_epochs_continue_the_pass():
    x = np.arange(10, dtype="float32")
    iterator = EpochIterator(x, batch_size=2, steps_per_epoch=2)
    assert iterator.num_batches == 2
    first, second = _xs(iterator), _xs(iterator)
    np.testing.assert_array_equal(np.concatenate(first), [0, 1, 2, 3])
    np.testing.assert_array_equal(np.concatenate(second), [4, 5, 6, 7])


def test_pass_restarts_when_it_ends_exactly_at_an_epoch_end():
    iterator = EpochIterator(np.arange(4, dtype="float32"), batch_size=2, steps_per_epoch=2)
    _xs(iterator)
    np.testing.assert_array_equal(np.concatenate(_xs(iterator)), [0, 1, 2, 3])
    assert not iterator.ran_out_of_data


def test_steps_per_epoch_beyond_the_data_ends_the_epoch_early_and_flags_it():
    iterator = EpochIterator(np.arange(4, dtype="float32"), batch_size=2, steps_per_epoch=3)
    assert len(_xs(iterator)) == 2
    assert iterator.ran_out_of_data
    assert len(_xs(iterator)) == 2


def test_full_epochs_do_not_flag_running_out_of_data():
    iterator = EpochIterator(np.arange(4, dtype="float32"), batch_size=3)
    _xs(iterator)
    assert not iterator.ran_out_of_data


@pytest.mark.parametrize("shuffle", [False, True])
def test_batch_count_matches_keras(shuffle):
    pytest.importorskip("keras")
    from keras.src.trainers.epoch_iterator import EpochIterator as KerasEpochIterator

    x = np.zeros((37, 2), "float32")
    ours = EpochIterator(x, batch_size=5, shuffle=shuffle)
    theirs = KerasEpochIterator(x, batch_size=5, shuffle=shuffle)
    assert ours.num_batches == theirs.num_batches == 8

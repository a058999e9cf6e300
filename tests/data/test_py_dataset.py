"""PyDataset (alias Sequence) and how EpochIterator reads it."""

import numpy as np
import pytest

from lamina import ops
from lamina.data import EpochIterator
from lamina.data import PyDataset
from lamina.data import Sequence


class _Batches(PyDataset):
    """Batch i is x = [[i], [i]] (float64), y = [i, i]; records epoch hooks."""

    def __init__(self, num_batches=4, **kwargs):
        super().__init__(**kwargs)
        self.count = num_batches
        self.events = []

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return np.full((2, 1), float(index)), np.array([index, index])

    def on_epoch_begin(self):
        self.events.append("begin")

    def on_epoch_end(self):
        self.events.append("end")


def _ids(iterator):
    return [int(ops.convert_to_numpy(x)[0, 0]) for _, (x, _, _) in iterator.enumerate_epoch()]


def test_sequence_is_an_alias_of_py_dataset():
    assert Sequence is PyDataset


def test_num_batches_is_the_length():
    assert _Batches(5).num_batches == 5
    assert EpochIterator(_Batches(5)).num_batches == 5


def test_batches_come_in_index_order_without_shuffle():
    assert _ids(EpochIterator(_Batches(4))) == [0, 1, 2, 3]


def test_epoch_hooks_run_around_every_epoch():
    dataset = _Batches(2)
    iterator = EpochIterator(dataset)
    _ids(iterator)
    _ids(iterator)
    assert dataset.events == ["begin", "end", "begin", "end"]


def test_shuffle_permutes_batch_order_repeatably():
    np.random.seed(3)
    first = _ids(EpochIterator(_Batches(12), shuffle=True))
    np.random.seed(3)
    second = _ids(EpochIterator(_Batches(12), shuffle=True))
    assert sorted(first) == list(range(12))
    assert first == second and first != list(range(12))


def test_worker_threads_return_batches_in_order():
    dataset = _Batches(9, workers=3, max_queue_size=2)
    assert _ids(EpochIterator(dataset)) == list(range(9))


def test_use_multiprocessing_warns_and_uses_threads():
    dataset = _Batches(3, workers=2, use_multiprocessing=True)
    with pytest.warns(UserWarning, match="threads"):
        iterator = EpochIterator(dataset)
    assert _ids(iterator) == [0, 1, 2]


def test_batches_are_converted_to_floatx_tensors():
    (_, (x, y, _)), *_ = list(EpochIterator(_Batches(1)).enumerate_epoch())
    assert ops.convert_to_numpy(x).dtype == np.float32
    assert np.issubdtype(ops.convert_to_numpy(y).dtype, np.integer)


class _Endless(PyDataset):
    @property
    def num_batches(self):
        return None

    def __getitem__(self, index):
        return np.full((1, 1), float(index), "float32")


def test_endless_dataset_runs_steps_per_epoch_and_continues():
    iterator = EpochIterator(_Endless(), steps_per_epoch=2)
    assert _ids(iterator) == [0, 1]
    assert _ids(iterator) == [2, 3]


def test_dataset_without_length_is_reported():
    class NoLength(PyDataset):
        def __getitem__(self, index):
            return np.zeros((1, 1))

    with pytest.raises(ValueError, match="neither `__len__` nor a `num_batches`"):
        EpochIterator(NoLength())


def test_subclass_without_super_init_warns_and_uses_defaults():
    class Forgetful(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.zeros((1, 1), "float32")

    with pytest.warns(UserWarning, match=r"super\(\).__init__"):
        assert Forgetful().workers == 1


def test_y_with_a_py_dataset_is_refused():
    with pytest.raises(ValueError, match="as a PyDataset, `y` should not be passed"):
        EpochIterator(_Batches(2), y=np.zeros((4,)))


def test_bad_batch_format_names_the_dataset():
    class TooLong(_Batches):
        def __getitem__(self, index):
            return (np.zeros((1, 1)),) * 4

    with pytest.raises(ValueError, match="PyDataset TooLong produced a batch"):
        _ids(EpochIterator(TooLong(1)))


def test_manual_iteration_yields_every_batch():
    assert len(list(_Batches(3))) == 3

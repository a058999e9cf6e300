"""timeseries_dataset_from_array: windows against a NumPy reference, targets, batching,
shuffling, fit(), and Keras's argument errors."""

import numpy as np
import pytest

import lamina
from lamina.utils import timeseries_dataset_from_array


def _reference_windows(data, sequence_length, stride, rate, start, end, targets=None):
    """Every window (and target) in order, by brute force over start positions."""
    start = 0 if start is None else start
    end = len(data) if end is None else end
    windows, window_targets = [], []
    position = start
    while position + (sequence_length - 1) * rate < end:
        if targets is not None and position >= len(targets):
            break
        windows.append(data[position:position + (sequence_length - 1) * rate + 1:rate])
        if targets is not None:
            window_targets.append(targets[position])
        position += stride
    return np.array(windows), np.array(window_targets)


def _collect(dataset):
    xs, ys = [], []
    for batch in dataset:
        if isinstance(batch, tuple):
            xs.append(batch[0])
            ys.append(batch[1])
        else:
            xs.append(batch)
    return np.concatenate(xs), (np.concatenate(ys) if ys else None)


@pytest.mark.parametrize("sequence_length,stride,rate,start,end", [
    (10, 3, 2, None, None),
    (4, 1, 1, None, None),
    (3, 2, 3, 5, None),
    (5, 4, 1, None, 40),
    (2, 5, 7, 11, 80),
])
def test_windows_match_numpy_reference(sequence_length, stride, rate, start, end):
    data = np.arange(99 * 2).reshape(99, 2).astype("float32")
    targets = np.arange(99) * 10
    dataset = timeseries_dataset_from_array(
        data, targets, sequence_length, sequence_stride=stride, sampling_rate=rate,
        batch_size=7, start_index=start, end_index=end)
    x, y = _collect(dataset)
    expected_x, expected_y = _reference_windows(data, sequence_length, stride, rate, start,
                                                end, targets)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    assert len(dataset) == -(-len(expected_x) // 7)


def test_keras_documented_example_windows():
    dataset = timeseries_dataset_from_array(np.arange(99), None, sequence_length=10,
                                            sampling_rate=2, sequence_stride=3)
    (x,) = list(dataset)
    assert x[0].tolist() == list(range(0, 20, 2))
    assert x[1].tolist() == list(range(3, 23, 2))
    assert x[-1].tolist() == list(range(78, 98, 2))


def test_temporal_regression_targets_follow_the_window():
    data = np.arange(50, dtype="float32")
    dataset = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10,
                                            batch_size=16)
    inputs, targets = dataset[0]
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10]
    assert [b[0].shape[0] for b in dataset] == [16, 15]


def test_without_targets_yields_inputs_only_and_unbatched_yields_single_windows():
    dataset = timeseries_dataset_from_array(np.arange(8), None, 3, batch_size=None)
    assert len(dataset) == 6
    np.testing.assert_array_equal(dataset[2], [2, 3, 4])
    batched = timeseries_dataset_from_array(np.arange(8), None, 3, batch_size=4)
    assert [b.shape for b in batched] == [(4, 3), (2, 3)]


def test_shuffle_first_order_matches_keras_random_state_and_keeps_window_set():
    data = np.arange(30)
    dataset = timeseries_dataset_from_array(data, data * 2, 4, shuffle=True, seed=3,
                                            batch_size=5)
    x, y = _collect(dataset)
    starts = np.arange(27)
    np.random.RandomState(3).shuffle(starts)
    np.testing.assert_array_equal(x[:, 0], starts)
    np.testing.assert_array_equal(y, starts * 2)
    dataset.on_epoch_end()
    x2, _ = _collect(dataset)
    assert sorted(x2[:, 0].tolist()) == list(range(27))


def test_empty_when_no_window_fits():
    dataset = timeseries_dataset_from_array(np.arange(5), None, 10)
    assert len(dataset) == 0 and list(dataset) == []


def test_tensor_data_is_accepted():
    data = lamina.ops.arange(12)
    x, _ = _collect(timeseries_dataset_from_array(data, None, 4, sequence_stride=4))
    np.testing.assert_array_equal(x, np.arange(12).reshape(3, 4))


def test_fit_trains_on_the_dataset():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(60, 2)).astype("float32")
    dataset = timeseries_dataset_from_array(series[:-5], series[5:, :1], sequence_length=5,
                                            batch_size=16, shuffle=True, seed=1)
    model = lamina.Sequential([lamina.Input((5, 2)), lamina.layers.Flatten(),
                               lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(dataset, verbose=0).shape == (len(series) - 9, 1)


def test_exported_from_preprocessing():
    assert lamina.preprocessing.timeseries_dataset_from_array is timeseries_dataset_from_array
    assert isinstance(timeseries_dataset_from_array(np.arange(5), None, 2), lamina.utils.PyDataset)


@pytest.mark.parametrize("kwargs,message", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(start_index=20), "`start_index` must be lower than the length"),
    (dict(start_index=5, end_index=3), "`end_index` must be higher than `start_index`"),
    (dict(end_index=20), "`end_index` must be lower than the length"),
    (dict(end_index=-2), "`end_index` must be higher than 0"),
    (dict(sampling_rate=0), "`sampling_rate` must be a positive integer"),
    (dict(sampling_rate=10), "`sampling_rate` must be lower than the length"),
    (dict(sequence_stride=0), "`sequence_stride` must be a positive integer"),
    (dict(sequence_length=0), "`sequence_length` must be a positive integer"),
    (dict(format="torch"), "`format` must be"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    arguments = dict(sequence_length=2)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(np.arange(10), None, **arguments)

"""Discretization: bins against NumPy and Keras 3, adapted boundaries equal to Keras's
quantile summary, every output mode, config and use inside models."""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers.preprocessing.discretization import Discretization

from ..layer_checks import keras
from ..layer_checks import to_numpy

BOUNDARIES = [-1.0, 0.0, 0.5, 2.0]
X = np.array([[-1.5, -1.0, 0.0, 0.25], [0.5, 1.9, 2.0, 7.0], [0.5, 0.5, -3.0, 0.0]],
             "float32")


def _reference(x, boundaries, mode):
    """``np.digitize`` (left-closed bins), then the encoding written out by hand."""
    ids = np.digitize(x, boundaries)
    depth = len(boundaries) + 1
    if mode == "int":
        return ids
    if mode == "one_hot":
        return np.eye(depth)[ids]
    counts = np.stack([np.bincount(row, minlength=depth) for row in ids])
    return np.minimum(counts, 1) if mode == "multi_hot" else counts


def _keras_boundaries(batches, num_bins, epsilon=0.01):
    """Keras's adapt, run through its public update/finalize steps (its adapt() entry
    point imports TensorFlow to check for tf.data)."""
    layer = keras().layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()
    return layer.bin_boundaries


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_given_boundaries_match_numpy_and_keras(mode):
    layer = Discretization(bin_boundaries=BOUNDARIES, output_mode=mode)
    got = to_numpy(layer(X))
    np.testing.assert_array_equal(got, _reference(X, BOUNDARIES, mode))
    expected = keras().layers.Discretization(bin_boundaries=BOUNDARIES, output_mode=mode)(X)
    np.testing.assert_array_equal(got, to_numpy(expected))
    assert str(got.dtype) == ("int32" if mode == "int" else "float32")


def test_a_value_on_a_boundary_goes_to_the_upper_bin():
    got = to_numpy(Discretization(bin_boundaries=[0.0, 1.0])(np.array([[0.0, 1.0]])))
    np.testing.assert_array_equal(got, [[1, 2]])


def test_integer_inputs_are_binned_as_floats():
    got = to_numpy(Discretization(bin_boundaries=[0.5, 2.5])(np.array([[0, 1, 3]])))
    np.testing.assert_array_equal(got, [[0, 1, 2]])


@pytest.mark.parametrize("size, num_bins, epsilon, batches", [
    (8, 4, 0.01, 1), (1000, 5, 0.01, 1), (1000, 7, 0.05, 4), (5000, 10, 0.01, 7),
    (3, 4, 0.01, 1), (777, 3, 0.001, 3),
])
def test_adapted_boundaries_equal_keras(size, num_bins, epsilon, batches):
    data = np.random.default_rng(size).normal(size=size).astype("float32")
    parts = np.array_split(data, batches)
    layer = Discretization(num_bins=num_bins, epsilon=epsilon)
    layer.adapt(iter(parts))
    assert layer.bin_boundaries == _keras_boundaries(parts, num_bins, epsilon)


def test_adapted_boundaries_split_the_data_into_equal_bins():
    data = np.random.default_rng(0).uniform(-5, 5, size=(2000, 5)).astype("float32")
    layer = Discretization(num_bins=5)
    layer.adapt(data)
    counts = np.bincount(to_numpy(layer(data)).reshape(-1), minlength=5)
    np.testing.assert_allclose(counts, data.size / 5, rtol=0.02)
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(data, [0.2, 0.4, 0.6, 0.8]),
                               atol=0.1)


def test_keras_docstring_example():
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    layer = Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(x)
    np.testing.assert_array_equal(to_numpy(layer(x)), [[0, 2, 3, 2], [1, 3, 3, 1]])


@pytest.mark.parametrize("source", ["tensor", "list", "py_dataset"])
def test_adapt_sources_read_the_same_values(source):
    data = np.random.default_rng(1).normal(size=(12, 2)).astype("float32")
    expected = Discretization(num_bins=3)
    expected.adapt(data)
    layer = Discretization(num_bins=3)
    if source == "tensor":
        layer.adapt(ops.convert_to_tensor(data))
    elif source == "list":
        layer.adapt([data])
    else:
        class Batches(lamina.utils.PyDataset):
            def __len__(self):
                return 1

            def __getitem__(self, index):
                return data, np.zeros(12)

        layer.adapt(Batches())
    assert layer.bin_boundaries == expected.bin_boundaries


def test_adapt_again_forgets_the_earlier_data():
    layer = Discretization(num_bins=2)
    layer.adapt(np.array([100.0, 200.0, 300.0]))
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0]))
    assert layer.bin_boundaries == _keras_boundaries([np.array([1.0, 2.0, 3.0, 4.0])], 2)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("shape", [(3, 4), (3, 1), (3,)])
def test_compute_output_shape_matches_the_output(mode, shape):
    layer = Discretization(bin_boundaries=BOUNDARIES, output_mode=mode)
    assert layer.compute_output_shape(shape) == to_numpy(layer(np.zeros(shape))).shape


@pytest.mark.parametrize("mode, dtype", [("int", "int32"), ("count", "float32")])
def test_symbolic_output_has_the_output_dtype(mode, dtype):
    output = Discretization(bin_boundaries=BOUNDARIES, output_mode=mode)(lamina.Input((4,)))
    assert output.shape == ((None, 4) if mode == "int" else (None, 5))
    assert output.dtype == dtype


def test_config_after_adapt_round_trips_and_has_keras_keys():
    layer = Discretization(num_bins=3, output_mode="one_hot", name="bins")
    layer.adapt(np.arange(30.0))
    config = json.loads(json.dumps(layer.get_config()))
    clone = Discretization.from_config(config)
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 3
    np.testing.assert_array_equal(to_numpy(clone(X)), to_numpy(layer(X)))
    assert set(config) == set(keras().layers.Discretization(num_bins=3).get_config())


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({}, "set either `bin_boundaries` or `num_bins`"),
    ({"num_bins": 2, "bin_boundaries": [0.0]}, "not both"),
    ({"num_bins": -1}, "`num_bins` must be >= 0"),
    ({"num_bins": 2, "output_mode": "tf_idf"}, "`output_mode` must be one of"),
    ({"num_bins": 2, "sparse": True}, "sparse=True` needs sparse tensors"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Discretization(**kwargs)


def test_adapt_with_given_boundaries_is_refused():
    with pytest.raises(ValueError, match="has nothing to adapt"):
        Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))


def test_call_before_adapt_is_refused():
    with pytest.raises(ValueError, match="has no bin boundaries yet"):
        Discretization(num_bins=3)(np.ones((2, 2)))


def test_multi_hot_of_rank_3_input_is_refused():
    layer = Discretization(bin_boundaries=[0.0], output_mode="multi_hot")
    with pytest.raises(ValueError, match="rank 1 .* or 2"):
        layer(np.ones((2, 2, 2)))


# -- in models ----------------------------------------------------------------------------
def test_fit_predict_and_keras_file_round_trip(tmp_path):
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    bins = Discretization(num_bins=4, output_mode="multi_hot")
    bins.adapt(x)
    inputs = lamina.Input((3,))
    outputs = lamina.layers.Dense(1, activation="sigmoid")(bins(inputs))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert model.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"]
    path = str(tmp_path / "bins.keras")
    model.save(path)
    loaded = lamina.models.load_model(path, custom_objects={"Discretization": Discretization})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("direction", ["lamina_to_keras", "keras_to_lamina"])
def test_keras_files_move_between_lamina_and_keras(tmp_path, direction):
    k = keras()
    source, target = (lamina, k) if direction == "lamina_to_keras" else (k, lamina)
    make = Discretization if source is lamina else k.layers.Discretization
    inputs = source.Input((3,))
    bins = make(bin_boundaries=BOUNDARIES, output_mode="count")
    model = source.Model(inputs, source.layers.Dense(2)(bins(inputs)))
    path = str(tmp_path / "bins.keras")
    model.save(path)
    kwargs = {} if target is k else {"custom_objects": {"Discretization": Discretization}}
    loaded = target.models.load_model(path, **kwargs)
    np.testing.assert_allclose(np.asarray(loaded.predict(X[:, :3], verbose=0)),
                               np.asarray(model.predict(X[:, :3], verbose=0)), rtol=1e-6)

"""Normalization: adapt over every data source, the formula against NumPy and Keras 3,
state saved as Keras saves it, and use inside models."""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers.preprocessing.normalization import Normalization

from ..layer_checks import keras
from ..layer_checks import to_numpy

EPSILON = 1e-7  # lamina.config.epsilon(), Keras's default


def _reference(x, data, axis, invert=False):
    """Normalize ``x`` by the float64 statistics of ``data``, keeping ``axis``."""
    x, data = np.asarray(x, "float64"), np.asarray(data, "float64")
    keep = () if axis is None else tuple(a % data.ndim for a in np.atleast_1d(axis))
    reduce = tuple(a for a in range(data.ndim) if a not in keep)
    mean = data.mean(axis=reduce, keepdims=True)
    scale = np.maximum(np.sqrt(data.var(axis=reduce, keepdims=True)), EPSILON)
    return mean + x * scale if invert else (x - mean) / scale


def _data(*shape, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    return (offset + rng.normal(2.0, 3.0, size=shape)).astype("float32")


def _keras_adapted(data, **kwargs):
    layer = keras().layers.Normalization(**kwargs)
    layer.adapt(data)
    return layer


class _Batches(lamina.utils.PyDataset):
    def __init__(self, x):
        super().__init__()
        self.x = x

    def __len__(self):
        return 3

    def __getitem__(self, index):
        part = self.x[index * 4:(index + 1) * 4]
        return part, np.zeros(len(part))


# -- the formula --------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, None, 1, (1, 2), (-1, 0)])
def test_adapted_output_matches_numpy_and_keras(axis):
    data, x = _data(12, 3, 4), _data(5, 3, 4, seed=1)
    if axis == (-1, 0):
        x = _data(12, 3, 4, seed=1)  # the batch axis is kept: same batch size
    layer = Normalization(axis=axis)
    layer.adapt(data)
    got = to_numpy(layer(x))
    np.testing.assert_allclose(got, _reference(x, data, axis), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got, to_numpy(_keras_adapted(data, axis=axis)(x)),
                               rtol=1e-5, atol=1e-5)


def test_invert_undoes_the_normalization_and_matches_keras():
    data, x = _data(20, 3), _data(4, 3, seed=1)
    layer = Normalization(invert=True)
    layer.adapt(data)
    got = to_numpy(layer(x))
    np.testing.assert_allclose(got, _reference(x, data, -1, invert=True), rtol=1e-5)
    np.testing.assert_allclose(got, to_numpy(_keras_adapted(data, invert=True)(x)), rtol=1e-5)
    forward = Normalization()
    forward.adapt(data)
    np.testing.assert_allclose(to_numpy(layer(forward(x))), x, rtol=1e-5, atol=1e-5)


def test_constant_feature_is_divided_by_epsilon_as_in_keras():
    data = np.array([[1.0, 5.0], [3.0, 5.0]], "float32")
    x = np.array([[2.0, 5.0], [2.0, 5.0000005]], "float32")
    layer = Normalization()
    layer.adapt(data)
    got = to_numpy(layer(x))
    np.testing.assert_allclose(got, to_numpy(_keras_adapted(data)(x)), rtol=1e-6)
    assert got[0, 1] == 0.0 and got[1, 1] > 1.0  # (x - 5) / 1e-7, not / sqrt(0 + 1e-7)


@pytest.mark.parametrize("mean, variance, axis", [
    (3.0, 2.0, -1),
    ([1.0, 2.0, 3.0, 4.0], [1.0, 4.0, 9.0, 16.0], -1),
    ([1.0, 2.0, 3.0, 4.0], [1.0, 4.0, 9.0, 16.0], (1, 2)),  # aligned on the last kept axis
    ([[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]], (1, 2)),
])
def test_given_mean_and_variance_broadcast_as_in_keras(mean, variance, axis):
    x = _data(2, 3, 4)
    if axis == -1:
        x = x[:, 0, :] if np.ndim(mean) else x[:, :, :1].reshape(2, 3)
    got = to_numpy(Normalization(axis=axis, mean=mean, variance=variance)(x))
    expected = to_numpy(keras().layers.Normalization(axis=axis, mean=mean,
                                                     variance=variance)(x))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# -- adapt sources and streaming ---------------------------------------------------------
@pytest.mark.parametrize("source", ["tensor", "list", "generator", "py_dataset",
                                    "batch_size"])
def test_every_adapt_source_gives_the_statistics_of_the_whole_data(source):
    data = _data(12, 3)
    layer = Normalization()
    if source == "tensor":
        layer.adapt(ops.convert_to_tensor(data))
    elif source == "list":
        layer.adapt([data[:5], data[5:]])
    elif source == "generator":
        layer.adapt((data[i:i + 4], data[i:i + 4]) for i in range(0, 12, 4))
    elif source == "py_dataset":
        layer.adapt(_Batches(data))
    else:
        layer.adapt(data, batch_size=5)
    keras_layer = _keras_adapted(data)
    np.testing.assert_allclose(to_numpy(layer.mean), to_numpy(keras_layer.mean), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(layer.variance), to_numpy(keras_layer.variance),
                               rtol=1e-5)


def test_steps_limits_the_batches_read():
    data = _data(12, 3)
    layer = Normalization()
    layer.adapt(iter([data[:4], data[4:8], data[8:]]), steps=2)
    np.testing.assert_allclose(to_numpy(layer.mean)[0], data[:8].mean(axis=0), rtol=1e-6)


def test_streaming_variance_stays_accurate_with_a_large_offset():
    # float32 data around 1e4 in 50 small batches: a running sum of squares would lose the
    # variance (1e-2) to cancellation; merged batch moments keep it.
    data = _data(1000, 2, offset=1e4)
    layer = Normalization()
    layer.adapt([data[i:i + 20] for i in range(0, 1000, 20)])
    np.testing.assert_allclose(to_numpy(layer.variance)[0],
                               data.astype("float64").var(axis=0), rtol=1e-6)


# -- state, config, shape ----------------------------------------------------------------
def test_weights_are_named_shaped_and_typed_as_keras_saves_them():
    data = _data(6, 3, 4)
    layer = Normalization(axis=(1, 2))
    layer.adapt(data)
    keras_layer = _keras_adapted(data, axis=(1, 2))
    ours = [(w.name, tuple(w.shape), str(w.dtype), w.trainable) for w in layer.weights]
    theirs = [(w.name, tuple(w.shape), str(w.dtype), w.trainable) for w in keras_layer.weights]
    assert ours == theirs == [("mean", (3, 4), "float32", False),
                              ("variance", (3, 4), "float32", False),
                              ("count", (), "int32", False)]


def test_given_mean_makes_no_weights():
    layer = Normalization(mean=1.0, variance=2.0)
    layer.build((None, 3))
    assert layer.weights == []


@pytest.mark.parametrize("kwargs", [{}, {"axis": None, "invert": True},
                                    {"axis": (1, 2), "mean": 2.0, "variance": 3.0}])
def test_config_round_trips_and_has_keras_keys(kwargs):
    layer = Normalization(**kwargs)
    config = json.loads(json.dumps(layer.get_config()))
    clone = Normalization.from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    assert set(config) == set(keras().layers.Normalization(**kwargs).get_config())


def test_compute_output_shape_is_the_input_shape():
    assert Normalization().compute_output_shape((None, 3)) == (None, 3)


# -- errors -------------------------------------------------------------------------------
def test_mean_without_variance_is_refused():
    with pytest.raises(ValueError, match="`mean` and `variance` must be given together"):
        Normalization(mean=1.0)


def test_mean_with_too_many_dimensions_is_refused():
    with pytest.raises(ValueError, match="at most as many dimensions as there are kept axes"):
        Normalization(axis=-1, mean=np.zeros((2, 2)), variance=np.ones((2, 2)))


def test_axis_out_of_range_names_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"every axis must be in \[-2, 2\).*axis=\(2,\)"):
        Normalization(axis=2, name="norm").build((None, 3))


def test_unknown_size_on_a_kept_axis_is_refused():
    with pytest.raises(ValueError, match="need known sizes"):
        Normalization(axis=0).build((None, 3))


def test_adapt_with_given_mean_is_refused():
    with pytest.raises(ValueError, match="has nothing to adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 1)))


def test_adapt_batch_with_another_feature_size_is_refused():
    layer = Normalization()
    with pytest.raises(ValueError, match=r"received a batch of shape \(2, 4\)"):
        layer.adapt([np.ones((2, 3)), np.ones((2, 4))])


def test_adapt_without_data_is_refused():
    with pytest.raises(ValueError, match="received no data"):
        Normalization().adapt(iter([]))


def test_adapt_on_an_unsupported_type_is_refused():
    with pytest.raises(TypeError, match="must be a NumPy array.*Received an object of type int"):
        Normalization().adapt(3)


# -- in models ----------------------------------------------------------------------------
def _model(layer):
    model = lamina.Sequential([lamina.Input((3,)), layer, lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_fit_and_predict_with_an_adapted_layer():
    x, y = _data(16, 3), _data(16, 1, seed=2)
    layer = Normalization()
    layer.adapt(x)
    model = _model(layer)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    mean_before = to_numpy(layer.mean)
    model.predict(x, verbose=0)
    np.testing.assert_array_equal(to_numpy(layer.mean), mean_before)  # not trained


def test_keras_file_round_trips_the_adapted_statistics(tmp_path):
    x = _data(16, 3)
    layer = Normalization()
    layer.adapt(x)
    model = _model(layer)
    path = str(tmp_path / "norm.keras")
    model.save(path)
    loaded = lamina.models.load_model(path, custom_objects={"Normalization": Normalization})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("direction", ["lamina_to_keras", "keras_to_lamina"])
def test_keras_files_move_between_lamina_and_keras(tmp_path, direction):
    k = keras()
    x = _data(16, 3)
    libs = (lamina, k) if direction == "lamina_to_keras" else (k, lamina)
    source_lib, target_lib = libs
    layer = source_lib.layers.Normalization() if source_lib is k else Normalization()
    layer.adapt(x)
    model = source_lib.Sequential([source_lib.Input((3,)), layer,
                                   source_lib.layers.Dense(2)])
    path = str(tmp_path / "norm.keras")
    model.save(path)
    kwargs = {} if target_lib is k else {"custom_objects": {"Normalization": Normalization}}
    loaded = target_lib.models.load_model(path, **kwargs)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                               np.asarray(model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)

"""Legacy HDF5 files: Keras 2-era and Keras 3 ``model.save("m.h5")`` files load, legacy
weights files load by order or by name, and lamina writes the legacy format as Keras 3 does.

Keras 3 (the oracle) writes the Keras 3 files; the Keras 2 file is written here with h5py
in tf.keras 2.x's layout (byte-string attributes, ``kernel:0`` names, node lists, ``Model``
class name, ``batch_input_shape``, list ``axis``, ``alpha``), and its predictions are checked
against NumPy.
"""

import json
import os
import warnings

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import legacy_h5

_LEGACY = "ignore:You are saving your model as an HDF5"


def _keras():
    return pytest.importorskip("keras")


def _mlp(lib, second=2, names=("first", "second")):
    L = lib.layers
    return lib.Sequential([lib.Input((3,)), L.Dense(4, activation="relu", name=names[0]),
                           L.BatchNormalization(name="norm"), L.Dense(second, name=names[1])])


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, size=tuple(w.shape)).astype("float32")
                       for w in model.weights])


def _x(n=5):
    return np.random.default_rng(1).normal(size=(n, 3)).astype("float32")


def _keras_legacy_weights_file(keras, model, path):
    """A weights-only legacy file, as Keras 2's save_weights('w.h5') wrote it (Keras 3 keeps
    the writer internally)."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


# -- Keras 3 legacy files ----------------------------------------------------------------
@pytest.mark.filterwarnings(_LEGACY)
def test_keras3_h5_model_file_loads_with_weights_and_training_config(tmp_path):
    keras = _keras()
    reference = _mlp(keras)
    reference.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02),
                      loss="mean_squared_error", metrics=["mae"])
    rng = np.random.default_rng(0)
    reference.fit(_x(8), rng.normal(size=(8, 2)), epochs=1, verbose=0)
    path = str(tmp_path / "m.h5")
    reference.save(path)
    model = lamina.models.load_model(path)
    np.testing.assert_allclose(model.predict(_x(), verbose=0),
                               np.asarray(reference.predict(_x(), verbose=0)), atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(float(model.optimizer.learning_rate.numpy()), 0.02)
    for expected, got in zip(reference.optimizer.variables, model.optimizer.variables):
        np.testing.assert_allclose(np.asarray(got.numpy()), np.asarray(expected.numpy()))


def test_keras3_h5_model_file_loads_uncompiled_when_compile_is_false(tmp_path):
    keras = _keras()
    reference = _mlp(keras)
    reference.compile(optimizer="sgd", loss="mean_squared_error")
    path = str(tmp_path / "m.h5")
    reference.save(path)
    assert lamina.models.load_model(path, compile=False).optimizer is None


def test_legacy_weights_file_loads_by_layer_order(tmp_path):
    keras = _keras()
    reference = _mlp(keras)
    _randomize(reference)
    path = str(tmp_path / "w.h5")
    _keras_legacy_weights_file(keras, reference, path)
    model = _mlp(lamina, names=("other", "names"))  # order matters, names do not
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(_x(), verbose=0),
                               np.asarray(reference.predict(_x(), verbose=0)), atol=1e-6)


def test_legacy_weights_file_loads_by_name_into_a_model_with_other_layers(tmp_path):
    keras = _keras()
    reference = _mlp(keras)
    _randomize(reference)
    path = str(tmp_path / "w.h5")
    _keras_legacy_weights_file(keras, reference, path)
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4, name="first"),
                               layers.Dense(7, name="unrelated")])
    before = model.get_layer("unrelated").get_weights()
    model.load_weights(path, by_name=True)
    expected = reference.get_layer("first").get_weights()
    for a, b in zip(model.get_layer("first").get_weights(), expected):
        np.testing.assert_array_equal(a, np.asarray(b))
    for a, b in zip(model.get_layer("unrelated").get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_by_name_skip_mismatch_skips_the_mismatched_layer_with_a_warning(tmp_path):
    keras = _keras()
    reference = _mlp(keras)
    _randomize(reference)
    path = str(tmp_path / "w.h5")
    _keras_legacy_weights_file(keras, reference, path)
    model = _mlp(lamina, second=5)  # "second" has other shapes than in the file
    with pytest.warns(UserWarning, match="Layer 'second'"):
        model.load_weights(path, by_name=True, skip_mismatch=True)
    for a, b in zip(model.get_layer("first").get_weights(),
                    reference.get_layer("first").get_weights()):
        np.testing.assert_array_equal(a, np.asarray(b))


def test_by_name_shape_mismatch_names_the_layer_and_weight(tmp_path):
    keras = _keras()
    path = str(tmp_path / "w.h5")
    _keras_legacy_weights_file(keras, _mlp(keras), path)
    model = _mlp(lamina, second=5)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"Layer 'second': weight 'kernel' has shape \(4, 5\)"):
        model.load_weights(path, by_name=True)
    for a, b in zip(model.get_weights(), before):  # nothing was half-loaded
        np.testing.assert_array_equal(a, b)


def test_layer_count_mismatch_by_order_suggests_by_name(tmp_path):
    keras = _keras()
    path = str(tmp_path / "w.h5")
    _keras_legacy_weights_file(keras, _mlp(keras), path)
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4)])
    with pytest.raises(ValueError, match="Layer count mismatch.*by_name=True"):
        model.load_weights(path)


# -- a Keras 2 (tf.keras 2.x) file -------------------------------------------------------
def _keras2_weights(rng):
    return {
        "dense": [rng.normal(size=(3, 4)), rng.normal(size=(4,))],
        "batch_normalization": [rng.uniform(0.5, 1.5, 4), rng.normal(size=4),
                                rng.normal(size=4), rng.uniform(0.5, 1.5, 4)],
        "dense_1": [rng.normal(size=(4, 2)), rng.normal(size=(2,))],
    }


_KERAS2_WEIGHT_NAMES = {
    "dense": ["kernel:0", "bias:0"],
    "batch_normalization": ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"],
    "dense_1": ["kernel:0", "bias:0"],
}


def _keras2_config():
    def dense(name, units, activation, inbound):
        return {"class_name": "Dense", "name": name, "inbound_nodes": [[[inbound, 0, 0, {}]]],
                "config": {"name": name, "trainable": True, "dtype": "float32", "units": units,
                           "activation": activation, "use_bias": True,
                           "kernel_initializer": {"class_name": "GlorotUniform",
                                                  "config": {"seed": None}},
                           "bias_initializer": {"class_name": "Zeros", "config": {}},
                           "kernel_regularizer": None, "bias_regularizer": None,
                           "activity_regularizer": None, "kernel_constraint": None,
                           "bias_constraint": None}}

    return {"class_name": "Model", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False,
                    "ragged": False, "name": "input_1"}},
        dense("dense", 4, "relu", "input_1"),
        {"class_name": "BatchNormalization", "name": "batch_normalization",
         "inbound_nodes": [[["dense", 0, 0, {}]]],
         "config": {"name": "batch_normalization", "trainable": True,
                    "dtype": {"class_name": "Policy", "config": {"name": "float32"}},
                    "axis": [1], "momentum": 0.99, "epsilon": 0.001, "center": True,
                    "scale": True, "fused": None,
                    "beta_initializer": {"class_name": "Zeros", "config": {}},
                    "gamma_initializer": {"class_name": "Ones", "config": {}},
                    "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
                    "moving_variance_initializer": {"class_name": "Ones", "config": {}},
                    "beta_regularizer": None, "gamma_regularizer": None,
                    "beta_constraint": None, "gamma_constraint": None}},
        {"class_name": "LeakyReLU", "name": "leaky_re_lu",
         "inbound_nodes": [[["batch_normalization", 0, 0, {}]]],
         "config": {"name": "leaky_re_lu", "trainable": True, "dtype": "float32",
                    "alpha": 0.2}},
        dense("dense_1", 2, "linear", "leaky_re_lu"),
    ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]},
        "keras_version": "2.3.0", "backend": "tensorflow"}


def _write_keras2_file(path, weights, with_config=True):
    """A file laid out as tf.keras 2.x's model.save('m.h5') (or save_weights) wrote it."""
    names = ["input_1", "dense", "batch_normalization", "leaky_re_lu", "dense_1"]
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.3.0"
        f.attrs["backend"] = b"tensorflow"
        if with_config:
            f.attrs["model_config"] = json.dumps(_keras2_config()).encode("utf-8")
            loss = {"class_name": "MeanSquaredError",
                    "config": {"reduction": "auto", "name": "mean_squared_error"}}
            training = {"loss": loss, "weighted_metrics": None, "loss_weights": None,
                        "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
                            "name": "mae", "dtype": "float32", "fn": "mean_absolute_error"}}]],
                        "optimizer_config": {"class_name": "Adam", "config": {
                            "name": "Adam", "learning_rate": 0.005, "decay": 0.0,
                            "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
                            "amsgrad": False}}}
            f.attrs["training_config"] = json.dumps(training).encode("utf-8")
            group = f.create_group("model_weights")
            optimizer = f.create_group("optimizer_weights")
            optimizer.attrs["weight_names"] = np.array([b"Adam/iter:0"])
            optimizer.create_dataset("Adam/iter:0", data=np.int64(3))
        else:
            group = f
        group.attrs["layer_names"] = np.array([n.encode() for n in names])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.3.0"
        for name in names:
            layer = group.create_group(name)
            weight_names = [f"{name}/{w}" for w in _KERAS2_WEIGHT_NAMES.get(name, [])]
            layer.attrs["weight_names"] = np.array([w.encode() for w in weight_names],
                                                   dtype="S")
            for weight_name, value in zip(weight_names, weights.get(name, [])):
                layer.create_dataset(weight_name, data=np.asarray(value, dtype="float32"))


def _keras2_reference(x, w):
    """The Keras 2 model's forward pass in NumPy: Dense-relu, BatchNorm, LeakyReLU, Dense."""
    h = np.maximum(x @ w["dense"][0] + w["dense"][1], 0.0)
    gamma, beta, mean, var = w["batch_normalization"]
    h = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta
    h = np.where(h > 0, h, 0.2 * h)
    return h @ w["dense_1"][0] + w["dense_1"][1]


def test_keras2_model_file_loads_with_translated_config_and_weights(tmp_path):
    weights = _keras2_weights(np.random.default_rng(0))
    path = str(tmp_path / "keras2.h5")
    _write_keras2_file(path, weights)
    with pytest.warns(UserWarning, match="optimizer state"):  # Keras 2's slots differ
        model = lamina.models.load_model(path)
    np.testing.assert_allclose(model.predict(_x(), verbose=0),
                               _keras2_reference(_x().astype("float64"), weights), atol=1e-5)
    assert model.get_layer("leaky_re_lu").negative_slope == pytest.approx(0.2)
    assert type(model.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(float(model.optimizer.learning_rate.numpy()), 0.005)
    target = np.zeros((5, 2), "float32")
    expected = np.mean(_keras2_reference(_x().astype("float64"), weights) ** 2)
    loss = model.evaluate(_x(), target, verbose=0)[0]  # [loss, mae]: Keras 2's metrics kept
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_keras2_weights_file_loads_by_name(tmp_path):
    weights = _keras2_weights(np.random.default_rng(2))
    path = str(tmp_path / "keras2_weights.h5")
    _write_keras2_file(path, weights, with_config=False)
    x = lamina.Input((3,))
    h = layers.Dense(4, activation="relu", name="dense")(x)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization(name="batch_normalization")(h))
    model = lamina.Model(x, layers.Dense(2, name="dense_1")(h))
    model.load_weights(path, by_name=True)
    np.testing.assert_allclose(model.predict(_x(), verbose=0),
                               _keras2_reference(_x().astype("float64"), weights), atol=1e-5)


def test_keras2_sequential_config_as_a_bare_layer_list_is_translated():
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                           "batch_input_shape": [None, 3]}}]}
    translated = legacy_h5.translate_keras2_config(config)
    model = lamina.saving.deserialize_keras_object(translated)
    assert model.layers[0].units == 2
    assert model.input_shape == (None, 3)


def test_keras2_argument_without_lamina_equivalent_is_refused_with_the_layer_name():
    config = {"class_name": "BatchNormalization",
              "config": {"name": "bn", "renorm": True}}
    with pytest.raises(ValueError, match=r"Layer 'bn' \(BatchNormalization\).*renorm=True"):
        legacy_h5.translate_keras2_config(config)


def test_weights_only_file_given_to_load_model_says_to_use_load_weights(tmp_path):
    path = str(tmp_path / "w.h5")
    _write_keras2_file(path, _keras2_weights(np.random.default_rng(0)), with_config=False)
    with pytest.raises(ValueError, match="weights-only file.*load_weights"):
        lamina.models.load_model(path)


def test_h5_file_that_is_not_hdf5_gives_a_clear_error(tmp_path):
    path = tmp_path / "m.h5"
    path.write_text("not an hdf5 file")
    with pytest.raises(ValueError, match="not a valid HDF5 file"):
        lamina.models.load_model(str(path))
    model = _mlp(lamina)
    with pytest.raises(ValueError, match="not a valid HDF5 file"):
        model.load_weights(str(path))


# -- lamina writes the legacy format -----------------------------------------------------
def test_saving_h5_warns_as_keras_does_and_leaves_no_temporary_file(tmp_path):
    model = _mlp(lamina)
    with pytest.warns(UserWarning, match="This file format is considered legacy"):
        model.save(str(tmp_path / "m.h5"))
    assert os.listdir(tmp_path) == ["m.h5"]


@pytest.mark.filterwarnings(_LEGACY)
def test_saved_h5_file_has_keras_legacy_layout(tmp_path):
    model = _mlp(lamina)
    model.compile(optimizer="adam", loss="mean_squared_error")
    model.fit(_x(4), np.zeros((4, 2)), epochs=1, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        assert "optimizer_config" in json.loads(f.attrs["training_config"])
        names = [n.decode() for n in f["model_weights"].attrs["layer_names"]]
        assert names == ["first", "norm", "second"]
        weight_names = [n.decode() for n in f["model_weights/norm"].attrs["weight_names"]]
        assert weight_names == ["norm/gamma", "norm/beta", "norm/moving_mean",
                                "norm/moving_variance"]
        assert f["model_weights/first/first/kernel"].shape == (3, 4)
        assert len(f["optimizer_weights"].attrs["weight_names"]) == 2 + 2 * 6


@pytest.mark.filterwarnings(_LEGACY)
def test_lamina_h5_file_round_trips_with_optimizer_state(tmp_path):
    model = _mlp(lamina)
    _randomize(model)
    model.compile(optimizer="adam", loss="mean_squared_error")
    model.fit(_x(4), np.zeros((4, 2)), epochs=1, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the optimizer state matches: no warning
        loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(_x(), verbose=0), model.predict(_x(), verbose=0),
                               atol=1e-6)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))

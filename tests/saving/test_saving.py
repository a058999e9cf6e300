"""Saving and loading: .keras archives and .weights.h5 files round-trip, atomically."""

import os
import zipfile

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def _functional():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = layers.Dense(4, activation="relu")(layers.Concatenate()([a, b]))
    return keras.Model([a, b], [layers.Dense(2, name="reg")(h),
                                layers.Dense(1, activation="sigmoid", name="cls")(h)])


def _data():
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")]
    y = [rng.normal(size=(16, 2)).astype("float32"),
         (rng.random((16, 1)) > 0.5).astype("float32")]
    return x, y


def test_functional_model_round_trips_through_keras_file_with_optimizer_state(tmp_path):
    model = _functional()
    model.compile(optimizer="adam", loss=["mse", "binary_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    x, y = _data()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-7)
    assert set(zipfile.ZipFile(path).namelist()) == {"config.json", "metadata.json",
                                                     "model.weights.h5"}


def test_training_continues_identically_after_reload(tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.rand(32, 3).astype("float32")
    y = np.random.rand(32, 1).astype("float32")
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_weights_file_round_trip_and_layout(tmp_path):
    import h5py

    model = keras.Sequential([layers.Dense(4, input_shape=(3,)),
                              layers.BatchNormalization(), layers.Dense(1)])
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    other = keras.Sequential([layers.Dense(4, input_shape=(3,)),
                              layers.BatchNormalization(), layers.Dense(1)])
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with h5py.File(path) as f:
        assert f["layers/dense/vars/0"].shape == (3, 4)
        assert len(f["layers/batch_normalization/vars"]) == 4
        assert "layers/dense_1/vars/1" in f


def test_keras3_weights_file_loads_into_lamina(tmp_path):
    keras3 = pytest.importorskip("keras")
    reference = keras3.Sequential([keras3.Input((3,)), keras3.layers.Dense(4, activation="relu"),
                                   keras3.layers.BatchNormalization(), keras3.layers.Dense(2)])
    path = str(tmp_path / "k.weights.h5")
    reference.save_weights(path)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(2)])
    model.load_weights(path)
    x = np.random.rand(5, 3).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               np.asarray(reference.predict(x, verbose=0)), atol=1e-5)


def test_save_leaves_no_temporary_files(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.weights.h5"]


def test_wrong_suffixes_and_corrupted_files_give_clear_errors(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"must end in `.keras`"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(ValueError, match=r"must end in `.weights.h5`"):
        model.save_weights(tmp_path / "m.h5")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid .keras file"):
        keras.models.load_model(bad)


def test_lambda_stored_as_code_is_refused(tmp_path):
    import json

    model = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t * 2)])
    path = tmp_path / "lam.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
        metadata = archive.read("metadata.json")
    config["config"]["layers"][1]["config"]["function"] = {
        "class_name": "__lambda__", "config": {"code": "ZGVmIGYoKTogcGFzcw=="}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights)
        archive.writestr("metadata.json", metadata)
    with pytest.raises(ValueError, match="stored as Python bytecode"):
        keras.models.load_model(path)


def test_model_checkpoint_writes_keras_and_weights_files_during_fit(tmp_path):
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(16, 2), np.random.rand(16, 1)
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ep{epoch:02d}.keras")),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"),
                                        save_weights_only=True, monitor="loss",
                                        save_best_only=True),
    ]
    model.fit(x, y, epochs=2, verbose=0, callbacks=callbacks)
    assert {"ep01.keras", "ep02.keras", "best.weights.h5"} <= set(os.listdir(tmp_path))
    reloaded = keras.models.load_model(tmp_path / "ep02.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)

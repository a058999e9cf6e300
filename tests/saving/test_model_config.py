"""Model configs: ``to_json`` / ``model_from_json``, subclassed models with ``get_config``,
and ``register_serializable``; checked against Keras 3 where it writes the same JSON."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers


def _functional():
    a = lamina.Input((3,), name="a")
    b = lamina.Input((2,), name="b")
    h = layers.Dense(4, activation="relu", name="hidden")(layers.Concatenate()([a, b]))
    return lamina.Model([a, b], [layers.Dense(2, name="reg")(h), layers.Dense(1, name="cls")(h)])


def _inputs():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")]


def test_model_from_json_rebuilds_the_architecture_with_fresh_weights():
    model = _functional()
    clone = lamina.models.model_from_json(model.to_json())
    assert json.loads(clone.to_json())["config"]["layers"] == \
        json.loads(model.to_json())["config"]["layers"]
    clone.set_weights(model.get_weights())
    for a, b in zip(clone.predict(_inputs(), verbose=0), model.predict(_inputs(), verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_to_json_passes_json_options_and_records_compile_settings():
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.05), loss="mae")
    text = model.to_json(indent=2)
    assert "\n  " in text
    config = json.loads(text)
    assert config["build_config"] == {"input_shape": [None, 3]}
    clone = lamina.models.model_from_json(text)
    assert type(clone.optimizer).__name__ == "SGD"
    np.testing.assert_allclose(float(clone.optimizer.learning_rate.numpy()), 0.05)


def test_model_from_json_rejects_what_is_not_model_json():
    with pytest.raises(TypeError, match="expects the JSON string"):
        lamina.models.model_from_json({"class_name": "Sequential"})
    with pytest.raises(ValueError, match="not valid JSON"):
        lamina.models.model_from_json("{not json")
    with pytest.raises(ValueError, match="does not describe a model"):
        lamina.models.model_from_json("[1, 2]")


def test_keras_and_lamina_read_each_others_json():
    keras = pytest.importorskip("keras")
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dense(1)])
    model = lamina.models.model_from_json(reference.to_json())
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert model.layers[0].get_config()["activation"] == "tanh"
    back = keras.models.model_from_json(model.to_json())
    assert [layer.units for layer in back.layers] == [4, 1]


def _subclassed(lib, register):
    @register(package="ModelConfigTests")
    class Scaled(lib.Model):
        def __init__(self, units=3, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.scale = scale
            self.hidden = lib.layers.Dense(units, activation="relu")
            self.out = lib.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x)) * self.scale

        def get_config(self):
            return {**super().get_config(), "units": self.units, "scale": self.scale}

    return Scaled


def test_subclassed_model_with_get_config_round_trips_through_a_keras_file(tmp_path):
    cls = _subclassed(lamina, lamina.saving.register_serializable)
    model = cls(units=5, scale=2.0)
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    model(x)
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    assert type(loaded) is cls
    assert (loaded.units, loaded.scale) == (5, 2.0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_subclassed_model_saved_by_keras_loads_into_the_lamina_class(tmp_path):
    keras = pytest.importorskip("keras")
    reference = _subclassed(keras, keras.saving.register_keras_serializable)(units=4, scale=3.0)
    x = np.random.default_rng(1).normal(size=(4, 2)).astype("float32")
    reference(x)
    reference.save(str(tmp_path / "k.keras"))
    _subclassed(lamina, lamina.saving.register_keras_serializable)
    loaded = lamina.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               np.asarray(reference.predict(x, verbose=0)), atol=1e-5)


def test_subclassed_model_from_config_uses_its_constructor():
    cls = _subclassed(lamina, lamina.saving.register_serializable)
    clone = cls.from_config(cls(units=7, scale=0.5, name="scaled").get_config())
    assert (clone.units, clone.scale, clone.name) == (7, 0.5, "scaled")


def test_register_serializable_is_the_keras_decorator_under_another_name():
    assert lamina.saving.register_serializable is lamina.saving.register_keras_serializable


def test_one_element_output_list_loads_as_a_single_output_as_in_keras():
    keras = pytest.importorskip("keras")
    x = lamina.Input((3,))
    model = lamina.Model(x, [layers.Dense(2)(x)])
    clone = lamina.Model.from_config(model.get_config())
    reference = keras.Model.from_config(json.loads(json.dumps(model.get_config())))
    data = np.ones((1, 3), "float32")
    assert isinstance(clone.predict(data, verbose=0), np.ndarray)
    assert isinstance(reference.predict(data, verbose=0), np.ndarray)


def test_subclassed_model_built_with_build_round_trips(tmp_path):
    cls = _subclassed(lamina, lamina.saving.register_serializable)
    model = cls(units=2)
    model.build((None, 2))
    assert json.loads(model.to_json())["build_config"] == {"input_shape": [None, 2]}
    model.save(tmp_path / "m.keras")
    x = np.ones((3, 2), "float32")
    np.testing.assert_allclose(lamina.models.load_model(tmp_path / "m.keras").predict(
        x, verbose=0), model.predict(x, verbose=0), atol=1e-6)

"""keras.layers.Wrapper: the base class user wrappers subclass (TimeDistributed is one)."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers

from .layer_checks import to_numpy


class _Scaled(layers.Wrapper):
    """A user wrapper as Keras code writes one: only ``call`` (and its own argument)."""

    def __init__(self, layer, scale=2.0, **kwargs):
        super().__init__(layer, **kwargs)
        self.scale = scale

    def call(self, inputs):
        return self.layer(inputs) * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_a_subclass_builds_calls_trains_and_saves_its_layer(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), _Scaled(layers.Dense(2), scale=3.0)])
    wrapper = model.layers[0]
    assert wrapper.layer.built and len(model.trainable_weights) == 2
    kernel, bias = (to_numpy(w) for w in wrapper.layer.weights)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(to_numpy(model(x)), (x @ kernel + bias) * 3.0, rtol=1e-5,
                               atol=1e-6)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"_Scaled": _Scaled})
    assert loaded.layers[0].scale == 3.0
    assert type(loaded.layers[0].layer) is layers.Dense
    np.testing.assert_allclose(to_numpy(loaded(x)), to_numpy(model(x)), rtol=1e-6)


def test_config_holds_the_wrapped_layer_as_keras_writes_it():
    real_keras = pytest.importorskip("keras")

    ours = layers.TimeDistributed(layers.Dense(4, name="d"), name="td").get_config()
    theirs = real_keras.layers.TimeDistributed(real_keras.layers.Dense(4, name="d"),
                                               name="td").get_config()
    assert set(ours) == set(theirs)
    assert ours["layer"]["class_name"] == theirs["layer"]["class_name"] == "Dense"
    assert isinstance(layers.TimeDistributed(layers.Dense(1)), layers.Wrapper)


def test_wrapping_something_that_is_not_a_layer_is_a_clear_error():
    with pytest.raises(ValueError, match=r"_Scaled: `layer` must be a Layer instance"):
        _Scaled(lambda x: x)
    with pytest.raises(ValueError, match=r"TimeDistributed: `layer` must be a Layer"):
        layers.TimeDistributed("dense")

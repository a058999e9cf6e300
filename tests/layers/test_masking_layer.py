"""The Masking layer: zeroes padded timesteps and emits the mask that marks them."""

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops

from .layer_checks import config_round_trip
from .layer_checks import keras
from .layer_checks import keras_output
from .layer_checks import random_array
from .layer_checks import to_numpy


def _padded(mask_value=0.0):
    """(batch=2, steps=4, features=3) with some steps entirely ``mask_value``."""
    x = random_array(2, 4, 3, low=1.0, high=2.0)
    x[0, 1] = mask_value
    x[1, 2:] = mask_value
    x[1, 0, 0] = mask_value  # one matching feature alone does not mask a step
    return x


def _reference(x, mask_value):
    keep = np.any(x != mask_value, axis=-1)
    return np.where(keep[..., None], x, 0.0), keep


class MaskRecorder(layers.Layer):
    """Passes inputs through and keeps the mask it was given."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = None

    def call(self, inputs, mask=None):
        self.seen = None if mask is None else ops.convert_to_numpy(mask)
        return inputs


@pytest.mark.parametrize("mask_value", [0.0, -1.0, 5.0])
def test_masking_zeroes_steps_whose_features_all_equal_mask_value(mask_value):
    x = _padded(mask_value)
    expected, _ = _reference(x, mask_value)
    np.testing.assert_array_equal(to_numpy(layers.Masking(mask_value)(x)), expected)


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_compute_mask_marks_steps_to_keep(mask_value):
    x = _padded(mask_value)
    _, keep = _reference(x, mask_value)
    mask = to_numpy(layers.Masking(mask_value).compute_mask(x))
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, keep)


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_matches_keras_outputs_and_mask(mask_value):
    x = _padded(mask_value)
    k_layer = keras().layers.Masking(mask_value)
    expected = keras_output(k_layer, x)
    k_mask = keras().ops.convert_to_numpy(k_layer.compute_mask(x))
    layer = layers.Masking(mask_value)
    np.testing.assert_array_equal(to_numpy(layer(x)), expected)
    np.testing.assert_array_equal(to_numpy(layer.compute_mask(x)), k_mask)


def test_masking_leaves_non_finite_values_out_of_masked_steps():
    x = _padded()
    x[0, 1] = 0.0
    x[0, 2, 0] = np.inf  # a kept step keeps its inf, masked steps stay exactly zero
    out = to_numpy(layers.Masking()(x))
    assert np.all(out[0, 1] == 0) and np.isinf(out[0, 2, 0])


def test_masking_mask_reaches_downstream_layers_in_a_sequential_model():
    recorder = MaskRecorder()
    model = lamina.Sequential([lamina.Input((4, 3)), layers.Masking(), layers.Dense(2),
                               recorder])
    x = _padded()
    model(x)  # eager: the recorder reads the mask as a concrete array
    np.testing.assert_array_equal(recorder.seen, _reference(x, 0.0)[1])


def test_masking_keeps_masked_steps_out_of_the_loss():
    inputs = lamina.Input((4, 3))
    outputs = layers.Dense(2)(layers.Masking()(inputs))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    x = _padded()
    y = random_array(2, 4, 2, seed=3)
    loss = model.evaluate(x, y, verbose=0)
    per_step = ((model.predict(x, verbose=0) - y) ** 2).mean(axis=-1)
    assert loss == pytest.approx(float(per_step[_reference(x, 0.0)[1]].mean()), rel=1e-5)


def test_masking_supports_masking():
    assert layers.Masking().supports_masking


def test_masking_config_round_trip_and_keras_keys():
    layer = layers.Masking(mask_value=-1.0)
    config = layer.get_config()
    assert set(config) == set(keras().layers.Masking(-1.0).get_config())
    assert config["mask_value"] == -1.0
    expected, rebuilt = config_round_trip(layer, _padded(-1.0))
    np.testing.assert_array_equal(rebuilt, expected)


def test_masking_array_mask_value_survives_a_config_round_trip():
    layer = layers.Masking(mask_value=np.array([0.0, 0.0, 1.0], dtype="float32"))
    x = _padded()
    x[0, 3] = [0.0, 0.0, 1.0]
    expected, rebuilt = config_round_trip(layer, x)
    np.testing.assert_array_equal(rebuilt, expected)
    mask = to_numpy(layer.compute_mask(x))
    assert not mask[0, 3] and mask[0, 1]  # [0, 0, 0] differs from [0, 0, 1]


def test_masking_symbolic_output_shape():
    assert tuple(layers.Masking()(lamina.Input((4, 3))).shape) == (None, 4, 3)

"""Masks flow from Embedding(mask_zero=True) through models into layers and the loss."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina import ops


class MaskRecorder(layers.Layer):
    """Passes inputs through and keeps the mask it was given."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = None

    def call(self, inputs, mask=None):
        self.seen = None if mask is None else ops.convert_to_numpy(mask)
        return inputs


TOKENS = np.array([[3, 5, 0, 0], [7, 0, 0, 0]], dtype="int32")


def _expected_mask():
    return TOKENS != 0


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_embedding_mask_reaches_downstream_layers(kind):
    recorder = MaskRecorder()
    if kind == "functional":
        inputs = keras.Input((4,), dtype="int32")
        h = layers.Embedding(10, 3, mask_zero=True)(inputs)
        model = keras.Model(inputs, recorder(layers.Dense(2)(h)))
    else:
        model = keras.Sequential([keras.Input((4,), dtype="int32"),
                                  layers.Embedding(10, 3, mask_zero=True),
                                  layers.Dense(2), recorder])
    model(TOKENS)  # eager: the recorder reads the mask as a concrete array
    np.testing.assert_array_equal(recorder.seen, _expected_mask())


def test_masked_timesteps_do_not_count_in_the_loss():
    inputs = keras.Input((4,), dtype="int32")
    h = layers.Embedding(10, 3, mask_zero=True)(inputs)
    outputs = layers.Dense(2)(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    y = np.random.default_rng(0).normal(size=(2, 4, 2)).astype("float32")
    loss = model.evaluate(TOKENS, y, verbose=0)
    prediction = model.predict(TOKENS, verbose=0)
    per_step = ((prediction - y) ** 2).mean(axis=-1)
    expected = per_step[_expected_mask()].mean()
    assert loss == pytest.approx(float(expected), rel=1e-5)


def test_layer_without_mask_support_stops_the_mask():
    recorder = MaskRecorder()
    inputs = keras.Input((4,), dtype="int32")
    h = layers.Embedding(10, 3, mask_zero=True)(inputs)
    h = layers.Lambda(lambda t: t * 1.0)(h)  # Lambda does not pass masks on
    keras.Model(inputs, recorder(h)).predict(TOKENS, verbose=0)
    assert recorder.seen is None

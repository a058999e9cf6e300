"""The same model, weights and data give the same training run in lamina and Keras 3."""

import numpy as np
import pytest

import lamina

keras3 = pytest.importorskip("keras")


def _build(lib, hidden=8, classes=3):
    return lib.Sequential([
        lib.Input((5,)),
        lib.layers.Dense(hidden, activation="relu"),
        lib.layers.BatchNormalization(),
        lib.layers.Dense(classes, activation="softmax"),
    ])


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_fit_matches_keras3_step_for_step(optimizer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = rng.integers(0, 3, size=(40,))
    ours, theirs = _build(lamina), _build(keras3)
    theirs.set_weights([w.astype("float32") for w in ours.get_weights()])
    for model in (ours, theirs):
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    h_ours = ours.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    h_theirs = theirs.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0),
                               theirs.evaluate(x, y, verbose=0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), rtol=1e-4, atol=1e-5)


def test_multi_output_loss_weights_match_keras3():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(24, 3)).astype("float32")
    y1 = rng.normal(size=(24, 2)).astype("float32")
    y2 = (rng.random((24, 1)) > 0.5).astype("float32")

    def build(lib):
        inp = lib.Input((3,), name="inp")
        h = lib.layers.Dense(4, activation="tanh", name="h")(inp)
        out1 = lib.layers.Dense(2, name="out1")(h)
        out2 = lib.layers.Dense(1, activation="sigmoid", name="out2")(h)
        model = lib.Model(inp, [out1, out2])
        model.compile(optimizer="adam", loss=["mse", "binary_crossentropy"],
                      loss_weights=[0.3, 1.0])
        return model

    ours, theirs = build(lamina), build(keras3)
    theirs.set_weights(ours.get_weights())
    h_ours = ours.fit(a, [y1, y2], epochs=2, batch_size=8, shuffle=False, verbose=0).history
    h_theirs = theirs.fit(a, [y1, y2], epochs=2, batch_size=8, shuffle=False,
                          verbose=0).history
    for key in ("loss", "out1_loss", "out2_loss"):
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-4, atol=1e-5)

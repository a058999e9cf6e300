"""The fast paths (multi-tensor optimizer updates on torch, the compiled step on JAX) give
the same weights as a plain eager, per-variable step."""

import numpy as np
import pytest

import lamina as keras
from lamina import backend
from lamina import layers


def _train(optimizer, run_eagerly, fused=True, monkeypatch=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(3)])
    model.compile(optimizer=optimizer, loss="mse", run_eagerly=run_eagerly)
    if not fused:
        monkeypatch.setattr(backend.optimizers, "adam_update", lambda *a, **k: False)
        monkeypatch.setattr(backend.optimizers, "sgd_update", lambda *a, **k: False)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(24, 6)).astype("float32"), rng.normal(size=(24, 3)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 3 steps
    return model.get_weights()


@pytest.mark.parametrize("optimizer", ["adam", "sgd",
                                       lambda: keras.optimizers.SGD(0.1, momentum=0.9),
                                       lambda: keras.optimizers.SGD(0.1, momentum=0.9,
                                                                    nesterov=True)])
def test_fast_step_matches_plain_eager_step(optimizer, monkeypatch):
    make = optimizer if callable(optimizer) else (lambda: optimizer)
    fast = _train(make(), run_eagerly=False)
    plain = _train(make(), run_eagerly=True, fused=False, monkeypatch=monkeypatch)
    for a, b in zip(fast, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)

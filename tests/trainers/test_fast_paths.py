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
        monkeypatch.setattr(backend.optimizers, "adam_update_fused", lambda *a, **k: False)
        monkeypatch.setattr(backend.optimizers, "sgd_update", lambda *a, **k: False)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(24, 6)).astype("float32"), rng.normal(size=(24, 3)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 3 steps
    return model.get_weights()


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "adamw",
                                       lambda: keras.optimizers.SGD(0.1, momentum=0.9),
                                       lambda: keras.optimizers.SGD(0.1, momentum=0.9,
                                                                    nesterov=True)])
def test_fast_step_matches_plain_eager_step(optimizer, monkeypatch):
    # Fast: the fused / multi-tensor updates (torch) or the compiled step (JAX). Plain:
    # run_eagerly with the per-variable updates.
    make = optimizer if callable(optimizer) else (lambda: optimizer)
    fast = _train(make(), run_eagerly=False)
    plain = _train(make(), run_eagerly=True, fused=False, monkeypatch=monkeypatch)
    for a, b in zip(fast, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def _fit_weights(steps_per_execution, callbacks=None, metrics=None, epochs=1):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse", metrics=metrics,
                  steps_per_execution=steps_per_execution)
    rng = np.random.default_rng(1)
    # 40 samples in batches of 8 -> 5 steps: with 2 per execution the last runs alone.
    x, y = rng.normal(size=(40, 6)).astype("float32"), rng.normal(size=(40, 3)).astype("float32")
    history = model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0,
                        callbacks=callbacks)
    return model, history


@pytest.mark.parametrize("steps", [2, 5, 8])
def test_steps_per_execution_trains_the_same_weights(steps):
    one, h_one = _fit_weights(1, metrics=["mae"], epochs=2)
    many, h_many = _fit_weights(steps, metrics=["mae"], epochs=2)
    for a, b in zip(one.get_weights(), many.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h_one.history[key], h_many.history[key], rtol=1e-5)
    x = np.random.default_rng(2).normal(size=(13, 6)).astype("float32")
    np.testing.assert_allclose(one.predict(x, batch_size=4, verbose=0),
                               many.predict(x, batch_size=4, verbose=0), rtol=1e-5, atol=1e-6)
    y = np.zeros((13, 3), "float32")
    assert one.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(
        many.evaluate(x, y, batch_size=4, verbose=0), rel=1e-5)


def test_steps_per_execution_calls_batch_hooks_once_per_execution():
    seen = []
    hook = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append((batch, sorted(logs))))
    _fit_weights(2, callbacks=[hook])
    # Five steps, two per execution: the hooks see the last batch of each execution.
    assert [b for b, _ in seen] == [1, 3, 4]
    assert all(keys == ["loss"] for _, keys in seen)
    assert all(isinstance(v, float) for v in hook.model.history.history["loss"])


def test_batch_logs_reach_callbacks_as_python_floats():
    seen = []

    class Reader(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    _fit_weights(1, callbacks=[Reader()])
    assert len(seen) == 5 and all(type(v) is float for v in seen)


class _LazyMetric(keras.metrics.Metric):
    """Creates its state on the first update (as some user metrics do)."""

    def __init__(self, name="lazy_sum", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.total is None:
            self.total = self.add_variable((), "zeros", name="total")
        self.total.assign_add(keras.ops.sum(y_pred) * 0.0 + 1.0)

    def result(self):
        return self.total.value if self.total is not None else keras.ops.zeros(())

    def reset_state(self):
        if self.total is not None:
            self.total.assign(0.0)


def test_state_created_lazily_inside_a_step_still_trains_compiled():
    model, history = _fit_weights(1, metrics=[_LazyMetric()])
    # The metric counted every one of the 5 steps, the first included.
    assert history.history["lazy_sum"] == [5.0]
    reference, _ = _fit_weights(1)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_import_lamina_loads_no_engine():
    import subprocess
    import sys

    code = ("import sys, lamina; "
            "print(sorted(m for m in ('torch', 'jax') if m in sys.modules)); "
            "lamina.layers.Dense; "
            "print(lamina.backend.backend() in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    first, second = out.stdout.split("\n")[:2]
    assert first == "[]", out.stdout
    assert second == "True"  # touching lamina.layers loaded the chosen engine


def test_multi_tensor_adam_matches_the_fused_kernel(monkeypatch):
    # torch: the fused CPU kernel (default) against the _foreach update.
    fused = _train("adam", run_eagerly=False)
    monkeypatch.setattr(backend.optimizers, "adam_update_fused", lambda *a, **k: False)
    multi = _train("adam", run_eagerly=False)
    for a, b in zip(fused, multi):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_training_step_leaves_no_reference_cycles():
    # A cycle holding a step's tensors keeps their autograd graph (all the activations)
    # alive until the cycle collector runs: peak memory grows by many batches' worth.
    import gc

    model, _ = _fit_weights(1)
    x = np.zeros((16, 6), "float32")
    y = np.zeros((16, 3), "float32")
    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        model.predict(x, verbose=0)
        gc.collect()
        tensors = [o for o in gc.garbage if backend.is_tensor(o)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert tensors == []


@pytest.mark.parametrize("activation,loss", [("sigmoid", "binary_crossentropy"),
                                             ("softmax", "sparse_categorical_crossentropy"),
                                             ("softmax", "categorical_crossentropy")])
def test_cross_entropy_on_activation_outputs_matches_numpy(activation, loss):
    # On torch the loss reads the activation's logits (the stable form); values and
    # gradients are those of the probability form wherever it is not clipped.
    rng = np.random.default_rng(4)
    units = 1 if activation == "sigmoid" else 4
    x = rng.normal(size=(16, 5)).astype("float32")
    kernel = rng.normal(size=(5, units)).astype("float32")
    logits = x @ kernel
    if activation == "sigmoid":
        y = (rng.random((16, 1)) > 0.5).astype("float32")
        p = 1 / (1 + np.exp(-logits))
        expected = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    else:
        labels = rng.integers(0, units, size=(16,))
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        expected = -np.log(p[np.arange(16), labels]).mean()
        y = labels if loss.startswith("sparse") else np.eye(units, dtype="float32")[labels]
    model = keras.Sequential([keras.Input((5,)),
                              layers.Dense(units, activation=activation, use_bias=False)])
    model.layers[0].set_weights([kernel])
    model.compile(optimizer="sgd", loss=loss)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)

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
        # (Fake tensors are torch.compile's tracing artifacts from earlier tests in this
        # process, not tensors of these eager steps.)
        tensors = [o for o in gc.garbage if backend.is_tensor(o)
                   and type(o).__name__ != "FakeTensor"]
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


class _LazyDenseModel(keras.Model):
    """A model with a custom train_step and no call(): its Dense builds inside fit's
    first step, after the training loop has started caching the layer walks."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1, kernel_initializer="ones")

    def train_step(self, data):
        x, y = data
        self.seen_before_build = len(self.trainable_variables)  # 0 on the first step
        self.dense(x)  # builds on the first step
        weights = self.trainable_variables

        def loss_fn():
            return keras.ops.mean(keras.ops.square(self.dense(x) - y))

        loss, grads = backend.value_and_grad(loss_fn, weights)
        self.optimizer.apply(grads, weights)
        return {"loss": loss, "weights": len(weights)}


def test_weights_created_inside_fit_are_seen_by_the_same_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    model = _LazyDenseModel()
    model.compile(optimizer=keras.optimizers.SGD(0.1), run_eagerly=True)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert history.history["weights"][-1] == 2  # kernel and bias, though built in-loop
    kernel = model.dense.kernel.numpy()
    assert not np.allclose(kernel, 1.0)  # trained
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_input_spec_is_checked_again_when_the_shape_changes():
    dense = layers.Dense(2)
    dense(np.ones((3, 4), "float32"))
    dense(np.ones((5, 4), "float32"))  # another batch size is fine
    with pytest.raises(ValueError, match='layer "dense.*expected axis -1.*value 4'):
        dense(np.ones((5, 6), "float32"))


def test_input_spec_fixing_the_batch_size_is_checked_on_every_call():
    class FixedBatch(layers.Layer):
        def __init__(self):
            super().__init__()
            self.input_spec = layers.InputSpec(shape=(2, 4))

        def call(self, x):
            return x

    layer = FixedBatch()
    layer(np.ones((2, 4), "float32"))
    layer(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected shape=\(2, 4\), found shape=\(3, 4\)"):
        layer(np.ones((3, 4), "float32"))


def test_metric_result_divides_without_nan():
    # Mean's result: total / count, 0 (not NaN) before any sample was seen.
    mean = keras.metrics.Mean()
    assert float(mean.result()) == 0.0
    mean.update_state(3.0, sample_weight=2)
    mean.update_state(np.array(6.0, "float32"), sample_weight=1)
    assert float(mean.result()) == pytest.approx(4.0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.ops.divide_no_nan(np.array([1.0, 2.0, -3.0], "float32"),
                                                           np.array([0.0, 4.0, 0.0], "float32"))),
        [0.0, 0.5, 0.0])


@pytest.mark.skipif(backend.backend() != "torch", reason="JAX steps return their logs")
def test_fit_computes_metric_results_only_when_logs_are_read(monkeypatch):
    # 40 steps, nothing reading batch logs: the results are computed for the NaN check
    # (every 32 steps) and at the epoch's end, not after every step.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    calls = []
    original = model.get_metrics_result

    def counting():
        calls.append(1)
        return original()

    monkeypatch.setattr(model, "get_metrics_result", counting)
    x = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
    assert len(calls) == 2
    # The epoch's logs are the results after the last step.
    final = original()
    assert history.history["loss"][0] == pytest.approx(float(final["loss"]))
    assert history.history["mae"][0] == pytest.approx(float(final["mae"]))


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_predict_reads_the_current_weights_after_they_change(optimizer, activation):
    # Inference may read Dense kernels through a cached copy (torch: oneDNN-packed or
    # transposed, with the relu fused in): every change to the weights (set_weights,
    # training with any optimizer, the fused Adam kernel included, assign) must show in
    # the next predict and evaluate.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    model = keras.Sequential([keras.Input((5,)), layers.Dense(3, activation=activation)])
    model.compile(optimizer=optimizer, loss="mse")

    def expected():
        kernel, bias = model.get_weights()
        out = x @ kernel + bias
        return np.maximum(out, 0.0) if activation == "relu" else out

    def check():
        np.testing.assert_allclose(model.predict(x, verbose=0), expected(), rtol=1e-5,
                                   atol=1e-5)
        mse = float(np.mean((expected() - y) ** 2))
        assert model.evaluate(x, y, verbose=0) == pytest.approx(mse, rel=1e-5)

    check()
    model.set_weights([rng.normal(size=(5, 3)).astype("float32"), np.ones(3, "float32")])
    check()
    before = model.predict(x, verbose=0)
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(model.predict(x, verbose=0), before)
    check()
    model.layers[0].kernel.assign(np.zeros((5, 3), "float32"))
    check()


@pytest.mark.parametrize("shape", [(7, 4), (2, 3, 4), (2, 2, 3, 4), (1, 4)])
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("activation", ["relu", "linear", "softmax"])
def test_dense_inference_matches_a_numpy_reference(shape, use_bias, activation):
    # predict, evaluate and no-gradient calls take the fused inference path on torch
    # (oneDNN on the CPU); a training-mode call takes the plain one: all agree with NumPy.
    rng = np.random.default_rng(3)
    layer = layers.Dense(5, activation=activation, use_bias=use_bias)
    model = keras.Sequential([keras.Input(shape[1:]), layer])
    x = rng.normal(size=shape).astype("float32")
    out = x @ layer.kernel.numpy() + (layer.bias.numpy() if use_bias else 0.0)
    if activation == "relu":
        out = np.maximum(out, 0.0)
    elif activation == "softmax":
        out = np.exp(out - out.max(-1, keepdims=True))
        out /= out.sum(-1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0, batch_size=3), out, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x, training=True)), out,
                               rtol=1e-5, atol=1e-5)


def test_losses_added_in_a_call_are_replaced_by_the_next_call():
    model = keras.Sequential([keras.Input((2,)),
                              layers.Dense(2, activity_regularizer="l2"), layers.Dense(1)])
    x = np.ones((4, 2), "float32")
    model(x)
    assert len(model.losses) == 1
    model(x)
    assert len(model.losses) == 1  # the second call's penalty, not both


def test_fit_on_backend_tensors_matches_fit_on_numpy():
    # Tensor data is gathered on the engine (all leaves in one call), NumPy data on the
    # host: the same shuffled batches train the same weights, sample weights included.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = rng.normal(size=(40, 1)).astype("float32")
    w = rng.uniform(0.5, 1.5, size=(40,)).astype("float32")

    def train(convert):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(convert(x), convert(y), sample_weight=convert(w), batch_size=8, epochs=2,
                  shuffle=True, verbose=0)
        return model.get_weights()

    for a, b in zip(train(lambda v: v), train(keras.ops.convert_to_tensor)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("layer_fn,shape", [
    (lambda a: layers.Dense(5, activation=a), (3, 6)),
    (lambda a: layers.Conv1D(5, 2, activation=a), (3, 4, 6)),
    (lambda a: layers.EinsumDense("ab,bc->ac", output_shape=5, bias_axes="c", activation=a),
     (3, 6)),
])
def test_layer_activation_is_read_at_call_time(layer_fn, shape):
    # Layers apply relu / tanh through the engine's own function; the values must match
    # the activation applied to the linear output, and an activation replaced after
    # construction (layer.activation = linear, as Grad-CAM code does) must be honoured.
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype("float32")
    for name, reference in (("relu", lambda z: np.maximum(z, 0.0)), ("tanh", np.tanh)):
        layer = layer_fn(name)
        out = keras.ops.convert_to_numpy(layer(x))
        layer.activation = keras.activations.linear
        linear = keras.ops.convert_to_numpy(layer(x))
        assert (linear < 0).any()  # the replaced activation is really gone
        np.testing.assert_allclose(out, reference(linear), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("as_on_a_gpu", [False, True])
def test_predict_concatenates_single_and_structured_outputs(as_on_a_gpu, monkeypatch):
    joined = []
    if as_on_a_gpu:
        # torch on a GPU keeps every batch's outputs on the device and joins them there
        # at the end (one copy to the host); here the CPU is made to take that path.
        if backend.backend() != "torch":
            pytest.skip("torch's device-output path")
        from lamina.trainers import torch_trainer

        monkeypatch.setattr(torch_trainer, "HOST_DEVICES", ())
        original = torch_trainer.predict_outputs_to_numpy

        def spy(outputs):
            result = original(outputs)
            joined.append(result is not None)
            return result

        monkeypatch.setattr(torch_trainer, "predict_outputs_to_numpy", spy)
    inputs = keras.Input((3,))
    double = layers.Dense(2, kernel_initializer="ones", use_bias=False)(inputs)
    single = keras.Model(inputs, double)
    both = keras.Model(inputs, {"a": double, "b": layers.Dense(1)(inputs)})
    x = np.arange(21, dtype="float32").reshape(7, 3)
    out = single.predict(x, batch_size=3, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (7, 2)
    np.testing.assert_allclose(out, np.repeat(x.sum(1, keepdims=True), 2, axis=1))
    out = both.predict(x, batch_size=3, verbose=0)
    assert set(out) == {"a", "b"} and out["a"].shape == (7, 2) and out["b"].shape == (7, 1)
    np.testing.assert_allclose(out["a"], np.repeat(x.sum(1, keepdims=True), 2, axis=1))
    assert joined == ([True, True] if as_on_a_gpu else [])


def test_predict_and_evaluate_stream_numpy_batches_where_the_backend_asks(monkeypatch):
    # torch on a GPU: data read once stays NumPy and each batch is copied to the device as
    # it is served (an asynchronous copy per batch instead of one blocking copy of it all).
    # Here the CPU is made to take that path; fit's data is still converted whole.
    core = backend.core
    streamed = []

    def to_device(array):
        streamed.append(array.shape)
        return core.convert_to_tensor(array)

    monkeypatch.setattr(core, "streams_host_batches", lambda: True)
    monkeypatch.setattr(core, "host_batch_to_device", to_device)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.normal(size=(10, 2)).astype("float64")  # float64 targets become float32
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert streamed == []  # training data is converted once (it is read every epoch)
    kernel, bias = (np.asarray(w) for w in model.get_weights())
    out = model.predict(x, batch_size=4, verbose=0)
    assert streamed == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    streamed.clear()
    loss = model.evaluate(x, y, batch_size=4, verbose=0)
    assert streamed == [(4, 3), (4, 2), (4, 3), (4, 2), (2, 3), (2, 2)]
    np.testing.assert_allclose(loss, np.mean((x @ kernel + bias - y) ** 2), rtol=1e-5)


def test_torch_host_batch_to_device_copies_numpy_batches():
    if backend.backend() != "torch":
        pytest.skip("torch's batch copy")
    array = np.arange(6, dtype="float32").reshape(2, 3)[:, ::2]  # not contiguous
    tensor = backend.core.host_batch_to_device(array)
    assert backend.is_tensor(tensor) and str(tensor.device).startswith(
        backend.core.DEFAULT_DEVICE)
    np.testing.assert_array_equal(backend.convert_to_numpy(tensor), array)


class _LazyScale(layers.Layer):
    """Creates its weight on its first real call (not in build)."""

    def call(self, x):
        if not hasattr(self, "scale"):
            self.scale = self.add_weight(shape=(x.shape[-1],), initializer="ones",
                                         name="scale")
        return x * self.scale


class _LazyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.lazy = _LazyScale()
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.lazy(x))


def test_weights_created_inside_predict_train_afterwards():
    # predict runs in inference mode on torch; a weight created inside it must still be a
    # normal, trainable tensor for the fit that follows.
    model = _LazyModel()
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    model.head.build((None, 3))
    model.built = True  # so predict does not make a first call outside its steps
    model.predict(x, batch_size=8, verbose=0)
    before = keras.ops.convert_to_numpy(model.lazy.scale.value).copy()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, np.ones((16, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    assert not np.allclose(keras.ops.convert_to_numpy(model.lazy.scale.value), before)


def test_stateful_rnn_trains_after_predict():
    model = keras.Sequential([keras.Input(batch_shape=(4, 5, 3)),
                              layers.LSTM(6, stateful=True), layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(8, 5, 3)).astype("float32")
    first = model.predict(x, batch_size=4, verbose=0)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, np.zeros((8, 1), "float32"), batch_size=4, epochs=2,
                        shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.layers[0].reset_states()
    assert not np.allclose(model.predict(x, batch_size=4, verbose=0), first)  # it trained


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_jit_compile_true_trains_the_same_weights_and_predicts(optimizer):
    # torch: the step goes through torch.compile (the fused CPU Adam kernel is left out
    # of the graph); JAX: the compiled step. Same weights as the eager step after 3 steps,
    # and predict / a second fit keep working after it.
    def run(jit_compile):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3)])
        model.compile(optimizer=optimizer, loss="mse", jit_compile=jit_compile)
        rng = np.random.default_rng(1)
        x = rng.normal(size=(24, 6)).astype("float32")
        y = rng.normal(size=(24, 3)).astype("float32")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 3 steps
        weights = model.get_weights()
        out = model.predict(x, batch_size=8, verbose=0)
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        return weights, out, model.get_weights()

    compiled, eager = run(True), run(False)
    for a, b in zip(compiled[0] + [compiled[1]] + compiled[2],
                    eager[0] + [eager[1]] + eager[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(backend.backend() != "torch", reason="torch's predict output handling")
def test_predict_keeps_cpu_outputs_as_independent_numpy_copies():
    import torch

    from lamina.trainers.torch_trainer import predict_output_to_keep

    t = torch.arange(6, dtype=torch.float32).reshape(3, 2)
    kept = predict_output_to_keep({"a": t, "b": [t.to(torch.bfloat16)]})
    assert isinstance(kept["a"], np.ndarray) and kept["b"][0].dtype == np.float32
    t.add_(100.0)  # the kept copy must not follow the tensor
    np.testing.assert_array_equal(kept["a"], np.arange(6, dtype="float32").reshape(3, 2))
    np.testing.assert_array_equal(kept["b"][0], kept["a"])


@pytest.mark.parametrize("conv, pool, shape", [
    (layers.Conv2D, layers.MaxPooling2D, (6, 7, 2)),
    (layers.Conv1D, layers.MaxPooling1D, (9, 2)),
])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_sequential_relu_after_pooling_matches_the_layer_order(conv, pool, shape, padding):
    # In a Sequential, a relu convolution followed by max pooling applies the relu after
    # pooling (same values and gradients, less work). A Functional model with the same
    # layers runs them in their own order: both must predict and train identically.
    def build(functional):
        keras.utils.set_random_seed(0)
        first = conv(4, 3, activation="relu", padding="same")
        second = conv(3, 2, activation="relu")
        stack = [first, pool(2, padding=padding), second, pool(2, padding=padding),
                 layers.Flatten(), layers.Dense(2)]
        if functional:
            inputs = keras.Input(shape)
            x = inputs
            for layer in stack:
                x = layer(x)
            model = keras.Model(inputs, x)
        else:
            model = keras.Sequential([keras.Input(shape)] + stack)
        model.compile(optimizer="adam", loss="mse")
        return model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(8,) + shape).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    sequential, functional = build(False), build(True)
    assert sequential._relu_before_pool() == {0, 2}
    functional.set_weights(sequential.get_weights())
    np.testing.assert_allclose(sequential.predict(x, verbose=0),
                               functional.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    for model in (sequential, functional):
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(sequential.get_weights(), functional.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The convolution alone still applies its relu, and a replaced activation is honoured.
    first = sequential.layers[0]
    assert keras.ops.convert_to_numpy(first(x)).min() >= 0.0
    first.activation = keras.activations.linear
    functional.layers[1].activation = keras.activations.linear
    np.testing.assert_allclose(sequential.predict(x, verbose=0),
                               functional.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


def test_relu_deferral_follows_layers_added_and_popped():
    # The stack's conv -> max-pool pairs are remembered between calls: popping the pool or
    # adding one must be seen by the next call (a relu left deferred would be lost).
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 2)), layers.Conv1D(3, 2, activation="relu"),
                              layers.MaxPooling1D(2)])
    x = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    model.predict(x, verbose=0)
    assert model._relu_before_pool() == {0}
    model.pop()
    assert model._relu_before_pool() == frozenset()
    assert model.predict(x, verbose=0).min() >= 0.0  # the conv applies its relu itself
    model.add(layers.AveragePooling1D(2))
    assert model._relu_before_pool() == frozenset()
    assert model.predict(x, verbose=0).min() >= 0.0
    model.pop()
    model.add(layers.MaxPooling1D(2))
    assert model._relu_before_pool() == {0}
    assert model.predict(x, verbose=0).min() >= 0.0


@pytest.mark.parametrize("how", ["input", "input_shape", "build", "call"])
def test_sequential_takes_flat_data_for_an_input_of_one_feature(how):
    # Keras accepts (batch,) data for an input of shape (1,), however the shape was given.
    if how == "input":
        model = keras.Sequential([keras.Input((1,)), layers.Dense(2)])
    elif how == "input_shape":
        model = keras.Sequential([layers.Dense(2, input_shape=(1,))])
    else:
        model = keras.Sequential([layers.Dense(2)])
        if how == "build":
            model.build((None, 1))
        else:
            model(np.zeros((3, 1), "float32"))
    x = np.arange(5, dtype="float32")
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, model.predict(x[:, None], verbose=0), rtol=1e-6)
    assert out.shape == (5, 2)


def test_predict_without_batch_callbacks_matches_the_hooked_loop():
    # With no callback reading single batches, predict runs a leaner loop; the outputs must
    # be those of the loop that calls the batch hooks, and hooks still see every batch.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(50, 6)).astype("float32")
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append((batch, keras.ops.convert_to_numpy(logs["outputs"]).shape[0]))

    plain = model.predict(x, batch_size=16, verbose=0)
    hooked = model.predict(x, batch_size=16, verbose=0, callbacks=[Spy()])
    np.testing.assert_allclose(plain, hooked, rtol=1e-6, atol=1e-7)
    assert seen == [(0, 16), (1, 16), (2, 16), (3, 2)]
    np.testing.assert_allclose(plain.sum(axis=1), np.ones(50), rtol=1e-5)


def test_callback_list_reports_which_hooks_are_overridden():
    class OnPredictBatch(keras.callbacks.Callback):
        def on_predict_batch_begin(self, batch, logs=None):
            pass

    class OnBatch(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):  # Keras's alias of the train hook
            pass

    callbacks = keras.callbacks.CallbackList([OnPredictBatch()])
    assert callbacks.listens_to("on_predict_batch_begin")
    assert not callbacks.listens_to("on_predict_batch_end")
    assert not keras.callbacks.CallbackList([]).listens_to("on_predict_batch_end")
    assert keras.callbacks.CallbackList([OnBatch()]).listens_to("on_train_batch_end")


def test_relu_deferral_marker_is_per_thread():
    # While a Sequential defers a convolution's relu in one thread, the same layer called
    # in another thread still applies its relu.
    import threading

    from lamina.layers.convolutional.base_conv import RELU_DEFERRED

    conv = layers.Conv1D(3, 2, activation="relu")
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    conv(x)
    results = {}
    RELU_DEFERRED.layer = conv
    try:
        results["here"] = keras.ops.convert_to_numpy(conv(x))
        thread = threading.Thread(
            target=lambda: results.update(there=keras.ops.convert_to_numpy(conv(x))))
        thread.start()
        thread.join()
    finally:
        RELU_DEFERRED.layer = None
    assert results["here"].min() < 0.0  # deferred in this thread
    assert results["there"].min() >= 0.0
    np.testing.assert_allclose(results["there"], np.maximum(results["here"], 0.0), atol=1e-6)


# -- transposed storage of recurrent kernels ---------------------------------------------

def test_memory_order_keeps_shape_values_and_assignment():
    value = np.arange(12, dtype="float32").reshape(3, 4)
    variable = backend.Variable(value, name="k")
    variable._set_memory_order((1, 0))
    assert variable._memory_order == (1, 0)
    assert variable.shape == (3, 4)
    np.testing.assert_array_equal(variable.numpy(), value)
    variable.assign(value * 2)
    np.testing.assert_array_equal(variable.numpy(), value * 2)
    product = keras.ops.matmul(variable.value, np.eye(4, dtype="float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(product), value * 2)
    if backend.backend() == "torch":  # (out, in) in memory: the transposed view is dense
        assert variable.value.t().is_contiguous()
        assert variable.value.requires_grad
    with pytest.raises(ValueError, match=r"Variable 'k'.*each of its 2 axes once.*\(0, 0\)"):
        variable._set_memory_order((0, 0))


@pytest.mark.parametrize("layer_fn", [lambda: layers.LSTM(5), lambda: layers.GRU(5)])
def test_transposed_recurrent_kernels_train_like_the_plain_update(layer_fn, monkeypatch):
    # The kernels (and their optimizer slots) are stored gates-outermost on torch; the fused
    # Adam kernel then runs on flat views. Same weights as the per-variable update.
    def train(fused):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((7, 3)), layer_fn(), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        rng = np.random.default_rng(2)
        x = rng.normal(size=(24, 7, 3)).astype("float32")
        y = rng.normal(size=(24, 1)).astype("float32")
        with monkeypatch.context() as patch:
            if not fused:
                patch.setattr(backend.optimizers, "adam_update", lambda *a, **k: False)
                patch.setattr(backend.optimizers, "adam_update_fused", lambda *a, **k: False)
            model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        return model

    fast, plain = train(True), train(False)
    kernel = fast.layers[0].cell.kernel if hasattr(fast.layers[0], "cell") else None
    if backend.backend() == "torch" and kernel is not None:
        assert kernel.value.t().is_contiguous()
        slots = [v for v in fast.optimizer.variables if "_kernel_" in v.name]
        assert slots and all(v._memory_order == (1, 0) for v in slots
                             if v.shape == kernel.shape and "recurrent" not in v.name)
    for a, b in zip(fast.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_fused_adam_takes_flat_views_of_transposed_tensors():
    if backend.backend() != "torch":
        pytest.skip("torch's fused Adam kernel")
    import torch

    from lamina.backend.torch import optimizers as torch_optimizers

    rng = np.random.default_rng(0)
    start = rng.normal(size=(4, 6)).astype("float32")
    grads = [rng.normal(size=(4, 6)).astype("float32") for _ in range(3)]

    def run(transposed):
        def make(array):
            t = torch.tensor(array)
            return t.t().contiguous().t() if transposed else t

        var, m, v = make(start), make(np.zeros_like(start)), make(np.zeros_like(start))
        iterations = torch.tensor(0.0)
        for g in grads:
            assert torch_optimizers.adam_update_fused(
                [var], [make(g)], [m], [v], torch.tensor(0.01), iterations, 0.9, 0.999, 1e-7)
            iterations += 1
        assert var.stride() == make(start).stride()  # updated in place, layout kept
        return var.numpy()

    np.testing.assert_allclose(run(True), run(False), rtol=1e-6, atol=1e-7)


def test_lstm_with_transposed_kernels_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 3)), layers.LSTM(6), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4, 3)).astype("float32")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# -- Sequential calls layers that need nothing around call() directly --------------------

def test_plain_calls_keep_training_flag_per_call():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((50,)), layers.Dense(50, kernel_initializer="ones"),
                              layers.Dropout(0.5)])
    x = np.ones((4, 50), "float32")
    first = backend.convert_to_numpy(model(x, training=False))
    second = backend.convert_to_numpy(model(x, training=False))  # the direct calls
    np.testing.assert_array_equal(first, second)
    dropped = backend.convert_to_numpy(model(x, training=True))
    assert (dropped == 0).mean() > 0.2  # dropout ran: training reached the layer
    np.testing.assert_array_equal(backend.convert_to_numpy(model(x, training=False)), first)


def test_plain_calls_notice_an_activity_regularizer_added_later():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_initializer="ones")])
    x = np.ones((2, 3), "float32")
    model(x)
    model(x)
    assert not model.losses
    model.layers[0].activity_regularizer = keras.regularizers.L2(0.5)
    model(x)
    # 0.5 * sum(3.0 ** 2 over a (2, 2) output) / batch 2
    np.testing.assert_allclose(float(backend.convert_to_numpy(model.losses[0])), 9.0, rtol=1e-6)


def test_plain_calls_notice_a_new_dtype_policy():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    x = np.ones((2, 3), "float32")
    model(x)
    model(x)
    dense = model.layers[0]
    dense.dtype_policy = keras.DTypePolicy("mixed_float16")
    assert backend.standardize_dtype(model(x).dtype) == "float16"


def test_plain_calls_keep_masks_flowing():
    model = keras.Sequential([keras.Input((4,)), layers.Embedding(10, 3, mask_zero=True),
                              layers.Dense(3), layers.LSTM(2)])
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    out = [backend.convert_to_numpy(model(x)) for _ in range(3)]
    short = backend.convert_to_numpy(model(x[:, :2]))
    # Masked (padded) steps change nothing: the first row's result with 2 steps is the same.
    np.testing.assert_allclose(out[2][0], short[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[0], out[2])


# -- automatic steps per execution (engines with compiled steps) ---------------------------

def _auto_fit(monkeypatch, auto, callbacks=None, epochs=3):
    from lamina.trainers import engine
    from lamina.trainers import trainer

    monkeypatch.setattr(trainer, "_AUTO_STEP_MAX_S", 60.0)  # any step counts as short
    if not auto:
        monkeypatch.setattr(engine, "AUTO_STEPS_PER_EXECUTION", False, raising=False)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.3), layers.BatchNormalization(),
                              layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(1)
    # 40 steps per epoch: the first epoch times 39 of them; later epochs run 2 x 16 steps
    # per call and the remaining 8 one by one.
    x, y = rng.normal(size=(320, 6)).astype("float32"), rng.normal(size=(320, 3)).astype("float32")
    history = model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, callbacks=callbacks)
    return model, history


def test_automatic_steps_per_execution_trains_the_same_weights(monkeypatch):
    auto, auto_history = _auto_fit(monkeypatch, auto=True)
    with monkeypatch.context() as patch:
        plain, plain_history = _auto_fit(patch, auto=False)
    compiled = getattr(auto._step_functions["train"], "compiled", {})
    # JAX runs later epochs 16 steps per compiled call; torch runs every step as it comes.
    assert ("many" in compiled) == (backend.backend() == "jax")
    assert "many" not in getattr(plain._step_functions["train"], "compiled", {})
    for a, b in zip(auto.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(auto_history.history[key], plain_history.history[key],
                                   rtol=1e-5)


@pytest.mark.jax_only
def test_automatic_steps_compile_during_the_first_epoch(monkeypatch):
    import jax

    from lamina.trainers import jax_trainer

    monkeypatch.setattr(jax_trainer, "_spare_core_for_compiling", lambda: True)
    auto, auto_history = _auto_fit(monkeypatch, auto=True)
    many = auto._step_functions["train"].compiled["many"]
    assert isinstance(many, jax.stages.Compiled)  # compiled ahead, on the background thread
    with monkeypatch.context() as patch:
        plain, plain_history = _auto_fit(patch, auto=False)
    for a, b in zip(auto.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(auto_history.history["loss"], plain_history.history["loss"],
                               rtol=1e-5)


@pytest.mark.jax_only
def test_a_precompiled_step_for_other_shapes_gives_way_to_the_jitted_one(monkeypatch):
    import jax

    from lamina.trainers import jax_trainer

    monkeypatch.setattr(jax_trainer, "_spare_core_for_compiling", lambda: True)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    train_fn = model._step_functions["train"]
    compiled = train_fn.compiled
    compiled.pop("many")
    # Compiled for batches of 3 rows; fit then stacks batches of 2.
    train_fn.precompile_many((x[:3], y[:3]), 2)
    assert isinstance(compiled["many"], jax_trainer._Precompiled)
    expected = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    expected.set_weights(model.get_weights())
    expected.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    expected.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert not isinstance(compiled["many"], (jax_trainer._Precompiled, jax.stages.Compiled))
    for a, b in zip(model.get_weights(), expected.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_callback_watching_batches_sees_every_batch(monkeypatch):
    class Counter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    counter = Counter()
    model, _ = _auto_fit(monkeypatch, auto=True, callbacks=[counter])
    assert counter.batches == list(range(40)) * 3
    assert "many" not in getattr(model._step_functions["train"], "compiled", {})


# -- Functional models take the same direct calls for ``layer(x)`` nodes -----------------

def _functional(*stack, shape=(50,), dtype="float32"):
    inputs = keras.Input(shape, dtype=dtype)
    x = inputs
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x)


def test_functional_plain_calls_are_taken_and_keep_training_flag_per_call(monkeypatch):
    from lamina.models import functional

    direct = []
    original = functional.call_plain

    def spy(layer, x):
        direct.append(layer.name)
        return original(layer, x)

    monkeypatch.setattr(functional, "call_plain", spy)
    keras.utils.set_random_seed(0)
    model = _functional(layers.Dense(50, kernel_initializer="ones", name="d"),
                        layers.Dropout(0.5, name="drop"))
    x = np.ones((4, 50), "float32")
    first = backend.convert_to_numpy(model(x, training=False))
    assert direct == []  # the first call goes through the full layer call
    second = backend.convert_to_numpy(model(x, training=False))
    assert direct == ["d", "drop"]
    np.testing.assert_array_equal(first, second)
    dropped = backend.convert_to_numpy(model(x, training=True))
    assert (dropped == 0).mean() > 0.2  # dropout ran: training reached the layer
    np.testing.assert_array_equal(backend.convert_to_numpy(model(x, training=False)), first)


def test_functional_plain_calls_notice_regularizers_and_dtype_policies():
    model = _functional(layers.Dense(2, kernel_initializer="ones"), shape=(3,))
    x = np.ones((2, 3), "float32")
    model(x)
    model(x)
    assert not model.losses
    dense = model.layers[1]
    dense.activity_regularizer = keras.regularizers.L2(0.5)
    model(x)
    np.testing.assert_allclose(float(backend.convert_to_numpy(model.losses[0])), 9.0, rtol=1e-6)
    dense.activity_regularizer = None
    model(x)
    dense.dtype_policy = keras.DTypePolicy("mixed_float16")
    assert backend.standardize_dtype(model(x).dtype) == "float16"


def test_functional_plain_calls_keep_masks_flowing_and_match_keras_semantics():
    model = _functional(layers.Embedding(10, 3, mask_zero=True), layers.Dense(3),
                        layers.LSTM(2), shape=(None,), dtype="int32")
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    out = [backend.convert_to_numpy(model(x)) for _ in range(3)]
    short = backend.convert_to_numpy(model(x[:, :2]))
    np.testing.assert_allclose(out[2][0], short[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[0], out[2])


def test_functional_plain_calls_train_the_same_weights_as_full_calls(monkeypatch):
    from lamina.models import functional

    def run(direct):
        if not direct:
            monkeypatch.setattr(functional, "plain_call_ready", lambda layer, x: False)
        keras.utils.set_random_seed(0)
        inputs = keras.Input((6,))
        h = layers.Dense(8, activation="relu")(inputs)
        h = layers.LayerNormalization()(layers.Add()([h, layers.Dense(8)(h)]))
        model = keras.Model(inputs, layers.Dense(3)(layers.Dropout(0.2)(h)))
        model.compile(optimizer="adam", loss="mse")
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(32, 6)).astype("float32"), rng.normal(size=(32, 3))
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        return model.get_weights(), model.predict(x, verbose=0)

    fast, full = run(True), run(False)
    for a, b in zip(fast[0] + [fast[1]], full[0] + [full[1]]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_functional_multi_input_calls_go_direct_and_match_full_calls(monkeypatch):
    # layer([a, b]) nodes (Add) call `call` directly after one full call; the results and
    # training match the full path exactly (MultiHeadAttention's projections also go direct).
    from lamina.models import functional

    direct = []
    original = functional.call_plain_many

    def spy(layer, xs, as_list):
        direct.append(layer.name)
        return original(layer, xs, as_list)

    monkeypatch.setattr(functional, "call_plain_many", spy)

    def run(shortcut):
        if not shortcut:
            monkeypatch.setattr(functional, "plain_call_many_ready", lambda layer, xs: False)
        keras.utils.set_random_seed(0)
        inputs = keras.Input((5, 8))
        a = layers.MultiHeadAttention(2, 4, dropout=0.1, name="mha")(inputs, inputs)
        h = layers.LayerNormalization()(layers.Add(name="add")([inputs, a]))
        model = keras.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling1D()(h)))
        model.compile(optimizer="adam", loss="mse")
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(16, 5, 8)).astype("float32"), rng.normal(size=(16, 1))
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        calls = [backend.convert_to_numpy(model(x)) for _ in range(2)]  # eager calls
        return model.get_weights() + calls, model.predict(x, verbose=0)

    fast = run(True)
    assert "add" in direct  # (MultiHeadAttention has its own __call__: always the full path)
    full = run(False)
    for a, b in zip(fast[0] + [fast[1]], full[0] + [full[1]]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_functional_multi_input_calls_keep_masks_and_regularizers():
    inputs = keras.Input((None,), dtype="int32")
    e1 = layers.Embedding(10, 4, mask_zero=True)(inputs)
    e2 = layers.Embedding(10, 4, mask_zero=True)(inputs)
    add = layers.Add()
    model = keras.Model(inputs, layers.LSTM(2)(add([e1, e2])))
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    out = [backend.convert_to_numpy(model(x)) for _ in range(3)]
    short = backend.convert_to_numpy(model(x[:, :2]))
    # The inputs' masks still reach the LSTM through Add on every call.
    np.testing.assert_allclose(out[2][0], short[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[0], out[2])
    a, b = keras.Input((3,)), keras.Input((3,))
    merge = layers.Add()
    model = keras.Model([a, b], merge([a, b]))
    ones = np.ones((2, 3), "float32")
    model([ones, ones])
    model([ones, ones])
    assert not model.losses
    merge.activity_regularizer = keras.regularizers.L1(0.5)
    model([ones, ones])
    # 0.5 * sum(|2| over a (2, 3) output) / batch 2
    np.testing.assert_allclose(float(backend.convert_to_numpy(model.losses[0])), 3.0, rtol=1e-6)


def test_attention_projections_called_directly_match_full_calls(monkeypatch):
    from lamina.layers import layer as layer_module

    def run(shortcut):
        if not shortcut:
            monkeypatch.setattr(layer_module, "plain_call_ready", lambda layer, x: False)
        keras.utils.set_random_seed(0)
        mha = layers.MultiHeadAttention(2, 4, use_bias=True)
        q = np.random.default_rng(0).normal(size=(2, 3, 8)).astype("float32")
        v = np.random.default_rng(1).normal(size=(2, 5, 8)).astype("float32")
        return [backend.convert_to_numpy(mha(q, v)) for _ in range(3)]

    fast, full = run(True), run(False)
    for a, b in zip(fast, full):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


class _HostLayer(layers.Layer):
    """Runs NumPy on its input (impossible inside a compiled JAX step)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_jit = False

    def call(self, inputs):
        return keras.ops.convert_to_tensor(np.asarray(keras.ops.convert_to_numpy(inputs)) * 2.0)


def test_a_layer_that_does_not_support_jit_makes_auto_run_eagerly():
    # As Keras resolves jit_compile="auto": a layer with supports_jit=False (host code such
    # as Hashing) turns compilation off, so fit and predict work without jit_compile=False.
    model = keras.Sequential([keras.Input((3,)), _HostLayer(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert model.jit_compile is False
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    history = model.fit(x, np.ones((16, 1), "float32"), batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.predict(x, verbose=0).shape == (16, 1)
    plain = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    plain.compile(optimizer="sgd", loss="mse")
    assert plain.jit_compile == "auto"
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    assert model.jit_compile is True  # an explicit choice is kept

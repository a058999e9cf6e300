"""Sequential, Functional and subclassed models: structure, shapes, weights, summary."""

import os
import subprocess
import sys

import numpy as np
import pytest

import lamina as keras
from lamina import backend
from lamina import layers
from lamina import ops


def test_sequential_accepts_input_shape_input_dim_and_batch_input_shape():
    for first in (layers.Dense(3, input_shape=(5,)), layers.Dense(3, input_dim=5),
                  layers.Dense(3, batch_input_shape=(None, 5))):
        model = keras.Sequential([first, layers.Dense(2)])
        assert model.input_shape == (None, 5)
        assert model.output_shape == (None, 2)
        assert model.count_params() == 5 * 3 + 3 + 3 * 2 + 2


def test_sequential_add_and_pop():
    model = keras.Sequential()
    model.add(keras.Input((4,)))
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, layers.Dense)
    assert model.output_shape == (None, 3)
    assert len(model.layers) == 1


def test_sequential_without_input_builds_on_first_call():
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    assert not model.built
    out = model(np.ones((2, 7), dtype="float32"))
    assert tuple(out.shape) == (2, 1)
    assert model.layers[0].kernel.shape == (7, 3)


def test_functional_shared_layer_and_nested_model():
    shared = layers.Dense(4, name="shared")
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, layers.Dense(2)(inner_in), name="inner")
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    out = layers.Add()([inner(shared(a)), inner(shared(b))])
    model = keras.Model([a, b], out)
    x1 = np.random.rand(5, 3).astype("float32")
    x2 = np.random.rand(5, 3).astype("float32")
    result = model.predict([x1, x2], verbose=0)
    k, bias = shared.get_weights()
    k2, b2 = inner.layers[-1].get_weights()
    expected = (x1 @ k + bias) @ k2 + b2 + (x2 @ k + bias) @ k2 + b2
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)
    assert len(model.weights) == 4


def test_functional_dict_inputs_and_outputs():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    merged = layers.Concatenate()([a, b])
    model = keras.Model({"a": a, "b": b}, {"sum": layers.Dense(1, name="s")(merged),
                                           "pair": layers.Dense(2, name="p")(merged)})
    out = model({"a": np.ones((4, 2)), "b": np.ones((4, 3))})
    assert set(out) == {"sum", "pair"}
    assert tuple(out["pair"].shape) == (4, 2)


def test_symbolic_operators_build_graph_nodes():
    x = keras.Input((3,))
    y = layers.Dense(3)(x) * 2.0 + x
    model = keras.Model(x, y[:, :2])
    data = np.random.rand(2, 3).astype("float32")
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(data, verbose=0),
                               ((data @ kernel + bias) * 2 + data)[:, :2], rtol=1e-5)


def test_freezing_a_layer_keeps_its_weights_during_fit():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    trained = [w.copy() for w in model.layers[1].get_weights()]
    model.fit(np.random.rand(32, 3), np.random.rand(32, 1), epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(trained[0], model.layers[1].get_weights()[0])
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2


def test_regularization_losses_join_the_training_loss():
    model = keras.Sequential([layers.Dense(
        2, input_shape=(3,), kernel_initializer="ones", use_bias=False,
        kernel_regularizer=keras.regularizers.L2(0.1))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((4, 3), dtype="float32"), np.zeros((4, 2), dtype="float32")
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(0.1 * 6)


def test_add_loss_in_call_is_added_to_the_loss():
    class Penalized(layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x) * 0.0 + 1.5)
            return x

    model = keras.Sequential([keras.Input((2,)), Penalized(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    zeros = np.zeros((4, 2), dtype="float32")
    model.layers[1].set_weights([np.zeros((2, 1)), np.zeros((1,))])
    assert model.evaluate(zeros, np.zeros((4, 1)), verbose=0) == pytest.approx(1.5)


def test_get_layer_by_name_and_index():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="first"),
                              layers.Dense(1, name="second")])
    assert model.get_layer("second") is model.layers[1]
    assert model.get_layer(index=0).name == "first"
    with pytest.raises(ValueError, match="No such layer: 'third'"):
        model.get_layer("third")


def test_summary_prints_keras_layout():
    model = keras.Sequential([layers.Dense(512, activation="relu", input_shape=(784,)),
                              layers.Dense(10)], name="mlp")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "mlp"' in text
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "(None, 512)" in text and "401,920" in text
    assert "Total params: 407,050 (1.55 MB)" in text
    assert "Trainable params: 407,050" in text
    assert "Non-trainable params: 0 (0.00 B)" in text


def test_train_test_predict_on_batch():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.ones((8, 2), dtype="float32"), np.zeros((8, 1), dtype="float32")
    loss, mae = model.train_on_batch(x, y)
    assert np.isfinite(loss) and np.isfinite(mae)
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    assert model.predict_on_batch(x).shape == (8, 1)


@pytest.mark.torch_only
def test_torch_layers_are_modules_with_parameters():
    import torch

    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    assert isinstance(model, torch.nn.Module)
    assert sum(p.numel() for p in model.parameters()) == 2 * 3 + 3 + 3 + 1


_PARITY_SCRIPT = """
import numpy as np, sys
import lamina as keras
from lamina import layers
rng = np.random.default_rng(0)
model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="gelu"),
                          layers.LayerNormalization(), layers.Dense(4, activation="softmax")])
model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(5, 6)).astype("float32")
np.save(sys.argv[1], model.predict(x, verbose=0))
"""


def test_same_weights_predict_the_same_on_torch_and_jax(tmp_path):
    outputs = {}
    for name in ("torch", "jax"):
        path = tmp_path / f"{name}.npy"
        env = dict(os.environ, LAMINA_BACKEND=name)
        subprocess.run([sys.executable, "-c", _PARITY_SCRIPT, str(path)], env=env, check=True)
        outputs[name] = np.load(path)
    assert np.max(np.abs(outputs["torch"] - outputs["jax"])) <= 1e-5
    assert backend.backend() in outputs


def test_ops_on_symbolic_tensors_build_graph_nodes_and_save(tmp_path):
    x = keras.Input((4,))
    y = ops.expand_dims(x, -1)
    z = ops.concatenate([y, y * 2.0], axis=-1)
    w = ops.sum(z, axis=1)[:, :1]
    model = keras.Model(x, layers.Dense(2)(ops.relu(w)))
    assert ops.ndim(x) == 2 and ops.shape(x) == (None, 4)
    data = np.random.rand(3, 4).astype("float32")
    kernel, bias = model.layers[-1].get_weights()
    expected = np.maximum(data.sum(axis=1, keepdims=True), 0) @ kernel + bias
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5)
    model.save(tmp_path / "ops.keras")
    loaded = keras.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-5)


def test_clone_model_copies_architecture_not_weights():
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    clone = keras.models.clone_model(model)
    assert clone.output_shape == (None, 1)
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    clone.set_weights(model.get_weights())
    data = np.random.rand(4, 2).astype("float32")
    np.testing.assert_allclose(clone.predict(data, verbose=0), model.predict(data, verbose=0))


def test_config_module_mirrors_keras_config():
    assert keras.config.backend() == backend.backend()
    assert keras.config.floatx() == "float32"
    assert keras.config.epsilon() == pytest.approx(1e-7)


def test_get_weights_returns_copies_not_views_of_live_weights():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    before = model.get_weights()
    snapshot = [w.copy() for w in before]
    model.layers[0].kernel.assign(np.ones((3, 2)))
    for kept, original in zip(before, snapshot):
        np.testing.assert_array_equal(kept, original)

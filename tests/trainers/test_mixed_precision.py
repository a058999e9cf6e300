"""Mixed precision: float16 / bfloat16 compute, float32 weights, loss scaling for float16."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import lamina as keras
from lamina import layers
from lamina import ops


@pytest.fixture
def policy():
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy(None)


def test_policy_names_compute_and_variable_dtypes():
    p = keras.mixed_precision.DTypePolicy("mixed_bfloat16")
    assert (p.compute_dtype, p.variable_dtype) == ("bfloat16", "float32")
    with pytest.raises(ValueError, match="Unknown dtype policy 'mixed_int8'"):
        keras.mixed_precision.DTypePolicy("mixed_int8")


def test_layer_under_mixed_policy_computes_in_16_bits_with_float32_weights(policy):
    policy("mixed_float16")
    layer = layers.Dense(3)
    out = layer(np.ones((2, 4), dtype="float32"))
    assert ops.dtype(out) == "float16"
    assert layer.kernel.dtype == "float32"
    assert layer.compute_dtype == "float16" and layer.dtype == "float32"


def _digits_accuracy(policy_name):
    keras.mixed_precision.set_global_policy(policy_name)
    try:
        keras.utils.set_random_seed(0)
        digits = load_digits()
        x = (digits.data / 16.0).astype("float32")
        x_train, x_test, y_train, y_test = train_test_split(
            x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
        model = keras.Sequential([
            keras.Input((64,)), layers.Dense(64, activation="relu"),
            layers.Dense(10), layers.Activation("softmax", dtype="float32")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=8, batch_size=32, verbose=0)
        return model, model.evaluate(x_test, y_test, verbose=0)[1]
    finally:
        keras.mixed_precision.set_global_policy(None)


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_digits_accuracy_matches_float32(name):
    _, reference = _digits_accuracy("float32")
    model, accuracy = _digits_accuracy(name)
    assert accuracy >= reference - 0.01
    assert all(w.dtype == np.float32 for w in model.get_weights())
    if name == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


def test_loss_scale_optimizer_skips_non_finite_steps_and_halves_scale():
    w = keras.Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=8.0)
    opt.apply([ops.convert_to_tensor(np.array([np.inf, 1.0], dtype="float32"))], [w])
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    assert float(opt.dynamic_scale.numpy()) == 4.0
    opt.apply([ops.convert_to_tensor(np.array([4.0, 8.0], dtype="float32"))], [w])
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.1, 2.0 - 0.2], rtol=1e-6)

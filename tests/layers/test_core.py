"""Core layers: Dense, Activation, Dropout, Lambda, Identity, Embedding, Input/InputLayer."""

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops

from .layer_checks import config_round_trip
from .layer_checks import keras
from .layer_checks import keras_output
from .layer_checks import lamina_grads
from .layer_checks import numeric_grad
from .layer_checks import random_array
from .layer_checks import reference_loss
from .layer_checks import to_numpy
from .layer_checks import weight_signature


# -- Dense -----------------------------------------------------------------------------------
def _dense_reference(x, kernel, bias):
    return np.maximum(x @ kernel + bias, 0.0)


def test_dense_matches_numpy_reference():
    layer = layers.Dense(4, activation="relu", bias_initializer="random_normal")
    x = random_array(3, 5)
    out = to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, _dense_reference(x, kernel, bias), rtol=1e-5, atol=1e-6)


def test_dense_multiplies_along_last_axis_of_rank3_input():
    layer = layers.Dense(2)
    x = random_array(2, 3, 4)
    out = to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_dense_gradients_match_finite_differences():
    layer = layers.Dense(3, activation="tanh", bias_initializer="random_normal")
    x = random_array(2, 4, seed=1)
    projection = random_array(2, 3, seed=2)
    layer(x)
    kernel, bias = layer.get_weights()
    grads = lamina_grads(layer, [x], [layer.kernel, layer.bias], projection)

    def reference(x_, k_=kernel, b_=bias):
        return np.tanh(x_ @ k_ + b_)

    loss = reference_loss(reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda k: loss(x, k), kernel),
                               rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda b: loss(x, kernel, b), bias),
                               rtol=1e-3, atol=1e-5)


def test_dense_config_round_trip_gives_same_output():
    layer = layers.Dense(3, activation="sigmoid", use_bias=False)
    expected, actual = config_round_trip(layer, random_array(2, 4))
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_dense_matches_keras_with_same_weights():
    k_layer = keras().layers.Dense(3, activation="relu", bias_initializer="random_normal")
    x = random_array(4, 5)
    k_layer(x)
    layer = layers.Dense(3, activation="relu")
    layer(x)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), keras_output(k_layer, x), atol=1e-5)
    assert weight_signature(layer) == weight_signature(k_layer)


def test_dense_symbolic_output_shape():
    assert layers.Dense(7)(layers.Input((4, 3))).shape == (None, 4, 7)


def test_dense_error_names_layer_and_both_sizes_when_last_dim_changes():
    layer = layers.Dense(2, name="my_dense")
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError) as info:
        layer(np.ones((1, 4), "float32"))
    message = str(info.value)
    assert '"my_dense"' in message and "3" in message and "(1, 4)" in message


def test_dense_rejects_non_positive_units():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)


# -- Activation ------------------------------------------------------------------------------
def test_activation_applies_named_function():
    x = random_array(2, 3)
    np.testing.assert_allclose(to_numpy(layers.Activation("tanh")(x)), np.tanh(x),
                               rtol=1e-6)


def test_activation_config_round_trip_gives_same_output():
    expected, actual = config_round_trip(layers.Activation("softplus"), random_array(2, 3))
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_activation_symbolic_output_shape():
    assert layers.Activation("relu")(layers.Input((4, 3))).shape == (None, 4, 3)


# -- Dropout ---------------------------------------------------------------------------------
def test_dropout_is_identity_when_not_training():
    x = random_array(4, 5)
    np.testing.assert_array_equal(to_numpy(layers.Dropout(0.5)(x)), x)


def test_dropout_zeroes_and_rescales_when_training():
    x = np.ones((50, 40), "float32")
    out = to_numpy(layers.Dropout(0.25, seed=3)(x, training=True))
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert 0.6 < kept.mean() < 0.9


def test_dropout_rejects_rate_of_one():
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.0)


# -- Lambda ----------------------------------------------------------------------------------
def test_lambda_applies_function_with_arguments():
    layer = layers.Lambda(lambda x, scale: x * scale, arguments={"scale": 3.0})
    x = random_array(2, 3)
    np.testing.assert_allclose(to_numpy(layer(x)), 3.0 * x, rtol=1e-6)


def test_lambda_symbolic_output_shape_is_inferred():
    layer = layers.Lambda(lambda x: ops.sum(x, axis=-1))
    assert layer(layers.Input((4, 3))).shape == (None, 4)


# -- Identity --------------------------------------------------------------------------------
def test_identity_returns_input_unchanged():
    x = random_array(2, 3)
    np.testing.assert_array_equal(to_numpy(layers.Identity()(x)), x)


def test_identity_passes_nested_structures_through():
    x, y = random_array(2, 3), random_array(2, 1)
    out = layers.Identity()({"a": x, "b": [y]})
    np.testing.assert_array_equal(to_numpy(out["a"]), x)
    np.testing.assert_array_equal(to_numpy(out["b"][0]), y)


def test_identity_symbolic_output_keeps_dtype():
    out = layers.Identity()(layers.Input((4, 3), dtype="int32"))
    assert out.shape == (None, 4, 3) and out.dtype == "int32"


def test_identity_matches_keras_config():
    config = layers.Identity(name="ident").get_config()
    k_config = keras().layers.Identity(name="ident").get_config()
    assert set(config) == set(k_config)


# -- Embedding -------------------------------------------------------------------------------
def test_embedding_looks_up_rows_of_the_table():
    layer = layers.Embedding(6, 3)
    ids = np.array([[0, 5, 2], [2, 2, 1]])
    out = to_numpy(layer(ids))
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(out, table[ids])


def test_embedding_casts_float_ids_to_int():
    layer = layers.Embedding(4, 2)
    out = to_numpy(layer(np.array([[1.0, 3.0]], "float32")))
    np.testing.assert_array_equal(out, layer.get_weights()[0][[[1, 3]]])


def test_embedding_default_initializer_is_uniform_005():
    layer = layers.Embedding(200, 50)
    layer.build()
    values = layer.get_weights()[0]
    assert values.min() >= -0.05 and values.max() <= 0.05 and values.std() > 0.02


def test_embedding_weight_gradient_accumulates_repeated_ids():
    layer = layers.Embedding(4, 2)
    ids = np.array([[1, 3, 1]])
    projection = random_array(1, 3, 2, seed=5)
    layer(ids)
    _, grads = lamina.backend.value_and_grad(
        lambda: ops.sum(ops.multiply(layer(ids), projection)), [layer.embeddings])
    expected = np.zeros((4, 2), "float32")
    np.add.at(expected, ids[0], projection[0])
    np.testing.assert_allclose(to_numpy(grads[0]), expected, rtol=1e-6)


def test_embedding_compute_mask_marks_padding_id_zero():
    layer = layers.Embedding(5, 2, mask_zero=True)
    mask = to_numpy(layer.compute_mask(ops.convert_to_tensor(np.array([[0, 3, 0, 1]]))))
    np.testing.assert_array_equal(mask, [[False, True, False, True]])


def test_embedding_compute_mask_is_none_without_mask_zero():
    assert layers.Embedding(5, 2).compute_mask(np.array([[0, 1]])) is None


def test_embedding_weights_argument_sets_the_table():
    table = random_array(3, 2)
    layer = layers.Embedding(3, 2, weights=table)
    np.testing.assert_array_equal(to_numpy(layer(np.array([[2, 0]]))), table[[[2, 0]]])


def test_embedding_matches_keras_with_same_weights():
    ids = np.array([[0, 3, 4], [1, 1, 2]])
    k_layer = keras().layers.Embedding(5, 3)
    k_layer(ids)
    layer = layers.Embedding(5, 3)
    layer(ids)
    assert weight_signature(layer) == weight_signature(k_layer)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(ids)), keras_output(k_layer, ids), atol=1e-6)


def test_embedding_config_matches_keras_keys():
    config = layers.Embedding(5, 3).get_config()
    k_config = keras().layers.Embedding(5, 3).get_config()
    assert set(config) == set(k_config)
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"


def test_embedding_config_round_trip_gives_same_output():
    layer = layers.Embedding(5, 3, mask_zero=True)
    expected, actual = config_round_trip(layer, np.array([[0, 4, 2]]))
    np.testing.assert_array_equal(actual, expected)


def test_embedding_symbolic_output_shape_and_dtype():
    out = layers.Embedding(10, 4)(layers.Input((6,), dtype="int32"))
    assert out.shape == (None, 6, 4) and out.dtype == "float32"


@pytest.mark.parametrize("kwargs", [{"input_dim": 0, "output_dim": 2},
                                    {"input_dim": 3, "output_dim": 2.5}])
def test_embedding_rejects_non_positive_int_sizes(kwargs):
    with pytest.raises(ValueError, match="must be a positive integer"):
        layers.Embedding(**kwargs)


# -- Input / InputLayer ----------------------------------------------------------------------
def test_input_gives_symbolic_tensor_with_batch_axis():
    x = layers.Input(shape=(3,), dtype="int32")
    assert lamina.backend.is_keras_tensor(x)
    assert x.shape == (None, 3) and x.dtype == "int32"


def test_input_batch_size_fixes_first_dimension():
    assert layers.Input(shape=(3, 2), batch_size=8).shape == (8, 3, 2)


def test_input_layer_requires_a_shape():
    with pytest.raises(ValueError, match="shape"):
        layers.InputLayer()

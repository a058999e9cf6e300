"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

import numpy as np
import pytest

from lamina import layers

from .layer_checks import config_round_trip
from .layer_checks import keras
from .layer_checks import keras_output
from .layer_checks import lamina_grads
from .layer_checks import numeric_grad
from .layer_checks import random_array
from .layer_checks import reference_loss
from .layer_checks import to_numpy
from .layer_checks import weight_signature


def _relu_reference(max_value=None, negative_slope=0.0, threshold=0.0):
    def reference(x):
        out = np.where(x > threshold, x, negative_slope * (x - threshold))
        return out if max_value is None else np.minimum(out, max_value)

    return reference


def _softmax_reference(axis):
    def reference(x):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    return reference


# (Keras class name, constructor kwargs, NumPy reference)
STATELESS = {
    "relu": ("ReLU", {}, _relu_reference()),
    "relu_capped_leaky": ("ReLU", {"max_value": 0.5, "negative_slope": 0.1},
                          _relu_reference(0.5, 0.1)),
    "relu_threshold": ("ReLU", {"threshold": 0.25, "negative_slope": 0.2},
                       _relu_reference(None, 0.2, 0.25)),
    "leaky_relu": ("LeakyReLU", {}, lambda x: np.where(x >= 0, x, 0.3 * x)),
    "leaky_relu_slope": ("LeakyReLU", {"negative_slope": 0.05},
                         lambda x: np.where(x >= 0, x, 0.05 * x)),
    "elu": ("ELU", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    "elu_alpha": ("ELU", {"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "softmax": ("Softmax", {}, _softmax_reference(-1)),
    "softmax_axis1": ("Softmax", {"axis": 1}, _softmax_reference(1)),
    "softmax_two_axes": ("Softmax", {"axis": [1, 2]}, _softmax_reference((1, 2))),
}


def _input(seed=0):
    # Values away from the kinks (0, threshold, max_value) so differences stay smooth.
    x = random_array(2, 3, 4, seed=seed, low=-2.0, high=2.0)
    for kink in (0.0, 0.25, 0.5):
        x = np.where(np.abs(x - kink) < 0.02, x + 0.05, x).astype("float32")
    return x


@pytest.mark.parametrize("case", sorted(STATELESS))
def test_activation_layer_matches_numpy_reference(case):
    name, kwargs, reference = STATELESS[case]
    x = _input()
    np.testing.assert_allclose(to_numpy(getattr(layers, name)(**kwargs)(x)), reference(x),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(STATELESS))
def test_activation_layer_input_gradient_matches_finite_differences(case):
    name, kwargs, reference = STATELESS[case]
    x = _input(seed=1)
    projection = random_array(*x.shape, seed=2)
    (grad,) = lamina_grads(getattr(layers, name)(**kwargs), [x], (), projection)
    expected = numeric_grad(reference_loss(reference, projection), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("case", sorted(STATELESS))
def test_activation_layer_matches_keras(case):
    name, kwargs, _ = STATELESS[case]
    x = _input()
    expected = keras_output(getattr(keras().layers, name)(**kwargs), x)
    np.testing.assert_allclose(to_numpy(getattr(layers, name)(**kwargs)(x)), expected,
                               atol=1e-6)


@pytest.mark.parametrize("case", sorted(STATELESS))
def test_activation_layer_config_round_trip_gives_same_output(case):
    name, kwargs, _ = STATELESS[case]
    expected, actual = config_round_trip(getattr(layers, name)(**kwargs), _input())
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU"])
def test_activation_layer_config_has_keras_keys(name):
    assert set(getattr(layers, name)().get_config()) == \
        set(getattr(keras().layers, name)().get_config())


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU"])
def test_activation_layer_default_name_matches_keras(name):
    assert getattr(layers, name)().name.rstrip("_0123456789") == \
        getattr(keras().layers, name)().name.rstrip("_0123456789")


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU"])
def test_activation_layer_symbolic_output_shape(name):
    assert getattr(layers, name)()(layers.Input((4, 3))).shape == (None, 4, 3)


@pytest.mark.parametrize("kwargs, argument", [
    ({"max_value": -1.0}, "max_value"),
    ({"negative_slope": -0.1}, "negative_slope"),
    ({"threshold": -0.5}, "threshold"),
])
def test_relu_rejects_negative_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        layers.ReLU(**kwargs)


def test_leaky_relu_accepts_keras2_alpha_spelling():
    layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    np.testing.assert_allclose(to_numpy(layer(np.array([-2.0, 3.0], "float32"))), [-0.2, 3.0],
                               rtol=1e-6)


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(-0.1)


# -- PReLU -----------------------------------------------------------------------------------
def _prelu_reference(x, alpha):
    return np.where(x >= 0, x, alpha * x)


@pytest.mark.parametrize("shared_axes, alpha_shape", [
    (None, (3, 4)), (1, (1, 4)), ([1, 2], (1, 1)), ((2,), (3, 1)),
])
def test_prelu_alpha_shape_follows_shared_axes(shared_axes, alpha_shape):
    layer = layers.PReLU(shared_axes=shared_axes)
    layer(_input())
    assert weight_signature(layer) == [("alpha", alpha_shape)]


def test_prelu_starts_as_relu_with_zero_alpha():
    x = _input()
    np.testing.assert_allclose(to_numpy(layers.PReLU()(x)), np.maximum(x, 0), rtol=1e-6)


def test_prelu_matches_numpy_reference_with_learned_alpha():
    layer = layers.PReLU(alpha_initializer="random_uniform", shared_axes=[1])
    x = _input()
    out = to_numpy(layer(x))
    np.testing.assert_allclose(out, _prelu_reference(x, layer.get_weights()[0]), rtol=1e-5,
                               atol=1e-7)


def test_prelu_gradients_match_finite_differences():
    layer = layers.PReLU(alpha_initializer="random_uniform", shared_axes=[1])
    x = _input(seed=3)
    layer(x)
    alpha = layer.get_weights()[0]
    projection = random_array(*x.shape, seed=4)
    grads = lamina_grads(layer, [x], [layer.alpha], projection)
    loss = reference_loss(_prelu_reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(lambda v: loss(v, alpha), x), rtol=1e-3,
                               atol=1e-5)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda a: loss(x, a), alpha), rtol=1e-3,
                               atol=1e-5)


def test_prelu_matches_keras_with_same_weights():
    x = _input()
    k_layer = keras().layers.PReLU(alpha_initializer="random_uniform", shared_axes=[2])
    k_layer(x)
    layer = layers.PReLU(shared_axes=[2])
    layer(x)
    assert weight_signature(layer) == weight_signature(k_layer)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), keras_output(k_layer, x), atol=1e-6)


def test_prelu_config_round_trip_gives_same_output():
    layer = layers.PReLU(alpha_initializer="random_uniform", shared_axes=[1, 2])
    expected, actual = config_round_trip(layer, _input())
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_prelu_unknown_unshared_axis_raises_suggesting_shared_axes():
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU()(layers.Input((None, 3)))


def test_prelu_shared_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="no axis 3"):
        layers.PReLU(shared_axes=[3])(np.ones((2, 4), "float32"))


# -- Softmax with a mask ---------------------------------------------------------------------
def _masked_softmax_reference(x, mask):
    e = np.where(mask, np.exp(x - np.max(np.where(mask, x, -np.inf), -1, keepdims=True)), 0)
    total = np.sum(e, axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def test_softmax_mask_gives_masked_positions_zero_probability():
    x = _input()
    mask = np.random.default_rng(0).uniform(size=x.shape) > 0.3
    out = to_numpy(layers.Softmax()(x, mask=mask))
    np.testing.assert_allclose(out, _masked_softmax_reference(x, mask), rtol=1e-5, atol=1e-7)


def test_softmax_fully_masked_row_is_all_zero():
    mask = np.array([[True, True, False], [False, False, False]])
    out = to_numpy(layers.Softmax()(random_array(2, 3), mask=mask))
    np.testing.assert_array_equal(out[1], [0.0, 0.0, 0.0])


def test_softmax_broadcast_float_mask_matches_keras():
    x = _input()
    mask = np.array([[[1.0, 0.0, 1.0, 1.0]]], "float32")  # broadcasts over batch and rows
    expected = keras_output(keras().layers.Softmax(), x, mask=mask)
    np.testing.assert_allclose(to_numpy(layers.Softmax()(x, mask=mask)), expected, atol=1e-6)


def test_softmax_mask_that_does_not_broadcast_raises():
    with pytest.raises(ValueError, match="mask must be broadcastable"):
        layers.Softmax()(random_array(2, 3), mask=np.ones((2, 4), bool))


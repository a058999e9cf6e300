"""Normalization layers: BatchNormalization and LayerNormalization."""

import warnings

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

EPS = 1e-3


def _normalize(x, mean, var, gamma, beta, axes_shape):
    return (x - mean.reshape(axes_shape)) / np.sqrt(var.reshape(axes_shape) + EPS) \
        * gamma.reshape(axes_shape) + beta.reshape(axes_shape)


def _bn_training_reference(x, gamma, beta, axis=-1):
    axis = axis % x.ndim
    reduce = tuple(a for a in range(x.ndim) if a != axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    mean, var = x.mean(axis=reduce), x.var(axis=reduce)  # population variance
    return _normalize(x, mean, var, gamma, beta, shape), mean, var


def _random_bn(axis=-1, **kwargs):
    return layers.BatchNormalization(axis=axis, gamma_initializer="random_uniform",
                                     beta_initializer="random_normal", **kwargs)


# -- BatchNormalization ----------------------------------------------------------------------
@pytest.mark.parametrize("axis, shape", [(-1, (6, 3)), (-1, (2, 3, 4)), (1, (2, 3, 2, 2))])
def test_batch_norm_training_normalizes_with_batch_statistics(axis, shape):
    layer = _random_bn(axis)
    x = random_array(*shape, low=0.0, high=3.0)
    out = to_numpy(layer(x, training=True))
    gamma, beta = layer.get_weights()[:2]
    expected, _, _ = _bn_training_reference(x, gamma, beta, axis)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_batch_norm_training_updates_moving_statistics_with_momentum():
    layer = layers.BatchNormalization(momentum=0.8)
    batches = [random_array(5, 3, seed=s, low=0.0, high=4.0) for s in range(2)]
    moving_mean, moving_var = np.zeros(3), np.ones(3)
    for x in batches:
        layer(x, training=True)
        moving_mean = moving_mean * 0.8 + x.mean(0) * 0.2
        moving_var = moving_var * 0.8 + x.var(0) * 0.2
    np.testing.assert_allclose(to_numpy(layer.moving_mean.value), moving_mean, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(layer.moving_variance.value), moving_var, rtol=1e-5)


@pytest.mark.parametrize("training", [None, False])
def test_batch_norm_inference_uses_moving_statistics(training):
    layer = _random_bn()
    x = random_array(4, 3)
    layer(x)
    gamma, beta, _, _ = layer.get_weights()
    mean, var = np.array([0.5, -1.0, 2.0], "float32"), np.array([0.25, 4.0, 1.0], "float32")
    layer.set_weights([gamma, beta, mean, var])
    out = to_numpy(layer(x, training=training))
    np.testing.assert_allclose(out, _normalize(x, mean, var, gamma, beta, [1, -1]),
                               rtol=1e-5, atol=1e-6)


def test_batch_norm_inference_leaves_moving_statistics_unchanged():
    layer = layers.BatchNormalization()
    layer(random_array(4, 3), training=False)
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(3))
    np.testing.assert_array_equal(layer.get_weights()[3], np.ones(3))


def test_frozen_batch_norm_runs_in_inference_mode_even_when_training():
    layer = _random_bn()
    x = random_array(4, 3, low=0.0, high=3.0)
    expected = to_numpy(layer(x, training=False))
    layer.trainable = False
    out = to_numpy(layer(x, training=True))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(3))


def test_batch_norm_weights_are_gamma_beta_then_moving_statistics():
    layer = layers.BatchNormalization()
    layer(random_array(2, 5))
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]


@pytest.mark.parametrize("kwargs", [{}, {"center": False}, {"scale": False}, {"renorm": True}])
def test_batch_norm_weight_names_and_shapes_match_keras(kwargs):
    x = random_array(2, 3, 4)
    layer, k_layer = layers.BatchNormalization(**kwargs), keras().layers.BatchNormalization(
        **kwargs)
    layer(x)
    k_layer(x)
    assert weight_signature(layer) == weight_signature(k_layer)


def test_batch_norm_training_gradients_match_finite_differences():
    layer = _random_bn()
    x = random_array(4, 3, seed=1, low=0.0, high=2.0)
    layer(x)
    gamma, beta = layer.get_weights()[:2]
    projection = random_array(4, 3, seed=2)
    grads = lamina_grads(lambda v: layer(v, training=True), [x], [layer.gamma, layer.beta],
                         projection)

    def reference(x_, g_=gamma, b_=beta):
        return _bn_training_reference(x_, g_, b_)[0]

    loss = reference_loss(reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda g: loss(x, g), gamma), rtol=1e-3,
                               atol=1e-4)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda b: loss(x, gamma, b), beta),
                               rtol=1e-3, atol=1e-4)


def test_batch_norm_updates_moving_statistics_inside_value_and_grad():
    layer = layers.BatchNormalization(momentum=0.5)
    x = random_array(4, 3, low=0.0, high=2.0)
    layer(x)
    lamina.backend.value_and_grad(lambda: ops.sum(layer(x, training=True)), layer.trainable_weights)
    np.testing.assert_allclose(to_numpy(layer.moving_mean.value), 0.5 * x.mean(0), rtol=1e-5)


def test_batch_norm_updates_moving_statistics_in_compiled_fit_step():
    # fit runs the train step compiled (jax.jit on JAX), so this also checks that the
    # training branch traces: no Python control flow on tensor values.
    from lamina import models

    inputs = layers.Input((3,))
    bn = layers.BatchNormalization(momentum=0.5)
    model = models.Model(inputs, layers.Dense(1)(bn(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    x = random_array(8, 3, low=1.0, high=3.0)
    model.fit(x, np.zeros((8, 1), "float32"), batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(to_numpy(bn.moving_mean.value), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(to_numpy(bn.moving_variance.value), 0.5 + 0.5 * x.var(0),
                               rtol=1e-5)


@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_matches_keras_with_same_weights(training):
    x = random_array(6, 2, 3, low=-1.0, high=3.0)
    k_layer = keras().layers.BatchNormalization(
        momentum=0.9, gamma_initializer="random_uniform", beta_initializer="random_normal",
        moving_mean_initializer="random_normal", moving_variance_initializer="ones")
    k_layer(x)
    layer = layers.BatchNormalization(momentum=0.9)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    expected = keras_output(k_layer, x, training=training)
    np.testing.assert_allclose(to_numpy(layer(x, training=training)), expected, atol=1e-5)
    for ours, theirs in zip(layer.get_weights(), k_layer.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_batch_norm_renorm_matches_keras_over_two_training_steps():
    kwargs = {"renorm": True, "renorm_clipping": {"rmax": 1.5, "rmin": 0.5, "dmax": 0.3},
              "renorm_momentum": 0.5, "momentum": 0.6}
    batches = [random_array(5, 3, seed=s, low=-1.0, high=3.0) for s in range(2)]
    k_layer = keras().layers.BatchNormalization(**kwargs)
    layer = layers.BatchNormalization(**kwargs)
    for x in batches:
        expected = keras_output(k_layer, x, training=True)
        np.testing.assert_allclose(to_numpy(layer(x, training=True)), expected, atol=1e-5)
    for ours, theirs in zip(layer.get_weights(), k_layer.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_batch_norm_mask_leaves_masked_samples_out_of_statistics():
    layer = layers.BatchNormalization(momentum=0.0)
    x = random_array(2, 4, 3, low=0.0, high=2.0)
    mask = np.array([[True, True, False, True], [False, True, True, True]])
    layer(x, training=True, mask=mask)
    kept = x[mask]
    np.testing.assert_allclose(to_numpy(layer.moving_mean.value), kept.mean(0), rtol=1e-4)
    np.testing.assert_allclose(to_numpy(layer.moving_variance.value), kept.var(0), rtol=1e-4)


def test_batch_norm_config_round_trip_gives_same_output():
    layer = _random_bn(momentum=0.5, epsilon=1e-2)
    layer(random_array(4, 3), training=True)  # non-default moving statistics
    expected, actual = config_round_trip(layer, random_array(4, 3))
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_batch_norm_config_has_keras_keys():
    assert set(layers.BatchNormalization().get_config()) == \
        set(keras().layers.BatchNormalization().get_config())


def test_batch_norm_symbolic_output_shape():
    assert layers.BatchNormalization()(layers.Input((4, 3))).shape == (None, 4, 3)


def test_batch_norm_symbolic_call_in_training_leaves_moving_statistics_alone():
    layer = layers.BatchNormalization()
    layer(layers.Input((3,)), training=True)
    np.testing.assert_array_equal(layer.get_weights()[3], np.ones(3))


def test_batch_norm_unknown_feature_axis_raises():
    with pytest.raises(ValueError, match="known size on its feature axis"):
        layers.BatchNormalization()(layers.Input((4, None)))


def test_batch_norm_rejects_unknown_renorm_clipping_key():
    with pytest.raises(ValueError, match="rmax"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"max": 2.0})


def test_batch_norm_rejects_input_with_other_feature_size_after_build():
    layer = layers.BatchNormalization(name="bn")
    layer(random_array(2, 3))
    with pytest.raises(ValueError, match='"bn".*value 3'):
        layer(random_array(2, 4))


# -- LayerNormalization ----------------------------------------------------------------------
def _ln_reference(x, gamma, beta, axes):
    axes = tuple(sorted(a % x.ndim for a in axes))
    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + EPS)
    if gamma is not None:
        out = out * gamma.reshape(shape)
    if beta is not None:
        out = out + beta.reshape(shape)
    return out


def _random_ln(axis=-1, **kwargs):
    return layers.LayerNormalization(axis=axis, gamma_initializer="random_uniform",
                                     beta_initializer="random_normal", **kwargs)


LN_AXES = [-1, 1, [1, 2], [-2, -1]]


@pytest.mark.parametrize("axis", LN_AXES)
def test_layer_norm_matches_numpy_reference(axis):
    layer = _random_ln(axis)
    x = random_array(2, 3, 4, low=0.0, high=3.0)
    out = to_numpy(layer(x))
    gamma, beta = layer.get_weights()
    axes = axis if isinstance(axis, list) else [axis]
    np.testing.assert_allclose(out, _ln_reference(x, gamma, beta, axes), rtol=1e-4,
                               atol=1e-5)


# Keras 3.15 on torch fails for a non-trailing axis (axis=1 of a rank-3 input): its fused
# torch.layer_norm path only handles trailing axes, so that case is checked against NumPy only.
@pytest.mark.parametrize("axis", [-1, [1, 2], [-2, -1]])
def test_layer_norm_matches_keras_with_same_weights(axis):
    x = random_array(2, 3, 4, low=0.0, high=3.0)
    k_layer = keras().layers.LayerNormalization(axis=axis, gamma_initializer="random_uniform",
                                                beta_initializer="random_normal")
    k_layer(x)
    layer = layers.LayerNormalization(axis=axis)
    layer(x)
    assert weight_signature(layer) == weight_signature(k_layer)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), keras_output(k_layer, x), atol=1e-5)


@pytest.mark.parametrize("kwargs, names", [
    ({"center": False}, ["gamma"]), ({"scale": False}, ["beta"]),
    ({"center": False, "scale": False}, []),
])
def test_layer_norm_center_and_scale_choose_weights(kwargs, names):
    layer = layers.LayerNormalization(**kwargs)
    x = random_array(2, 5)
    out = to_numpy(layer(x))
    assert [w.name for w in layer.weights] == names
    gamma = layer.gamma.numpy() if layer.gamma is not None else None
    beta = layer.beta.numpy() if layer.beta is not None else None
    np.testing.assert_allclose(out, _ln_reference(x, gamma, beta, [-1]), rtol=1e-4, atol=1e-5)


def test_layer_norm_gradients_match_finite_differences():
    layer = _random_ln()
    x = random_array(2, 4, seed=1, low=0.0, high=2.0)
    layer(x)
    gamma, beta = layer.get_weights()
    projection = random_array(2, 4, seed=2)
    grads = lamina_grads(layer, [x], [layer.gamma, layer.beta], projection)

    def reference(x_, g_=gamma, b_=beta):
        return _ln_reference(x_, g_, b_, [-1])

    loss = reference_loss(reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda g: loss(x, g), gamma), rtol=1e-3,
                               atol=1e-4)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda b: loss(x, gamma, b), beta),
                               rtol=1e-3, atol=1e-4)


def test_layer_norm_rms_scaling_matches_keras():
    x = random_array(2, 3, 4, low=0.0, high=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn that rms_scaling is deprecated
        k_layer = keras().layers.LayerNormalization(rms_scaling=True,
                                                    gamma_initializer="random_uniform")
        k_layer(x)
        layer = layers.LayerNormalization(rms_scaling=True)
    layer(x)
    assert weight_signature(layer) == weight_signature(k_layer)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), keras_output(k_layer, x), atol=1e-5)


def test_layer_norm_config_round_trip_gives_same_output():
    layer = _random_ln([1, 2], epsilon=1e-2)
    expected, actual = config_round_trip(layer, random_array(2, 3, 4))
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_layer_norm_config_has_keras_keys():
    assert set(layers.LayerNormalization().get_config()) == \
        set(keras().layers.LayerNormalization().get_config())


def test_layer_norm_symbolic_output_shape():
    assert layers.LayerNormalization()(layers.Input((4, 3))).shape == (None, 4, 3)


def test_layer_norm_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        layers.LayerNormalization(axis=3)(random_array(2, 3))


def test_layer_norm_rejects_non_int_axis():
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")

"""GroupNormalization, UnitNormalization and the SpectralNormalization wrapper."""

import numpy as np
import pytest

import lamina
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

EPS = 1e-3


# -- NumPy references, written from the formulas ---------------------------------------------
def _group_norm_reference(x, groups, axis=-1, gamma=None, beta=None, epsilon=EPS):
    """Split the channels on ``axis`` into ``groups`` contiguous blocks and normalize each
    sample's block over its channels and all other non-batch axes."""
    x = np.asarray(x, dtype="float64")
    axis = axis % x.ndim
    channels = x.shape[axis]
    out = np.empty_like(x)
    size = channels // groups
    for b in range(x.shape[0]):
        for g in range(groups):
            index = [b] + [slice(None)] * (x.ndim - 1)
            index[axis] = slice(g * size, (g + 1) * size)
            block = x[tuple(index)]
            out[tuple(index)] = (block - block.mean()) / np.sqrt(block.var() + epsilon)
    shape = [1] * x.ndim
    shape[axis] = channels
    if gamma is not None:
        out = out * np.reshape(gamma, shape)
    if beta is not None:
        out = out + np.reshape(beta, shape)
    return out


def _unit_norm_reference(x, axis):
    x = np.asarray(x, dtype="float64")
    norm = np.sqrt(np.sum(x ** 2, axis=tuple(np.atleast_1d(axis)), keepdims=True))
    return x / np.maximum(norm, 1e-12)


def _power_iteration_reference(kernel, u, iterations=1):
    """One spectral-normalization update: returns ``(new_u, kernel / sigma)``."""
    w = np.asarray(kernel, dtype="float64").reshape(-1, kernel.shape[-1])
    u = np.asarray(u, dtype="float64")
    for _ in range(iterations):
        v = u @ w.T
        v = v / np.linalg.norm(v)
        u = v @ w
        u = u / np.linalg.norm(u)
    sigma = (v @ w @ u.T).item()
    return u, (w / sigma).reshape(kernel.shape)


def _random_group_norm(**kwargs):
    return layers.GroupNormalization(gamma_initializer="random_uniform",
                                     beta_initializer="random_normal", **kwargs)


# -- GroupNormalization ----------------------------------------------------------------------
@pytest.mark.parametrize("groups, axis, shape", [
    (2, -1, (2, 5, 4)),
    (1, -1, (3, 6)),
    (3, 1, (2, 6, 2, 2)),
    (4, -1, (2, 2, 3, 8)),
    (2, -2, (2, 4, 3)),
])
def test_group_norm_matches_numpy_reference(groups, axis, shape):
    layer = _random_group_norm(groups=groups, axis=axis)
    x = random_array(*shape, low=-2.0, high=3.0)
    out = to_numpy(layer(x))
    gamma, beta = layer.get_weights()
    np.testing.assert_allclose(out, _group_norm_reference(x, groups, axis, gamma, beta),
                               rtol=1e-4, atol=1e-5)


def test_group_norm_minus_one_groups_is_instance_normalization():
    layer = layers.GroupNormalization(groups=-1)
    x = random_array(2, 5, 3)
    out = to_numpy(layer(x))
    np.testing.assert_allclose(out, _group_norm_reference(x, 3), rtol=1e-4, atol=1e-5)
    assert layer.get_config()["groups"] == 3  # resolved at build, as in Keras


@pytest.mark.parametrize("kwargs, names", [
    ({}, ["gamma", "beta"]),
    ({"center": False}, ["gamma"]),
    ({"scale": False}, ["beta"]),
    ({"center": False, "scale": False}, []),
])
def test_group_norm_center_and_scale_choose_weights(kwargs, names):
    layer = layers.GroupNormalization(groups=2, **kwargs)
    x = random_array(2, 3, 4)
    out = to_numpy(layer(x))
    assert [w.name for w in layer.weights] == names
    np.testing.assert_allclose(out, _group_norm_reference(x, 2), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs, shape", [({"groups": 2}, (2, 3, 4)),
                                           ({"groups": 3, "axis": 1}, (2, 6, 2))])
def test_group_norm_weight_names_and_shapes_match_keras(kwargs, shape):
    layer = layers.GroupNormalization(**kwargs)
    k_layer = keras().layers.GroupNormalization(**kwargs)
    x = random_array(*shape)
    layer(x)
    k_layer(x)
    assert weight_signature(layer) == weight_signature(k_layer)


@pytest.mark.parametrize("groups, axis, shape", [(2, -1, (2, 3, 4)), (3, 1, (2, 6, 2, 2)),
                                                 (1, -1, (4, 5))])
def test_group_norm_matches_keras_with_same_weights(groups, axis, shape):
    k_layer = keras().layers.GroupNormalization(groups=groups, axis=axis,
                                                gamma_initializer="random_uniform",
                                                beta_initializer="random_normal")
    x = random_array(*shape, low=-1.0, high=2.0)
    expected = keras_output(k_layer, x)
    layer = layers.GroupNormalization(groups=groups, axis=axis)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_group_norm_gradients_match_finite_differences():
    layer = _random_group_norm(groups=2)
    x = random_array(2, 2, 4, seed=3)
    projection = random_array(2, 2, 4, seed=4)
    layer(x)
    grads = lamina_grads(layer, [x], [layer.gamma, layer.beta], projection)
    gamma, beta = layer.get_weights()
    loss = reference_loss(lambda v, g=gamma, b=beta: _group_norm_reference(v, 2, -1, g, b),
                          projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda g: loss(x, g), gamma), rtol=1e-3,
                               atol=1e-4)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda b: loss(x, gamma, b), beta),
                               rtol=1e-3, atol=1e-4)


def test_group_norm_config_round_trip_gives_same_output():
    expected, rebuilt = config_round_trip(_random_group_norm(groups=2, epsilon=1e-2),
                                          random_array(2, 3, 4))
    np.testing.assert_allclose(rebuilt, expected, rtol=1e-6)


def test_group_norm_config_has_keras_keys():
    assert set(layers.GroupNormalization().get_config()) == \
        set(keras().layers.GroupNormalization().get_config())


def test_group_norm_symbolic_output_shape():
    out = layers.GroupNormalization(groups=2)(lamina.Input((5, 4)))
    assert tuple(out.shape) == (None, 5, 4)


def test_group_norm_groups_not_dividing_channels_names_layer_and_both_numbers():
    layer = layers.GroupNormalization(groups=3, name="gn_bad")
    with pytest.raises(ValueError, match=r'"gn_bad".*groups=3.*4 channels'):
        layer(random_array(2, 4))


def test_group_norm_more_groups_than_channels_raises():
    with pytest.raises(ValueError, match=r"groups=8 is more than the 4 channels"):
        layers.GroupNormalization(groups=8)(random_array(2, 4))


@pytest.mark.parametrize("groups", [0, -2, 2.5, True])
def test_group_norm_rejects_invalid_groups(groups):
    with pytest.raises(ValueError, match=r"`groups` must be a positive int"):
        layers.GroupNormalization(groups=groups)


def test_group_norm_rejects_the_batch_axis():
    with pytest.raises(ValueError, match=r"batch axis"):
        layers.GroupNormalization(groups=1, axis=0)(random_array(2, 4))


def test_group_norm_rejects_input_with_other_channel_count_after_build():
    layer = layers.GroupNormalization(groups=2)
    layer(random_array(2, 4))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4"):
        layer(random_array(2, 6))


# -- UnitNormalization -----------------------------------------------------------------------
@pytest.mark.parametrize("axis, shape", [(-1, (3, 4)), (1, (2, 3, 4)), ([1, 2], (2, 3, 4))])
def test_unit_norm_matches_numpy_reference(axis, shape):
    x = random_array(*shape)
    out = to_numpy(layers.UnitNormalization(axis=axis)(x))
    np.testing.assert_allclose(out, _unit_norm_reference(x, axis), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_unit_norm_matches_keras(axis):
    x = random_array(2, 3, 4)
    expected = keras_output(keras().layers.UnitNormalization(axis=axis), x)
    np.testing.assert_allclose(to_numpy(layers.UnitNormalization(axis=axis)(x)), expected,
                               rtol=1e-5, atol=1e-6)


def test_unit_norm_leaves_an_all_zero_sample_at_zero():
    x = np.array([[0.0, 0.0], [3.0, 4.0]], dtype="float32")
    np.testing.assert_allclose(to_numpy(layers.UnitNormalization()(x)),
                               [[0.0, 0.0], [0.6, 0.8]], rtol=1e-6)


def test_unit_norm_turns_integer_inputs_into_floats():
    out = to_numpy(layers.UnitNormalization()(np.array([[3, 4]], dtype="int32")))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8]], rtol=1e-6)


def test_unit_norm_gradients_match_finite_differences():
    x = random_array(2, 3, seed=5)
    projection = random_array(2, 3, seed=6)
    grads = lamina_grads(layers.UnitNormalization(), [x], (), projection)
    loss = reference_loss(lambda v: _unit_norm_reference(v, -1), projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-4)


def test_unit_norm_config_round_trip_gives_same_output():
    expected, rebuilt = config_round_trip(layers.UnitNormalization(axis=[1, 2]),
                                          random_array(2, 3, 4))
    np.testing.assert_allclose(rebuilt, expected, rtol=1e-6)


def test_unit_norm_config_has_keras_keys():
    assert set(layers.UnitNormalization().get_config()) == \
        set(keras().layers.UnitNormalization().get_config())


def test_unit_norm_symbolic_output_shape():
    assert tuple(layers.UnitNormalization()(lamina.Input((3, 4))).shape) == (None, 3, 4)


def test_unit_norm_rejects_non_int_axis():
    with pytest.raises(TypeError, match=r"`axis` must be an int or a list of ints"):
        layers.UnitNormalization(axis="last")


def test_unit_norm_axis_out_of_range_raises():
    with pytest.raises(ValueError, match=r"axis 3 is out of range"):
        layers.UnitNormalization(axis=3)(random_array(2, 3))


# -- SpectralNormalization -------------------------------------------------------------------
def _weights(layer):
    """Copies of the weights (on torch, NumPy views would follow later assignments)."""
    return [np.array(w) for w in layer.get_weights()]


def _spectral_dense(units=3, **kwargs):
    return layers.SpectralNormalization(
        layers.Dense(units, bias_initializer="random_normal"), **kwargs)


def test_spectral_norm_weights_match_keras_names_shapes_and_order():
    x = random_array(2, 4)
    layer = _spectral_dense()
    k_layer = keras().layers.SpectralNormalization(keras().layers.Dense(3))
    layer(x)
    k_layer(x)
    assert weight_signature(layer) == weight_signature(k_layer) == \
        [("kernel", (4, 3)), ("vector_u", (1, 3)), ("bias", (3,))]
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]


def test_spectral_norm_inference_uses_the_stored_kernel():
    layer = _spectral_dense()
    x = random_array(2, 4)
    out = to_numpy(layer(x))
    kernel, u, bias = _weights(layer)
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(layer.get_weights()[1], u)  # u untouched


@pytest.mark.parametrize("iterations", [1, 3])
def test_spectral_norm_training_normalizes_kernel_and_updates_u(iterations):
    layer = _spectral_dense(power_iterations=iterations)
    x = random_array(2, 4)
    layer(x)
    kernel, u, bias = _weights(layer)
    out = to_numpy(layer(x, training=True))
    new_u, new_kernel = _power_iteration_reference(kernel, u, iterations)
    np.testing.assert_allclose(out, x @ new_kernel + bias, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.get_weights()[0], new_kernel, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[1], new_u, rtol=1e-4, atol=1e-6)


def test_spectral_norm_repeated_training_brings_top_singular_value_to_one():
    layer = layers.SpectralNormalization(layers.Dense(5), power_iterations=5)
    x = random_array(2, 6)
    for _ in range(3):
        layer(x, training=True)
    assert np.linalg.svd(layer.get_weights()[0], compute_uv=False)[0] == \
        pytest.approx(1.0, abs=1e-3)


def test_spectral_norm_leaves_an_all_zero_kernel_alone():
    layer = layers.SpectralNormalization(layers.Dense(3, kernel_initializer="zeros"))
    x = random_array(2, 4)
    layer(x)
    u = _weights(layer)[1]
    out = to_numpy(layer(x, training=True))
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(layer.get_weights()[0], np.zeros((4, 3)))
    np.testing.assert_array_equal(layer.get_weights()[1], u)


@pytest.mark.parametrize("training", [False, True])
def test_spectral_norm_matches_keras_with_same_weights(training):
    k = keras()
    x = random_array(3, 4)
    k_layer = k.layers.SpectralNormalization(
        k.layers.Dense(3, bias_initializer="random_normal"), power_iterations=2)
    k_layer(x)
    layer = _spectral_dense(power_iterations=2)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    expected = keras_output(k_layer, x, training=training)
    np.testing.assert_allclose(to_numpy(layer(x, training=training)), expected, rtol=1e-5,
                               atol=1e-5)
    for ours, theirs in zip(layer.get_weights(), k_layer.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_spectral_norm_wraps_embedding_weights():
    k = keras()
    ids = np.array([[0, 2, 1]], dtype="int32")
    k_layer = k.layers.SpectralNormalization(k.layers.Embedding(4, 3))
    k_layer(ids)
    layer = layers.SpectralNormalization(layers.Embedding(4, 3))
    layer(ids)
    assert weight_signature(layer) == weight_signature(k_layer)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(ids, training=True)),
                               keras_output(k_layer, ids, training=True), rtol=1e-5, atol=1e-6)


def test_spectral_norm_inference_gradients_match_finite_differences():
    layer = _spectral_dense(units=2)
    x = random_array(2, 3, seed=7)
    projection = random_array(2, 2, seed=8)
    layer(x)
    kernel_layer = layer.layer
    grads = lamina_grads(layer, [x], [kernel_layer.kernel, kernel_layer.bias], projection)
    kernel, _, bias = _weights(layer)
    loss = reference_loss(lambda v, k=kernel, b=bias: v @ k + b, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda k: loss(x, k), kernel),
                               rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda b: loss(x, kernel, b), bias),
                               rtol=1e-3, atol=1e-4)


def test_spectral_norm_training_gradients_are_the_dense_gradients_at_the_normalized_kernel():
    # Keras's semantics: training stores W / sigma in the kernel and the wrapped layer runs
    # on it, so the kernel gradient is the wrapped layer's, taken at W / sigma.
    layer = _spectral_dense(units=2)
    x = random_array(2, 3, seed=9)
    projection = random_array(2, 2, seed=10)
    layer(x)
    kernel, u, bias = _weights(layer)
    _, normalized = _power_iteration_reference(kernel, u)
    grads = lamina_grads(lambda v: layer(v, training=True), [x],
                         [layer.layer.kernel, layer.layer.bias], projection)
    loss = reference_loss(lambda v, k=normalized, b=bias: v @ k + b, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(loss, x), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda k: loss(x, k), normalized),
                               rtol=1e-3, atol=1e-4)


def test_spectral_norm_updates_vector_u_inside_value_and_grad():
    layer = _spectral_dense()
    x = random_array(2, 4)
    layer(x)
    kernel, u, _ = _weights(layer)
    variable = lamina.backend.Variable(x)
    lamina.backend.value_and_grad(
        lambda: lamina.ops.sum(layer(variable, training=True)), layer.trainable_weights)
    np.testing.assert_allclose(layer.get_weights()[1], _power_iteration_reference(kernel, u)[0],
                               rtol=1e-4, atol=1e-6)


def test_spectral_norm_fit_matches_keras():
    k = keras()
    x = random_array(4, 3, seed=11)
    y = random_array(4, 2, seed=12)
    k_model = k.Sequential([k.Input((3,)), k.layers.SpectralNormalization(k.layers.Dense(2))])
    model = lamina.Sequential([lamina.Input((3,)), _spectral_dense(units=2)])
    model.set_weights(k_model.get_weights())
    for m in (k_model, model):
        m.compile(optimizer="sgd", loss="mse")
        m.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_spectral_norm_model_file_loads_in_keras(tmp_path):
    x = random_array(2, 4)
    model = lamina.Sequential([lamina.Input((4,)), _spectral_dense()])
    model.layers[0](x, training=True)  # a normalized kernel and a moved vector_u
    path = str(tmp_path / "sn.keras")
    model.save(path)
    k_model = keras().models.load_model(path)
    for ours, theirs in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_allclose(keras_output(k_model, x), to_numpy(model(x)), rtol=1e-5,
                               atol=1e-6)


def test_spectral_norm_config_round_trip_rebuilds_the_wrapped_layer():
    layer = _spectral_dense(power_iterations=2)
    expected, rebuilt = config_round_trip(layer, random_array(2, 4))
    np.testing.assert_allclose(rebuilt, expected, rtol=1e-6)
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert config["power_iterations"] == 2


def test_spectral_norm_config_has_keras_keys():
    k = keras()
    ours = layers.SpectralNormalization(layers.Dense(2)).get_config()
    theirs = k.layers.SpectralNormalization(k.layers.Dense(2)).get_config()
    assert set(ours) == set(theirs)


def test_spectral_norm_symbolic_output_shape():
    out = layers.SpectralNormalization(layers.Dense(5))(lamina.Input((3,)))
    assert tuple(out.shape) == (None, 5)


def test_spectral_norm_on_a_layer_without_kernel_raises():
    layer = layers.SpectralNormalization(layers.UnitNormalization(name="unit"), name="sn")
    with pytest.raises(ValueError, match=r'"sn" wraps UnitNormalization "unit", which has '
                                         r"neither a `kernel` nor an `embeddings`"):
        layer(random_array(2, 3))


def test_spectral_norm_rejects_a_non_layer():
    with pytest.raises(ValueError, match=r"`layer` must be a lamina layer instance"):
        layers.SpectralNormalization("dense")


@pytest.mark.parametrize("iterations", [0, -1, 1.5])
def test_spectral_norm_rejects_non_positive_power_iterations(iterations):
    with pytest.raises(ValueError, match=r"`power_iterations` must be a positive int"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=iterations)

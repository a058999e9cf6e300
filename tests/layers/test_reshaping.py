"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector."""

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

# (lamina layer, Keras class name, constructor kwargs, input shape, NumPy reference)
CASES = {
    "flatten": ("Flatten", {}, (2, 3, 4), lambda x: x.reshape(x.shape[0], -1)),
    "flatten_channels_first": (
        "Flatten", {"data_format": "channels_first"}, (2, 3, 4, 5),
        lambda x: np.transpose(x, (0, 2, 3, 1)).reshape(x.shape[0], -1)),
    "reshape": ("Reshape", {"target_shape": (4, 3)}, (2, 12),
                lambda x: x.reshape(x.shape[0], 4, 3)),
    "reshape_inferred": ("Reshape", {"target_shape": (-1, 2)}, (2, 3, 4),
                         lambda x: x.reshape(x.shape[0], 6, 2)),
    "permute": ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4, 5),
                lambda x: np.transpose(x, (0, 3, 1, 2))),
    "repeat_vector": ("RepeatVector", {"n": 3}, (2, 4),
                      lambda x: np.repeat(x[:, None, :], 3, axis=1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reshaping_layer_matches_numpy_reference(case):
    name, kwargs, shape, reference = CASES[case]
    x = random_array(*shape)
    np.testing.assert_array_equal(to_numpy(getattr(layers, name)(**kwargs)(x)), reference(x))


@pytest.mark.parametrize("case", sorted(CASES))
def test_reshaping_layer_input_gradient_matches_finite_differences(case):
    name, kwargs, shape, reference = CASES[case]
    x = random_array(*shape, seed=1)
    layer = getattr(layers, name)(**kwargs)
    projection = random_array(*reference(x).shape, seed=2)
    (grad,) = lamina_grads(layer, [x], (), projection)
    expected = numeric_grad(reference_loss(reference, projection), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reshaping_layer_matches_keras(case):
    name, kwargs, shape, _ = CASES[case]
    x = random_array(*shape)
    expected = keras_output(getattr(keras().layers, name)(**kwargs), x)
    np.testing.assert_array_equal(to_numpy(getattr(layers, name)(**kwargs)(x)), expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reshaping_layer_config_round_trip_gives_same_output(case):
    name, kwargs, shape, _ = CASES[case]
    expected, actual = config_round_trip(getattr(layers, name)(**kwargs), random_array(*shape))
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reshaping_layer_config_has_keras_keys(case):
    name, kwargs, _, _ = CASES[case]
    config = getattr(layers, name)(**kwargs).get_config()
    k_config = getattr(keras().layers, name)(**kwargs).get_config()
    assert set(config) == set(k_config)


@pytest.mark.parametrize("layer, input_shape, expected", [
    (lambda: layers.Flatten(), (4, 3), (None, 12)),
    (lambda: layers.Flatten(), (None, 3), (None, None)),
    (lambda: layers.Reshape((-1, 2)), (4, 3), (None, 6, 2)),
    (lambda: layers.Reshape((-1, 3)), (None, 3), (None, None, 3)),
    (lambda: layers.Permute((2, 1)), (4, 3), (None, 3, 4)),
    (lambda: layers.RepeatVector(5), (3,), (None, 5, 3)),
])
def test_reshaping_layer_symbolic_output_shape(layer, input_shape, expected):
    assert layer()(layers.Input(input_shape)).shape == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_reshaping_layer_symbolic_call_accepts_training_flag(case):
    name, kwargs, shape, _ = CASES[case]
    out = getattr(layers, name)(**kwargs)(layers.Input(shape[1:]), training=True)
    assert out.shape[1:] == getattr(layers, name)(**kwargs)(layers.Input(shape[1:])).shape[1:]


def test_reshaping_layer_symbolic_output_keeps_integer_dtype():
    out = layers.Flatten()(layers.Input((4, 3), dtype="int32"))
    assert out.dtype == "int32"


def test_flatten_gives_one_feature_for_rank1_input():
    out = to_numpy(layers.Flatten()(np.arange(3, dtype="float32")))
    np.testing.assert_array_equal(out, [[0.0], [1.0], [2.0]])


def test_reshape_size_mismatch_error_names_layer_target_and_input_shape():
    layer = layers.Reshape((5, 2), name="bad_reshape")
    with pytest.raises(ValueError) as info:
        layer(np.ones((2, 3, 4), "float32"))
    message = str(info.value)
    assert '"bad_reshape"' in message
    assert "(5, 2)" in message and "(3, 4)" in message
    assert "total size of the tensor must be unchanged" in message


def test_reshape_size_mismatch_is_reported_on_symbolic_input():
    with pytest.raises(ValueError, match=r"\(5, 2\)"):
        layers.Reshape((5, 2))(layers.Input((3, 4)))


def test_reshape_inferred_dimension_that_does_not_divide_raises():
    with pytest.raises(ValueError, match="multiple of 5"):
        layers.Reshape((-1, 5))(np.ones((2, 12), "float32"))


def test_reshape_rejects_two_unknown_dimensions():
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        layers.Reshape((-1, -1))


def test_permute_rejects_dims_that_are_not_a_permutation_from_1():
    with pytest.raises(ValueError, match="permutation"):
        layers.Permute((0, 1))


def test_permute_rejects_input_of_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.Permute((2, 1))(np.ones((2, 3), "float32"))


def test_repeat_vector_rejects_non_int_n():
    with pytest.raises(TypeError, match="`n` must be an int"):
        layers.RepeatVector(2.0)

"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot."""

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

# Keras class name -> NumPy reference over a list of same-rank inputs.
ELEMENTWISE = {
    "Add": lambda xs: sum(xs),
    "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: np.prod(np.stack(np.broadcast_arrays(*xs)), axis=0),
    "Average": lambda xs: sum(xs) / len(xs),
    "Maximum": lambda xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
    "Minimum": lambda xs: np.minimum.reduce(np.broadcast_arrays(*xs)),
}
FUNCTIONAL = {"Add": layers.add, "Subtract": layers.subtract, "Multiply": layers.multiply,
              "Average": layers.average, "Maximum": layers.maximum,
              "Minimum": layers.minimum}


def _inputs(name, *shapes):
    count = 2 if name == "Subtract" else len(shapes)
    return [random_array(*s, seed=i) for i, s in enumerate(shapes[:count])]


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_matches_numpy_reference(name):
    xs = _inputs(name, (2, 3, 4), (2, 3, 4), (2, 3, 4))
    out = to_numpy(getattr(layers, name)()(xs))
    np.testing.assert_allclose(out, ELEMENTWISE[name](xs), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_broadcasts_size_one_axes(name):
    xs = _inputs(name, (2, 3, 4), (2, 1, 4))
    out = to_numpy(getattr(layers, name)()(xs))
    np.testing.assert_allclose(out, ELEMENTWISE[name](xs), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_inserts_axes_after_batch_for_lower_rank_input(name):
    xs = _inputs(name, (2, 3, 4), (2, 4))
    out = to_numpy(getattr(layers, name)()(xs))
    np.testing.assert_allclose(out, ELEMENTWISE[name]([xs[0], xs[1][:, None, :]]), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_matches_keras(name):
    xs = _inputs(name, (2, 3, 4), (2, 4), (2, 1, 4))
    expected = keras_output(getattr(keras().layers, name)(), xs)
    np.testing.assert_allclose(to_numpy(getattr(layers, name)()(xs)), expected, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_input_gradients_match_finite_differences(name):
    xs = _inputs(name, (2, 3), (2, 3), (2, 3))
    projection = random_array(2, 3, seed=9)
    grads = lamina_grads(lambda *vs: getattr(layers, name)()(list(vs)), xs, (), projection)
    for i, x in enumerate(xs):
        def partial(value, i=i):
            return ELEMENTWISE[name]([value if j == i else xj for j, xj in enumerate(xs)])

        expected = numeric_grad(reference_loss(partial, projection), x)
        np.testing.assert_allclose(grads[i], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_functional_merge_form_equals_layer(name):
    xs = _inputs(name, (2, 3), (2, 3), (2, 3))
    np.testing.assert_allclose(to_numpy(FUNCTIONAL[name](xs)),
                               to_numpy(getattr(layers, name)()(xs)), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_symbolic_output_shape(name):
    count = 2 if name == "Subtract" else 3
    inputs = [layers.Input((4, 3)), layers.Input((1, 3)), layers.Input((3,))][:count]
    assert getattr(layers, name)()(inputs).shape == (None, 4, 3)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_config_round_trip_gives_same_output(name):
    expected, actual = config_round_trip(getattr(layers, name)(), _inputs(name, (2, 3), (2, 3)))
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_merge_of_incompatible_shapes_raises_naming_both_shapes():
    with pytest.raises(ValueError) as info:
        layers.Add(name="bad_add")([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])
    message = str(info.value)
    assert '"bad_add"' in message and "incompatible shapes" in message
    assert "(3,)" in message and "(4,)" in message


def test_merge_of_different_batch_sizes_raises():
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add()([np.ones((2, 3), "float32"), np.ones((5, 3), "float32")])


def test_merge_called_on_single_tensor_raises_asking_for_a_list():
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        layers.Add()(np.ones((2, 3), "float32"))


def test_subtract_with_three_inputs_raises():
    xs = [np.ones((2, 3), "float32")] * 3
    with pytest.raises(ValueError, match="exactly 2 inputs.*received 3"):
        layers.Subtract()(xs)


def test_subtract_with_three_symbolic_inputs_raises():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([layers.Input((3,))] * 3)


def test_merge_compute_mask_is_or_of_input_masks():
    a = np.array([[True, False, False]])
    b = np.array([[False, False, True]])
    mask = layers.Add().compute_mask([None, None], [a, b])
    np.testing.assert_array_equal(to_numpy(mask), [[True, False, True]])


# -- Concatenate -----------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1, 2, 0])
def test_concatenate_matches_numpy_and_keras(axis):
    shapes = {-1: [(2, 3, 4), (2, 3, 1)], 1: [(2, 3, 4), (2, 1, 4)],
              2: [(2, 3, 4), (2, 3, 2)], 0: [(2, 3, 4), (1, 3, 4)]}[axis]
    xs = [random_array(*s, seed=i) for i, s in enumerate(shapes)]
    out = to_numpy(layers.Concatenate(axis=axis)(xs))
    np.testing.assert_array_equal(out, np.concatenate(xs, axis=axis))
    np.testing.assert_array_equal(out, keras_output(keras().layers.Concatenate(axis=axis), xs))


def test_concatenate_input_gradients_match_finite_differences():
    xs = [random_array(2, 3, seed=0), random_array(2, 2, seed=1)]
    projection = random_array(2, 5, seed=2)
    grads = lamina_grads(lambda a, b: layers.Concatenate()([a, b]), xs, (), projection)
    np.testing.assert_allclose(grads[0], projection[:, :3], rtol=1e-6)
    np.testing.assert_allclose(grads[1], projection[:, 3:], rtol=1e-6)


def test_concatenate_functional_form_passes_axis():
    xs = [random_array(2, 3), random_array(2, 3)]
    out = to_numpy(layers.concatenate(xs, axis=0))
    np.testing.assert_array_equal(out, np.concatenate(xs, axis=0))


def test_concatenate_incompatible_shapes_error_names_axis_and_sizes():
    with pytest.raises(ValueError) as info:
        layers.Concatenate(name="cat")([np.ones((2, 3, 4), "float32"),
                                        np.ones((2, 5, 4), "float32")])
    message = str(info.value)
    assert '"cat"' in message and "matching shapes except for the concatenation axis" in message
    assert "axis 1 has sizes [3, 5]" in message


def test_concatenate_rank_mismatch_raises():
    with pytest.raises(ValueError, match="ranks differ"):
        layers.Concatenate()([layers.Input((3, 4)), layers.Input((4,))])


@pytest.mark.parametrize("axis, shapes, expected", [
    (-1, [(4, 3), (4, 2)], (None, 4, 5)),
    (1, [(4, 3), (None, 3)], (None, None, 3)),
])
def test_concatenate_symbolic_output_shape(axis, shapes, expected):
    inputs = [layers.Input(s) for s in shapes]
    assert layers.Concatenate(axis=axis)(inputs).shape == expected


def test_concatenate_config_round_trip_gives_same_output():
    xs = [random_array(2, 3), random_array(2, 3)]
    expected, actual = config_round_trip(layers.Concatenate(axis=0), xs)
    np.testing.assert_array_equal(actual, expected)


# -- Dot -------------------------------------------------------------------------------------
DOT_CASES = [
    # (axes, shape_x, shape_y, einsum reference)
    (1, (3, 4), (3, 4), "bi,bi->b"),
    (-1, (3, 4), (3, 4), "bi,bi->b"),
    ((2, 2), (3, 5, 4), (3, 2, 4), "bik,bjk->bij"),
    ((1, 2), (3, 4), (3, 2, 4), "bk,bjk->bj"),
    ((1, 1), (3, 4, 5), (3, 4), "bki,bk->bi"),
    ((2, 1), (3, 2, 4, 5), (3, 4, 2), "bikj,bkl->bijl"),
]


def _dot_reference(axes, subscripts, normalize=False):
    def reference(x, y):
        if normalize:
            ax, ay = (axes, axes) if isinstance(axes, int) else axes
            x = x / np.linalg.norm(x, axis=ax, keepdims=True)
            y = y / np.linalg.norm(y, axis=ay, keepdims=True)
        out = np.einsum(subscripts, x, y)
        return out[:, None] if out.ndim == 1 else out

    return reference


@pytest.mark.parametrize("axes, shape_x, shape_y, subscripts", DOT_CASES)
def test_dot_matches_numpy_batch_dot(axes, shape_x, shape_y, subscripts):
    x, y = random_array(*shape_x, seed=0), random_array(*shape_y, seed=1)
    out = to_numpy(layers.Dot(axes=axes)([x, y]))
    np.testing.assert_allclose(out, _dot_reference(axes, subscripts)(x, y), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("axes, shape_x, shape_y, subscripts", DOT_CASES)
def test_dot_matches_keras(axes, shape_x, shape_y, subscripts):
    x, y = random_array(*shape_x, seed=0), random_array(*shape_y, seed=1)
    expected = keras_output(keras().layers.Dot(axes=axes), [x, y])
    np.testing.assert_allclose(to_numpy(layers.Dot(axes=axes)([x, y])), expected, atol=1e-5)


@pytest.mark.parametrize("axes, shape_x, shape_y, subscripts", DOT_CASES)
def test_dot_symbolic_output_shape(axes, shape_x, shape_y, subscripts):
    out = layers.Dot(axes=axes)([layers.Input(shape_x[1:]), layers.Input(shape_y[1:])])
    expected = _dot_reference(axes, subscripts)(np.ones(shape_x), np.ones(shape_y)).shape
    assert out.shape == (None,) + expected[1:]


def test_dot_normalize_gives_cosine_similarity_matching_keras():
    x, y = random_array(2, 3, 4, seed=0), random_array(2, 5, 4, seed=1)
    out = to_numpy(layers.Dot(axes=2, normalize=True)([x, y]))
    np.testing.assert_allclose(out, _dot_reference(2, "bik,bjk->bij", True)(x, y),
                               rtol=1e-5, atol=1e-6)
    expected = keras_output(keras().layers.Dot(axes=2, normalize=True), [x, y])
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("normalize", [False, True])
def test_dot_input_gradients_match_finite_differences(normalize):
    x, y = random_array(2, 3, 4, seed=0), random_array(2, 2, 4, seed=1)
    projection = random_array(2, 3, 2, seed=2)
    layer = layers.Dot(axes=(2, 2), normalize=normalize)
    grads = lamina_grads(lambda a, b: layer([a, b]), [x, y], (), projection)
    reference = _dot_reference((2, 2), "bik,bjk->bij", normalize)
    loss = reference_loss(reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(lambda v: loss(v, y), x), rtol=1e-3,
                               atol=1e-5)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda v: loss(x, v), y), rtol=1e-3,
                               atol=1e-5)


def test_dot_functional_form_defaults_to_last_axes():
    x, y = random_array(2, 3), random_array(2, 3)
    np.testing.assert_allclose(to_numpy(layers.dot([x, y])), np.sum(x * y, 1, keepdims=True),
                               rtol=1e-5)


def test_dot_incompatible_axis_sizes_error_names_both_sizes():
    with pytest.raises(ValueError, match="axis 1 of the first input has size 3 but axis 1 of "
                                         "the second has size 4"):
        layers.Dot(axes=1)([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])


def test_dot_rejects_batch_axis():
    with pytest.raises(ValueError, match="batch axis 0"):
        layers.Dot(axes=0)([layers.Input((3,)), layers.Input((3,))])


def test_dot_rejects_three_inputs():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Dot(axes=1)([layers.Input((3,))] * 3)


def test_dot_rejects_axes_of_wrong_length():
    with pytest.raises(ValueError, match="exactly 2 ints"):
        layers.Dot(axes=(1, 2, 3))


def test_dot_config_round_trip_gives_same_output():
    xs = [random_array(2, 3, 4), random_array(2, 5, 4)]
    expected, actual = config_round_trip(layers.Dot(axes=(2, 2), normalize=True), xs)
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_dot_config_has_keras_keys():
    assert set(layers.Dot(axes=1).get_config()) == set(keras().layers.Dot(axes=1).get_config())

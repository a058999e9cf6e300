"""CategoryEncoding: every output mode and input rank against NumPy and Keras 3, count
weights, range errors, config and use inside models."""

import json

import numpy as np
import pytest

import lamina
from lamina.layers.preprocessing.category_encoding import CategoryEncoding

from ..layer_checks import keras
from ..layer_checks import to_numpy

INPUTS = {
    "scalar": np.array(2),
    "vector": np.array([3, 2, 0, 1, 2]),
    "column": np.array([[3], [0], [1]]),
    "matrix": np.array([[0, 1, 1], [3, 3, 3], [2, 0, 3]]),
}


def _reference(x, mode, depth, weights=None):
    """One-hot rows by indexing an identity matrix; multi-hot / count by summing them."""
    x = np.atleast_1d(x)
    if mode == "one_hot":
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x[..., 0]
        return np.eye(depth)[x]
    rows = np.eye(depth)[x]
    if weights is not None:
        rows = rows * np.atleast_1d(weights)[..., None]
    summed = rows.sum(axis=x.ndim - 1)
    return np.minimum(summed, 1) if mode == "multi_hot" else summed


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_output_matches_numpy_and_keras(mode, kind):
    x = INPUTS[kind]
    got = to_numpy(CategoryEncoding(num_tokens=4, output_mode=mode)(x))
    np.testing.assert_array_equal(got, _reference(x, mode, 4))
    expected = keras().layers.CategoryEncoding(num_tokens=4, output_mode=mode)(x)
    np.testing.assert_array_equal(got, to_numpy(expected))
    assert str(got.dtype) == "float32"


def test_count_weights_are_summed_per_token_as_in_keras():
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    weights = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]], "float32")
    got = to_numpy(CategoryEncoding(num_tokens=4, output_mode="count")(x, count_weights=weights))
    np.testing.assert_allclose(got, _reference(x, "count", 4, weights), rtol=1e-6)
    expected = keras().layers.CategoryEncoding(num_tokens=4, output_mode="count")(
        x, count_weights=weights)
    np.testing.assert_allclose(got, to_numpy(expected), rtol=1e-6)


def test_binary_is_the_old_name_of_multi_hot():
    assert CategoryEncoding(num_tokens=3, output_mode="binary").output_mode == "multi_hot"


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_compute_output_shape_matches_the_output(mode, kind):
    layer = CategoryEncoding(num_tokens=4, output_mode=mode)
    x = INPUTS[kind]
    assert layer.compute_output_shape(x.shape) == to_numpy(layer(x)).shape


def test_symbolic_call_gives_the_encoded_shape():
    output = CategoryEncoding(num_tokens=6, output_mode="one_hot")(lamina.Input((1,),
                                                                                 dtype="int32"))
    assert output.shape == (None, 6) and output.dtype == "float32"


def test_config_round_trips_and_has_keras_keys():
    layer = CategoryEncoding(num_tokens=5, output_mode="count", name="enc")
    config = json.loads(json.dumps(layer.get_config()))
    assert json.loads(json.dumps(CategoryEncoding.from_config(config).get_config())) == config
    expected = keras().layers.CategoryEncoding(num_tokens=5, output_mode="count").get_config()
    assert set(config) == set(expected)


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[[0, 4]], [[-1, 2]]])
def test_out_of_range_values_are_refused(values):
    layer = CategoryEncoding(num_tokens=4, name="enc")
    with pytest.raises(ValueError, match=r'"enc": every input must be an integer in \[0, '
                                         r"num_tokens\) = \[0, 4\)"):
        layer(np.array(values))


@pytest.mark.parametrize("kwargs, message", [
    ({}, "`num_tokens` must be set"),
    ({"num_tokens": 0}, "`num_tokens` must be an integer >= 1"),
    ({"num_tokens": 3, "output_mode": "int"}, "`output_mode` must be one of"),
    ({"num_tokens": 3, "sparse": True}, "sparse=True` needs sparse tensors"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CategoryEncoding(**kwargs)


def test_count_weights_outside_count_mode_are_refused():
    layer = CategoryEncoding(num_tokens=3, output_mode="multi_hot")
    with pytest.raises(ValueError, match='`count_weights` is used only with output_mode="count"'):
        layer(np.array([[0, 1]]), count_weights=np.ones((1, 2)))


def test_multi_hot_of_rank_3_input_is_refused():
    with pytest.raises(ValueError, match="rank 1 .* or 2"):
        CategoryEncoding(num_tokens=3)(np.zeros((2, 2, 2), "int32"))


# -- in models ----------------------------------------------------------------------------
def test_fit_and_predict_in_a_sequential_model():
    x = np.random.default_rng(0).integers(0, 5, size=(16, 3))
    y = (x == 4).any(axis=1, keepdims=True).astype("float32")
    model = lamina.Sequential([lamina.Input((3,), dtype="int32"),
                               CategoryEncoding(num_tokens=5, output_mode="count"),
                               lamina.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert np.isfinite(model.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"]).all()
    assert model.predict(x, verbose=0).shape == (16, 1)


@pytest.mark.parametrize("direction", ["lamina_to_keras", "keras_to_lamina"])
def test_keras_files_move_between_lamina_and_keras(tmp_path, direction):
    k = keras()
    source, target = (lamina, k) if direction == "lamina_to_keras" else (k, lamina)
    make = CategoryEncoding if source is lamina else k.layers.CategoryEncoding
    inputs = source.Input((3,), dtype="int32")
    encoded = make(num_tokens=4, output_mode="multi_hot")(inputs)
    model = source.Model(inputs, source.layers.Dense(2)(encoded))
    path = str(tmp_path / "encoding.keras")
    model.save(path)
    kwargs = {} if target is k else {"custom_objects": {"CategoryEncoding": CategoryEncoding}}
    loaded = target.models.load_model(path, **kwargs)
    x = INPUTS["matrix"]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                               np.asarray(model.predict(x, verbose=0)), rtol=1e-6)

"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: shapes (eager and
symbolic), config round trips, .keras files both ways with Keras 3, parity with Keras 3 and a
NumPy reference, gradients and error text."""

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
NAMES = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
         "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]
# Per rank: an input shape without the batch (channels last) and an output size.
SHAPES = {1: ((9, 3), (4,)), 2: ((7, 10, 2), (3, 4)), 3: ((5, 6, 4, 2), (2, 3, 3))}


def _rank(name):
    return int(name[-2])


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _reference(x, output_size, reduce):
    """Channels-last NumPy reference: window i of n over L cells spans
    [floor(i L / n), ceil((i + 1) L / n))."""
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0],) + tuple(output_size) + (x.shape[-1],), "float64")
    for cell in np.ndindex(*output_size):
        window = tuple(slice((i * size) // n, -((-(i + 1) * size) // n))
                       for i, size, n in zip(cell, spatial, output_size))
        out[(slice(None),) + cell] = reduce(x[(slice(None),) + window],
                                            axis=tuple(range(1, len(spatial) + 1)))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_adaptive_pooling_matches_numpy_and_keras(name):
    shape, output_size = SHAPES[_rank(name)]
    x = RNG.normal(size=(2,) + shape).astype("float32")
    got = _np(getattr(layers, name)(output_size)(x))
    reduce = np.max if "Max" in name else np.mean
    np.testing.assert_allclose(got, _reference(x, output_size, reduce), rtol=1e-5, atol=1e-5)
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(output_size)(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_adaptive_pooling_channels_first_matches_channels_last(name):
    shape, output_size = SHAPES[_rank(name)]
    x = RNG.normal(size=(2,) + shape).astype("float32")
    last = _np(getattr(layers, name)(output_size, data_format="channels_last")(x))
    first = getattr(layers, name)(output_size, data_format="channels_first")(
        np.moveaxis(x, -1, 1).copy())
    np.testing.assert_allclose(_np(first), np.moveaxis(last, -1, 1), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_adaptive_pooling_symbolic_shape_with_unknown_spatial_size(name):
    rank = _rank(name)
    layer = getattr(layers, name)(2)
    out = layer(lamina.Input((None,) * rank + (3,)))
    assert out.shape == (None,) + (2,) * rank + (3,)
    first = getattr(layers, name)(2, data_format="channels_first")
    assert first.compute_output_shape((4, 3) + (9,) * rank) == (4, 3) + (2,) * rank


@pytest.mark.parametrize("name", NAMES)
def test_adaptive_pooling_config_matches_keras_and_round_trips(name):
    rank = _rank(name)
    layer = getattr(layers, name)(3, data_format="channels_first", name="pool")
    config = layer.get_config()
    assert config["output_size"] == (3,) * rank
    assert config["data_format"] == "channels_first"
    reference = getattr(keras.layers, name)(3, data_format="channels_first",
                                            name="pool").get_config()
    assert {k: v for k, v in config.items() if k != "dtype"} == \
        {k: v for k, v in reference.items() if k != "dtype"}
    clone = getattr(layers, name).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("name", ["AdaptiveAveragePooling2D", "AdaptiveMaxPooling1D"])
def test_adaptive_pooling_keras_file_loads_in_keras_and_back(tmp_path, name):
    shape, output_size = SHAPES[_rank(name)]
    x = RNG.normal(size=(2,) + shape).astype("float32")
    inputs = lamina.Input(shape)
    model = lamina.Model(inputs, getattr(layers, name)(output_size)(inputs))
    expected = _np(model(x))
    model.save(tmp_path / "lamina.keras")
    loaded = keras.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), expected, rtol=1e-5,
                               atol=1e-5)
    loaded.save(tmp_path / "keras.keras")
    back = lamina.models.load_model(tmp_path / "keras.keras")
    assert type(back.layers[-1]) is getattr(layers, name)
    np.testing.assert_allclose(_np(back(x)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["AdaptiveAveragePooling2D", "AdaptiveMaxPooling2D"])
def test_adaptive_pooling_passes_gradients_to_the_layer_below(name):
    x = RNG.normal(size=(2, 7, 5, 2)).astype("float32")
    variable = lamina.Variable(x)
    layer = getattr(layers, name)((3, 2))
    _, (grad,) = lamina.backend.value_and_grad(lambda: ops.sum(layer(variable.value)),
                                               [variable])
    # Keras 3 on torch, differentiated by torch autograd, is the oracle.
    torch = pytest.importorskip("torch")
    tensor = torch.tensor(x, requires_grad=True)
    getattr(keras.layers, name)((3, 2))(tensor).sum().backward()
    np.testing.assert_allclose(_np(grad), tensor.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_adaptive_pooling_errors_name_the_layer_and_argument():
    with pytest.raises(ValueError, match="AdaptiveMaxPooling2D: `output_size` must be an int "
                                         "or a tuple of 2 ints"):
        layers.AdaptiveMaxPooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="AdaptiveAveragePooling1D: every entry of "
                                         "`output_size` must be a positive int"):
        layers.AdaptiveAveragePooling1D(0)
    with pytest.raises(ValueError, match="data_format"):
        layers.AdaptiveAveragePooling3D(2, data_format="channels_middle")
    with pytest.raises(ValueError, match="ndim"):
        layers.AdaptiveAveragePooling2D(2)(np.ones((2, 4, 3), "float32"))


@pytest.mark.slow
def test_adaptive_pooling_trains_in_a_sequential_model():
    model = lamina.Sequential([
        lamina.Input((None, None, 1)),
        layers.Conv2D(2, 3, padding="same"),
        layers.AdaptiveMaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.normal(size=(4, 6, 5, 1)).astype("float32")
    history = model.fit(x, np.ones((4, 1), "float32"), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.predict(RNG.normal(size=(2, 9, 7, 1)).astype("float32"),
                         verbose=0).shape == (2, 1)

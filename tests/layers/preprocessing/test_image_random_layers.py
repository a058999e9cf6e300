"""What every image augmentation layer shares: the training flag, seeds, shapes, dtypes,
configs, training inside ``fit``, and ``.keras`` files that move to and from Keras 3."""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import preprocessing

from ..layer_checks import keras
from ..layer_checks import to_numpy

RNG = np.random.default_rng(3)
IMAGES = RNG.uniform(0, 255, size=(4, 6, 8, 3)).astype("float32")

RANDOM_LAYERS = {
    "RandomFlip": {"mode": "horizontal_and_vertical"},
    "RandomRotation": {"factor": 0.2},
    "RandomZoom": {"height_factor": 0.3, "width_factor": (-0.2, 0.4)},
    "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.3},
    "RandomContrast": {"factor": (0.4, 0.6)},
    "RandomBrightness": {"factor": 0.3},
    "RandomCrop": {"height": 4, "width": 5},
}
NAMES = sorted(RANDOM_LAYERS)


def _make(name, library=preprocessing, **extra):
    return getattr(library, name)(**RANDOM_LAYERS[name], **extra)


# -- the training flag ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(set(NAMES) - {"RandomCrop"}))
def test_random_layers_are_the_identity_at_inference_as_in_keras(name):
    out = _make(name, seed=1)(IMAGES, training=False)
    np.testing.assert_array_equal(to_numpy(out), IMAGES)
    k_out = _make(name, keras().layers, seed=1)(IMAGES, training=False)
    np.testing.assert_array_equal(keras().ops.convert_to_numpy(k_out), IMAGES)


@pytest.mark.parametrize("name", NAMES)
def test_random_layers_augment_when_called_without_training_as_keras_does(name):
    out = to_numpy(_make(name, seed=1)(IMAGES))
    assert out.shape != IMAGES.shape or not np.allclose(out, IMAGES)


@pytest.mark.parametrize("name", NAMES)
def test_random_layers_repeat_with_the_same_seed_and_draw_anew_each_call(name):
    first, second = _make(name, seed=7), _make(name, seed=7)
    a = to_numpy(first(IMAGES, training=True))
    np.testing.assert_array_equal(a, to_numpy(second(IMAGES, training=True)))
    draws = [to_numpy(first(IMAGES, training=True)) for _ in range(3)]
    assert any(not np.array_equal(a, d) for d in draws)


# -- shapes and dtypes ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_random_layers_output_float_of_the_expected_shape_for_integer_images(name):
    layer = _make(name, seed=1)
    expected = tuple(layer.compute_output_shape(IMAGES.shape))
    for training in (True, False):
        out = layer(IMAGES.astype("uint8"), training=training)
        assert ops.dtype(out) == "float32" and tuple(out.shape) == expected
    one = layer(IMAGES[0], training=True)
    assert tuple(one.shape) == expected[1:]
    symbolic = layer(lamina.Input(IMAGES.shape[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


@pytest.mark.parametrize("name", NAMES)
def test_random_layers_channels_first_keep_the_channel_axis(name):
    images = np.moveaxis(IMAGES, -1, 1)
    layer = _make(name, seed=1, data_format="channels_first")
    out = layer(images, training=True)
    assert tuple(out.shape) == tuple(layer.compute_output_shape(images.shape))
    assert out.shape[1] == 3


@pytest.mark.parametrize("name", ["RandomContrast", "RandomBrightness"])
def test_colour_layers_stay_inside_the_value_range(name):
    out = to_numpy(_make(name, seed=1, value_range=(0, 255))(IMAGES, training=True))
    assert out.min() >= 0 and out.max() <= 255


@pytest.mark.parametrize("name", ["RandomRotation", "RandomZoom", "RandomTranslation"])
def test_affine_layers_with_constant_fill_stay_inside_the_input_range(name):
    out = to_numpy(_make(name, seed=1, fill_mode="constant")(IMAGES, training=True))
    assert out.min() >= 0 and out.max() <= IMAGES.max() + 1e-3


# -- configs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_random_layers_config_round_trips_and_has_keras_keys(name):
    layer = _make(name, seed=3)
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    np.testing.assert_array_equal(to_numpy(clone(IMAGES, training=True)),
                                  to_numpy(_make(name, seed=3)(IMAGES, training=True)))
    k_layer = getattr(keras().layers, name).from_config(config)
    assert set(config) == set(k_layer.get_config())


# -- in models --------------------------------------------------------------------------------
def _augmenting_model(library):
    L = library.layers
    return library.Sequential([
        library.Input((8, 8, 3)),
        L.Rescaling(1 / 255),
        L.RandomFlip(seed=1),
        L.RandomRotation(0.1, seed=2),
        L.RandomZoom(0.1, seed=3),
        L.RandomTranslation(0.1, 0.1, seed=4),
        L.RandomContrast(0.2, value_range=(0, 1), seed=5),
        L.RandomBrightness(0.1, value_range=(0, 1), seed=6),
        L.Resizing(6, 6),
        L.CenterCrop(5, 5),
        L.RandomCrop(5, 5, seed=7),
        L.Flatten(),
        L.Dense(2),
    ], name="augmenting")


def test_a_model_with_augmentation_layers_trains_in_fit():
    model = _augmenting_model(lamina)
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.uniform(0, 255, size=(8, 8, 8, 3)).astype("float32")
    y = RNG.normal(size=(8, 2)).astype("float32")
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and len(set(losses)) == 3
    # predict runs with training=False: the random layers leave the batch alone
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_model_with_random_crop_changes_the_size_in_fit():
    model = lamina.Sequential([lamina.Input((8, 8, 1)), lamina.layers.RandomCrop(6, 6),
                               lamina.layers.Flatten(), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.uniform(size=(4, 8, 8, 1)).astype("float32")
    model.fit(x, np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert model.predict(x, verbose=0).shape == (4, 1)


@pytest.mark.parametrize("direction", ["lamina_to_lamina", "lamina_to_keras", "keras_to_lamina"])
def test_a_model_file_with_augmentation_layers_round_trips(tmp_path,
                                                             direction):
    source_lib = keras() if direction.startswith("keras") else lamina
    target_lib = lamina if direction.endswith("lamina") else keras()
    source = _augmenting_model(source_lib)
    path = str(tmp_path / "augmenting.keras")
    source.save(path)
    target = target_lib.models.load_model(path)
    x = RNG.uniform(0, 255, size=(3, 8, 8, 3)).astype("float32")
    expected = np.asarray(source.predict(x, verbose=0))
    np.testing.assert_allclose(np.asarray(target.predict(x, verbose=0)), expected,
                               rtol=1e-5, atol=1e-5)
    names = [type(layer).__name__ for layer in target.layers]
    assert names[:3] == ["Rescaling", "RandomFlip", "RandomRotation"]

"""Rescaling, Resizing, CenterCrop and RandomCrop: NumPy references and Keras 3 as oracle."""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import preprocessing as layers

from ..layer_checks import keras
from ..layer_checks import to_numpy

RNG = np.random.default_rng(1)
BATCH = RNG.uniform(0, 255, size=(2, 6, 9, 3)).astype("float32")
UINT8 = BATCH.astype("uint8")


def _channels_first(x):
    return np.moveaxis(x, -1, -3)


def _keras_numpy(layer, x, **kwargs):
    k = keras()
    return np.asarray(k.ops.convert_to_numpy(layer(x, **kwargs)))


# -- Rescaling --------------------------------------------------------------------------------
def test_rescaling_multiplies_then_adds_in_the_compute_dtype():
    out = layers.Rescaling(1 / 127.5, offset=-1)(UINT8)
    assert ops.dtype(out) == "float32"
    np.testing.assert_allclose(to_numpy(out), UINT8 / 127.5 - 1, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("scale, offset", [(0.5, 0.0), ([0.5, 1.0, 2.0], [1.0, 0.0, -1.0]),
                                           (np.array([0.1, 0.2, 0.3]), 2.0)])
def test_rescaling_matches_keras(scale, offset):
    expected = _keras_numpy(keras().layers.Rescaling(scale, offset), UINT8)
    np.testing.assert_allclose(to_numpy(layers.Rescaling(scale, offset)(UINT8)), expected,
                               rtol=1e-6)


def test_rescaling_per_channel_scale_follows_channels_first_images():
    previous = lamina.config.image_data_format()
    lamina.config.set_image_data_format("channels_first")
    try:
        out = to_numpy(layers.Rescaling([1.0, 2.0, 3.0])(_channels_first(BATCH)))
    finally:
        lamina.config.set_image_data_format(previous)
    np.testing.assert_allclose(out, _channels_first(BATCH * [1.0, 2.0, 3.0]), rtol=1e-6)


def test_rescaling_follows_a_mixed_precision_policy():
    out = layers.Rescaling(1 / 255, dtype="mixed_float16")(UINT8)
    assert ops.dtype(out) == "float16"


def test_rescaling_config_matches_keras_for_arrays_and_round_trips():
    layer = layers.Rescaling(np.array([0.5, 0.25], "float32"), offset=1.0)
    config = json.loads(json.dumps(layer.get_config()))
    k_config = keras().layers.Rescaling(np.array([0.5, 0.25], "float32"), 1.0).get_config()
    assert config["scale"] == k_config["scale"]
    assert set(config) == set(k_config)
    clone = layers.Rescaling.from_config(config)
    np.testing.assert_array_equal(clone.scale, layer.scale)
    assert keras().layers.Rescaling.from_config(config).get_config()["scale"] == \
        config["scale"]


# -- Resizing ---------------------------------------------------------------------------------
RESIZE_OPTIONS = [
    {},
    {"interpolation": "nearest"},
    {"crop_to_aspect_ratio": True},
    {"pad_to_aspect_ratio": True, "fill_value": 7.0},
    {"antialias": True},
]


@pytest.mark.parametrize("options, data_format", [
    *[(options, "channels_last") for options in RESIZE_OPTIONS],
    ({}, "channels_first"),
    ({"pad_to_aspect_ratio": True, "fill_value": 7.0}, "channels_first"),
])
def test_resizing_matches_keras(options, data_format):
    x = BATCH if data_format == "channels_last" else _channels_first(BATCH)
    kwargs = dict(options, data_format=data_format)
    expected = _keras_numpy(keras().layers.Resizing(4, 5, **kwargs), x)
    got = to_numpy(layers.Resizing(4, 5, **kwargs)(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_resizing_keeps_integer_inputs_integer_as_keras_does():
    out = layers.Resizing(3, 4)(UINT8)
    expected = _keras_numpy(keras().layers.Resizing(3, 4), UINT8)
    assert ops.dtype(out) == "uint8" and expected.dtype == np.uint8
    assert np.abs(to_numpy(out).astype(int) - expected.astype(int)).max() <= 1


def test_resizing_one_image_and_output_shape():
    layer = layers.Resizing(4, 5)
    assert tuple(layer(BATCH[0]).shape) == (4, 5, 3)
    assert layer.compute_output_shape((None, 6, 9, 3)) == (None, 4, 5, 3)
    assert tuple(layer(lamina.Input((6, 9, 3))).shape) == (None, 4, 5, 3)


@pytest.mark.parametrize("kwargs, message", [
    ({"interpolation": "bicubic"}, "does not implement"),
    ({"interpolation": "area"}, "interpolation"),
    ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "only one of"),
    ({"fill_mode": "reflect"}, "fill_mode"),
    ({"height": 0}, "height"),
])
def test_resizing_rejects_bad_arguments_with_a_clear_message(kwargs, message):
    arguments = {"height": 4, "width": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        layers.Resizing(**arguments)


# -- CenterCrop -------------------------------------------------------------------------------
@pytest.mark.parametrize("size, data_format", [
    *[(size, "channels_last") for size in [(4, 5), (3, 8), (6, 9), (8, 4), (9, 12)]],
    ((4, 5), "channels_first"),
    ((8, 4), "channels_first"),
])
def test_center_crop_matches_keras_larger_and_smaller_targets(size, data_format):
    x = BATCH if data_format == "channels_last" else _channels_first(BATCH)
    expected = _keras_numpy(keras().layers.CenterCrop(*size, data_format=data_format), x)
    got = to_numpy(layers.CenterCrop(*size, data_format=data_format)(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_center_crop_cuts_the_middle_like_numpy_slicing():
    out = to_numpy(layers.CenterCrop(3, 4)(UINT8))
    # margins 3 and 5: one row on top, two columns on the left (the odd pixel goes last)
    np.testing.assert_array_equal(out, UINT8[:, 1:4, 2:6].astype("float32"))


def test_center_crop_one_image_and_output_shape():
    layer = layers.CenterCrop(3, 4)
    assert tuple(layer(BATCH[0]).shape) == (3, 4, 3)
    assert layer.compute_output_shape((None, 6, 9, 3)) == (None, 3, 4, 3)
    with pytest.raises(ValueError, match="rank"):
        layer.compute_output_shape((6, 9))


# -- RandomCrop -------------------------------------------------------------------------------
def _window_offsets(out, images):
    """Every (top, left) at which ``out`` is a window of each of ``images``."""
    height, width = out.shape[1:3]
    return {(top, left)
            for top in range(images.shape[1] - height + 1)
            for left in range(images.shape[2] - width + 1)
            if np.array_equal(images[:, top:top + height, left:left + width], out)}


def test_random_crop_cuts_one_window_shared_by_the_batch_while_training():
    layer = layers.RandomCrop(4, 5, seed=3)
    offsets = set()
    for _ in range(8):
        out = to_numpy(layer(BATCH, training=True))
        found = _window_offsets(out, BATCH)
        assert len(found) == 1
        offsets |= found
    assert len(offsets) > 1  # the window moves from call to call


def test_random_crop_channels_first_and_one_image():
    layer = layers.RandomCrop(4, 5, seed=3, data_format="channels_first")
    out = to_numpy(layer(_channels_first(BATCH), training=True))
    assert len(_window_offsets(np.moveaxis(out, 1, -1), BATCH)) == 1
    one = to_numpy(layers.RandomCrop(4, 5, seed=3)(BATCH[0], training=True))
    assert len(_window_offsets(one[None], BATCH[:1])) == 1


@pytest.mark.parametrize("size", [(4, 5), (8, 12)])
def test_random_crop_at_inference_crops_to_aspect_ratio_and_resizes(size):
    # Keras documents this; Keras 3.15's code returns the input unchanged instead.
    expected = _keras_numpy(keras().layers.Resizing(*size, crop_to_aspect_ratio=True),
                            BATCH)
    got = to_numpy(layers.RandomCrop(*size, seed=1)(BATCH, training=False))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_random_crop_resizes_inputs_smaller_than_the_window_while_training():
    got = to_numpy(layers.RandomCrop(8, 12, seed=1)(BATCH, training=True))
    expected = to_numpy(layers.RandomCrop(8, 12, seed=1)(BATCH, training=False))
    np.testing.assert_array_equal(got, expected)


def test_random_crop_records_a_drawn_seed_in_its_config():
    config = layers.RandomCrop(4, 5).get_config()
    assert isinstance(config["seed"], int)
    assert set(config) == set(keras().layers.RandomCrop(4, 5).get_config())


# -- configs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [
    ("Rescaling", {"scale": 0.5, "offset": 1.0}),
    ("Resizing", {"height": 4, "width": 5, "pad_to_aspect_ratio": True, "fill_value": 2.0}),
    ("CenterCrop", {"height": 4, "width": 5, "data_format": "channels_first"}),
])
def test_deterministic_layers_config_round_trips_and_has_keras_keys(name, kwargs):
    layer = getattr(layers, name)(**kwargs)
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    k_config = getattr(keras().layers, name).from_config(config).get_config()
    assert set(config) == set(k_config)
    assert all(config[key] == k_config[key] for key in config if key != "dtype")

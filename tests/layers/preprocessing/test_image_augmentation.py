"""The random augmentation layers' transforms: NumPy references and Keras 3 as oracle.

A factor range of zero width (``(0.1, 0.1)``) makes a random layer deterministic, so its
output can be compared exactly with a reference and with Keras in training mode.
"""

import numpy as np
import pytest

from lamina.layers import preprocessing as layers

from ..layer_checks import keras
from ..layer_checks import to_numpy
from . import image_reference

RNG = np.random.default_rng(2)
IMAGES = RNG.uniform(0, 255, size=(4, 6, 9, 3)).astype("float32")
SQUARE = RNG.uniform(0, 1, size=(3, 5, 5, 2)).astype("float32")


def _keras_train(name, x, *args, **kwargs):
    layer = getattr(keras().layers, name)(*args, **kwargs)
    return np.asarray(keras().ops.convert_to_numpy(layer(x, training=True)))


def _train(name, x, *args, **kwargs):
    return to_numpy(getattr(layers, name)(*args, **kwargs)(x, training=True))


# -- RandomFlip -------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, flip", [
    ("horizontal", lambda x: x[:, ::-1]),
    ("vertical", lambda x: x[::-1]),
    # Keras 3 decides both flips with one coin: a flipped image is turned 180 degrees.
    ("horizontal_and_vertical", lambda x: x[::-1, ::-1]),
])
def test_random_flip_leaves_or_flips_each_image(mode, flip):
    images = RNG.uniform(size=(16, 3, 4, 2)).astype("float32")
    out = to_numpy(layers.RandomFlip(mode, seed=5)(images, training=True))
    flipped = [np.array_equal(o, flip(x)) for o, x in zip(out, images)]
    kept = [np.array_equal(o, x) for o, x in zip(out, images)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert any(flipped) and any(kept)


def test_random_flip_channels_first_flips_the_spatial_axes():
    images = RNG.uniform(size=(16, 2, 3, 4)).astype("float32")
    out = to_numpy(layers.RandomFlip("horizontal", seed=5,
                                     data_format="channels_first")(images, training=True))
    assert all(np.array_equal(o, x) or np.array_equal(o, x[:, :, ::-1])
               for o, x in zip(out, images))


# -- RandomRotation ---------------------------------------------------------------------------
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_random_rotation_matches_the_reference_and_keras(fill_mode):
    kwargs = {"factor": (0.1, 0.1), "fill_mode": fill_mode, "fill_value": 3.0}
    got = _train("RandomRotation", IMAGES, **kwargs)
    transform = image_reference.rotation_transform(36.0, 6, 9)
    expected = image_reference.affine_transform(IMAGES, transform, fill_mode=fill_mode,
                                                fill_value=3.0)
    np.testing.assert_allclose(got, expected, atol=2e-3)
    np.testing.assert_allclose(got, _keras_train("RandomRotation", IMAGES, **kwargs),
                               atol=2e-3)


def test_random_rotation_by_a_quarter_turn_is_numpy_rot90():
    got = _train("RandomRotation", SQUARE, (0.25, 0.25), interpolation="nearest")
    # Positive angles turn counter-clockwise.
    np.testing.assert_array_equal(got, np.rot90(SQUARE, k=1, axes=(1, 2)))


def test_random_rotation_channels_first_and_one_image():
    kwargs = {"factor": (0.1, 0.1), "fill_mode": "constant"}
    expected = _train("RandomRotation", IMAGES, **kwargs)
    first = _train("RandomRotation", np.moveaxis(IMAGES, -1, 1),
                   data_format="channels_first", **kwargs)
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), expected, atol=1e-4)
    np.testing.assert_allclose(_train("RandomRotation", IMAGES[0], **kwargs), expected[0],
                               atol=1e-4)


# -- RandomZoom -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, zoom_y, zoom_x", [
    ({"height_factor": (-0.3, -0.3)}, 0.7, 0.7),
    ({"height_factor": (0.4, 0.4), "width_factor": (-0.2, -0.2), "fill_mode": "constant"},
     1.4, 0.8),
])
def test_random_zoom_matches_the_reference_and_keras(kwargs, zoom_y, zoom_x):
    got = _train("RandomZoom", IMAGES, **kwargs)
    transform = image_reference.zoom_transform(zoom_y, zoom_x, 6, 9)
    expected = image_reference.affine_transform(IMAGES, transform,
                                                fill_mode=kwargs.get("fill_mode", "reflect"))
    np.testing.assert_allclose(got, expected, atol=2e-3)
    np.testing.assert_allclose(got, _keras_train("RandomZoom", IMAGES, **kwargs), atol=2e-3)


def test_random_zoom_out_by_a_factor_keeps_the_centre_pixel():
    got = _train("RandomZoom", SQUARE, (0.6, 0.6), fill_mode="constant")
    np.testing.assert_allclose(got[:, 2, 2], SQUARE[:, 2, 2], atol=1e-6)


# -- RandomTranslation ------------------------------------------------------------------------
def test_random_translation_by_whole_pixels_is_numpy_roll_with_wrap():
    got = _train("RandomTranslation", IMAGES, (1 / 3, 1 / 3), (-2 / 9, -2 / 9),
                 fill_mode="wrap", interpolation="nearest")
    np.testing.assert_array_equal(got, np.roll(IMAGES, (2, -2), axis=(1, 2)))


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_random_translation_matches_the_reference_and_keras(fill_mode):
    kwargs = {"height_factor": (0.3, 0.3), "width_factor": (-0.2, -0.2),
              "fill_mode": fill_mode}
    got = _train("RandomTranslation", IMAGES, **kwargs)
    transform = [1, 0, 0.2 * 9, 0, 1, -0.3 * 6, 0, 0]
    expected = image_reference.affine_transform(IMAGES, transform, fill_mode=fill_mode)
    np.testing.assert_allclose(got, expected, atol=2e-3)
    np.testing.assert_allclose(got, _keras_train("RandomTranslation", IMAGES, **kwargs),
                               atol=2e-3)


# -- RandomContrast and RandomBrightness ------------------------------------------------------
def _contrast_reference(x, factor, low, high):
    mean = x.mean(axis=(-3, -2), keepdims=True)
    return np.clip((x - mean) * factor + mean, low, high)


def test_random_contrast_matches_the_formula_and_keras():
    # (-0.3, 0.3) draws from [1 + 0.3, 1 + 0.3]: a fixed factor of 1.3.
    got = _train("RandomContrast", IMAGES, (-0.3, 0.3))
    np.testing.assert_allclose(got, _contrast_reference(IMAGES, 1.3, 0, 255), atol=1e-3)
    np.testing.assert_allclose(got, _keras_train("RandomContrast", IMAGES, (-0.3, 0.3)),
                               atol=1e-3)


def test_random_contrast_draws_one_factor_per_image_in_range():
    images = RNG.uniform(0.2, 0.8, size=(16, 4, 4, 3)).astype("float32")
    out = to_numpy(layers.RandomContrast((0.5, 0.5), value_range=(0, 1),
                                         seed=2)(images, training=True))
    mean = images.mean(axis=(1, 2), keepdims=True)
    ratios = (out - mean) / (images - mean)  # the factor, where nothing was clipped
    for ratio, o in zip(ratios, out):
        inside = (o > 0) & (o < 1)
        factor = np.median(ratio[inside])
        assert 0.5 <= factor <= 1.5
        np.testing.assert_allclose(ratio[inside], factor, rtol=1e-3, atol=1e-3)
    assert np.ptp([np.median(r) for r in ratios]) > 0.1


def test_random_contrast_single_number_only_raises_contrast_as_keras_does():
    assert layers.RandomContrast(0.5).factor == (0, 0.5)
    assert tuple(keras().layers.RandomContrast(0.5).factor) == (0, 0.5)


def test_random_contrast_channels_first_takes_the_mean_over_height_and_width():
    first = np.moveaxis(IMAGES, -1, 1)
    got = _train("RandomContrast", first, (-0.3, 0.3), data_format="channels_first")
    expected = np.moveaxis(_contrast_reference(IMAGES, 1.3, 0, 255), -1, 1)
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_random_brightness_matches_the_formula_and_keras():
    got = _train("RandomBrightness", IMAGES, (0.1, 0.1))
    np.testing.assert_allclose(got, np.clip(IMAGES + 25.5, 0, 255), atol=1e-3)
    np.testing.assert_allclose(got, _keras_train("RandomBrightness", IMAGES, (0.1, 0.1)),
                               atol=1e-3)


def test_random_brightness_adds_one_offset_per_image_within_the_range():
    images = RNG.uniform(0.3, 0.7, size=(16, 3, 3, 2)).astype("float32")
    out = to_numpy(layers.RandomBrightness(0.2, value_range=(0, 1),
                                           seed=4)(images, training=True))
    deltas = (out - images).reshape(16, -1)
    np.testing.assert_allclose(deltas, deltas[:, :1] * np.ones_like(deltas), atol=1e-6)
    assert np.all(np.abs(deltas) <= 0.2 + 1e-6) and np.ptp(deltas[:, 0]) > 0.05


def test_random_brightness_clips_to_the_value_range():
    out = _train("RandomBrightness", IMAGES, (1.0, 1.0), value_range=(255, 0))
    np.testing.assert_array_equal(out, np.full_like(IMAGES, 255))


# -- argument errors --------------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomFlip("diagonal"), "RandomFlip: `mode`"),
    (lambda: layers.RandomRotation(1.5), "RandomRotation: `factor`"),
    (lambda: layers.RandomRotation("big"), "RandomRotation: `factor`"),
    (lambda: layers.RandomRotation((0.1, 0.2, 0.3)), "RandomRotation: `factor`"),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "`fill_mode`"),
    (lambda: layers.RandomRotation(0.1, interpolation="bicubic"), "`interpolation`"),
    (lambda: layers.RandomZoom(-1.0), "RandomZoom: `height_factor`"),
    (lambda: layers.RandomZoom(0.2, (0.1, 1.5)), "RandomZoom: `width_factor`"),
    (lambda: layers.RandomTranslation(0.1, -1.1), "`width_factor`"),
    (lambda: layers.RandomTranslation((0.1, 2), 0.1), "`height_factor`"),
    (lambda: layers.RandomContrast(-0.1), "RandomContrast: `factor`"),
    (lambda: layers.RandomContrast(1.5), "RandomContrast: `factor`"),
    (lambda: layers.RandomBrightness(1.2), "RandomBrightness: `factor`"),
    (lambda: layers.RandomBrightness(0.2, value_range=255), "`value_range`"),
    (lambda: layers.RandomCrop(0, 3), "RandomCrop: `height`"),
    (lambda: layers.RandomFlip(data_format="nhwc"), "data_format"),
])
def test_random_layers_reject_bad_arguments_with_a_clear_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_random_layers_reject_inputs_that_are_not_images():
    with pytest.raises(ValueError, match="rank 3"):
        layers.RandomFlip(seed=1)(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="bounding_boxes"):
        layers.RandomFlip(seed=1)({"images": np.zeros((2, 4, 4, 3), "float32")})

"""``ops.image.affine_transform``: a NumPy pixel-by-pixel reference and Keras 3 as oracles."""

import numpy as np
import pytest

from lamina import ops

from ..layer_checks import keras
from ..layer_checks import to_numpy
from . import image_reference

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(size=(3, 5, 7, 2)).astype("float32")
# A general affine map, a pure shift and a shear-plus-scale: coordinates far outside the
# image (so every fill mode matters) and none exactly halfway between pixels.
TRANSFORMS = np.array([
    [0.913, 0.217, -1.31, -0.113, 1.107, 0.71, 0, 0],
    [1.0, 0.0, -2.3, 0.0, 1.0, 1.6, 0, 0],
    [0.557, 0.31, 2.13, 0.207, -1.23, 4.07, 0, 0],
], "float32")
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


@pytest.mark.parametrize("interpolation, fill_mode, data_format", [
    *[(i, m, "channels_last") for i in ("bilinear", "nearest") for m in FILL_MODES],
    ("bilinear", "reflect", "channels_first"),
    ("nearest", "constant", "channels_first"),
])
def test_affine_transform_matches_the_numpy_reference(interpolation, fill_mode,
                                                       data_format):
    images = IMAGES if data_format == "channels_last" else IMAGES.transpose(0, 3, 1, 2)
    got = ops.image.affine_transform(images, TRANSFORMS, interpolation, fill_mode, 0.5,
                                     data_format)
    expected = image_reference.affine_transform(images, TRANSFORMS, interpolation,
                                                fill_mode, 0.5, data_format)
    np.testing.assert_allclose(to_numpy(got), expected, atol=2e-6)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_affine_transform_matches_keras(fill_mode):
    k = keras()
    for interpolation in ("bilinear", "nearest"):
        expected = k.ops.convert_to_numpy(k.ops.image.affine_transform(
            IMAGES, TRANSFORMS, interpolation, fill_mode, 0.25))
        got = to_numpy(ops.image.affine_transform(IMAGES, TRANSFORMS, interpolation,
                                                  fill_mode, 0.25))
        np.testing.assert_allclose(got, expected, atol=2e-6)


def test_affine_transform_identity_returns_the_images():
    identity = [1, 0, 0, 0, 1, 0, 0, 0]
    np.testing.assert_array_equal(to_numpy(ops.image.affine_transform(IMAGES, identity)),
                                  IMAGES)


def test_affine_transform_shifts_by_whole_pixels_like_numpy_roll():
    shift = [1, 0, -2, 0, 1, 1, 0, 0]  # reads (x - 2, y + 1): moves right 2, up 1
    got = to_numpy(ops.image.affine_transform(IMAGES, shift, fill_mode="wrap"))
    np.testing.assert_allclose(got, np.roll(IMAGES, (-1, 2), axis=(1, 2)), atol=1e-6)


def test_affine_transform_one_image_with_one_transform():
    got = ops.image.affine_transform(IMAGES[0], TRANSFORMS[0], fill_mode="reflect")
    expected = image_reference.affine_transform(IMAGES[0], TRANSFORMS[0],
                                                fill_mode="reflect")
    assert tuple(got.shape) == IMAGES[0].shape
    np.testing.assert_allclose(to_numpy(got), expected, atol=2e-6)


def test_affine_transform_one_transform_applies_to_every_image():
    got = to_numpy(ops.image.affine_transform(IMAGES, TRANSFORMS[:1]))
    expected = image_reference.affine_transform(IMAGES, TRANSFORMS[:1])
    np.testing.assert_allclose(got, expected, atol=2e-6)


def test_affine_transform_divides_by_the_projective_terms():
    transform = np.array([1.1, 0.1, -0.53, 0.05, 0.9, 0.31, 0.04, -0.03], "float32")
    got = to_numpy(ops.image.affine_transform(IMAGES, transform, fill_mode="nearest"))
    expected = image_reference.affine_transform(IMAGES, transform, fill_mode="nearest")
    np.testing.assert_allclose(got, expected, atol=2e-6)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_keeps_integer_dtypes_and_rounds(interpolation):
    images = (IMAGES * 255).astype("uint8")
    got = ops.image.affine_transform(images, TRANSFORMS, interpolation, "constant", 7)
    assert ops.dtype(got) == "uint8"
    expected = image_reference.affine_transform(images, TRANSFORMS, interpolation,
                                                "constant", 7)
    # A float32 sum can land on the other side of .5 than the float64 reference.
    assert np.abs(to_numpy(got).astype(int) - expected.astype(int)).max() <= 1


def test_affine_transform_rounds_halfway_coordinates_away_from_zero():
    row = np.arange(4, dtype="float32").reshape(1, 4, 1)
    half_left = [1, 0, -0.5, 0, 1, 0, 0, 0]  # column x reads x - 0.5
    got = to_numpy(ops.image.affine_transform(row, half_left, "nearest", "nearest"))
    # x - 0.5 rounds to x for x >= 1 and to -1 (clamped to 0) for x = 0.
    np.testing.assert_array_equal(got[0, :, 0], [0, 1, 2, 3])


@pytest.mark.parametrize("kwargs, message", [
    ({"interpolation": "bicubic"}, "interpolation"),
    ({"fill_mode": "edge"}, "fill_mode"),
    ({"transform": [1, 0, 0, 0, 1, 0]}, "transform"),
    ({"transform": np.zeros((2, 8), "float32")}, "2 transforms for 3"),
    ({"images": IMAGES[0, :, :, 0]}, "rank 3"),
])
def test_affine_transform_rejects_bad_arguments_with_a_clear_message(kwargs, message):
    arguments = {"images": IMAGES, "transform": TRANSFORMS[0], **kwargs}
    with pytest.raises(ValueError, match=message):
        ops.image.affine_transform(**arguments)

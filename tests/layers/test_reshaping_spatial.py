"""Spatial reshaping layers: ZeroPadding, Cropping, UpSampling (1-3D); ``ops.image.resize``.

The resize reference is written from the half-pixel rule: output cell ``i`` of ``out``
samples the input at ``(i + 0.5) * in / out - 0.5`` (clamped to the input), linearly
between its two neighbours ("bilinear") or at the cell ``floor((i + 0.5) * in / out)``
("nearest").
"""

import json

import numpy as np
import pytest

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


def _spatial_axes(x, data_format, rank):
    first = 2 if data_format == "channels_first" else 1
    return list(range(first, first + rank))


def interpolation_matrix(size_in, size_out, method):
    """The ``(size_out, size_in)`` matrix resampling one axis by the half-pixel rule."""
    matrix = np.zeros((size_out, size_in))
    for i in range(size_out):
        if method == "nearest":
            matrix[i, min(int(np.floor((i + 0.5) * size_in / size_out)), size_in - 1)] = 1.0
            continue
        src = min(max((i + 0.5) * size_in / size_out - 0.5, 0.0), size_in - 1)
        low = int(np.floor(src))
        high = min(low + 1, size_in - 1)
        matrix[i, low] += 1.0 - (src - low)
        matrix[i, high] += src - low
    return matrix


def resize_reference(x, size, method="bilinear", data_format="channels_last"):
    """Resize a rank-4 batch (or rank-3 image) along its two spatial axes."""
    out = np.asarray(x, dtype="float64")
    first = (out.ndim - 3) if data_format == "channels_last" else (out.ndim - 2)
    for axis, target in zip((first, first + 1), size):
        matrix = interpolation_matrix(out.shape[axis], target, method)
        out = np.moveaxis(np.tensordot(matrix, np.moveaxis(out, axis, 0), axes=1), 0, axis)
    return out


def pad_reference(x, pairs, data_format="channels_last"):
    widths = [(0, 0)] * x.ndim
    for axis, pair in zip(_spatial_axes(x, data_format, len(pairs)), pairs):
        widths[axis] = pair
    return np.pad(x, widths)


def crop_reference(x, pairs, data_format="channels_last"):
    index = [slice(None)] * x.ndim
    for axis, (start, end) in zip(_spatial_axes(x, data_format, len(pairs)), pairs):
        index[axis] = slice(start, x.shape[axis] - end)
    return x[tuple(index)]


def repeat_reference(x, factors, data_format="channels_last"):
    for axis, factor in zip(_spatial_axes(x, data_format, len(factors)), factors):
        x = np.repeat(x, factor, axis=axis)
    return x


def bilinear_upsampling_reference(x, factors, data_format="channels_last"):
    axes = _spatial_axes(x, data_format, 2)
    size = (x.shape[axes[0]] * factors[0], x.shape[axes[1]] * factors[1])
    return resize_reference(x, size, "bilinear", data_format)


# name -> (layer class name, constructor kwargs, input shape, NumPy reference)
CASES = {
    "zero_padding1d_default": ("ZeroPadding1D", {}, (2, 4, 3),
                               lambda x: pad_reference(x, [(1, 1)])),
    "zero_padding1d_pair_cf": ("ZeroPadding1D", {"padding": (2, 0),
                                                 "data_format": "channels_first"},
                               (2, 3, 4), lambda x: pad_reference(x, [(2, 0)],
                                                                  "channels_first")),
    "zero_padding2d_int": ("ZeroPadding2D", {"padding": 2}, (1, 3, 2, 2),
                           lambda x: pad_reference(x, [(2, 2), (2, 2)])),
    "zero_padding2d_symmetric": ("ZeroPadding2D", {"padding": (1, 0)}, (2, 3, 4, 2),
                                 lambda x: pad_reference(x, [(1, 1), (0, 0)])),
    "zero_padding2d_pairs_cf": ("ZeroPadding2D", {"padding": ((0, 1), (2, 3)),
                                                  "data_format": "channels_first"},
                                (2, 2, 3, 3), lambda x: pad_reference(
                                    x, [(0, 1), (2, 3)], "channels_first")),
    "zero_padding3d_default": ("ZeroPadding3D", {}, (1, 2, 3, 2, 2),
                               lambda x: pad_reference(x, [(1, 1)] * 3)),
    "zero_padding3d_mixed_cf": ("ZeroPadding3D", {"padding": (1, (0, 2), 0),
                                                  "data_format": "channels_first"},
                                (1, 2, 2, 3, 2), lambda x: pad_reference(
                                    x, [(1, 1), (0, 2), (0, 0)], "channels_first")),
    "cropping1d_default": ("Cropping1D", {}, (2, 5, 3),
                           lambda x: crop_reference(x, [(1, 1)])),
    "cropping1d_pair": ("Cropping1D", {"cropping": (2, 0)}, (2, 5, 3),
                        lambda x: crop_reference(x, [(2, 0)])),
    "cropping2d_int": ("Cropping2D", {"cropping": 1}, (2, 4, 5, 2),
                       lambda x: crop_reference(x, [(1, 1), (1, 1)])),
    "cropping2d_pairs_cf": ("Cropping2D", {"cropping": ((0, 2), (1, 0)),
                                           "data_format": "channels_first"}, (2, 2, 5, 4),
                            lambda x: crop_reference(x, [(0, 2), (1, 0)], "channels_first")),
    "cropping3d_default": ("Cropping3D", {}, (1, 4, 3, 5, 2),
                           lambda x: crop_reference(x, [(1, 1)] * 3)),
    "cropping3d_symmetric_cf": ("Cropping3D", {"cropping": (0, 1, (2, 0)),
                                               "data_format": "channels_first"},
                                (1, 2, 3, 4, 5), lambda x: crop_reference(
                                    x, [(0, 0), (1, 1), (2, 0)], "channels_first")),
    "up_sampling1d_default": ("UpSampling1D", {}, (2, 3, 2),
                              lambda x: repeat_reference(x, [2])),
    "up_sampling1d_three": ("UpSampling1D", {"size": 3}, (2, 3, 2),
                            lambda x: repeat_reference(x, [3])),
    "up_sampling2d_default": ("UpSampling2D", {}, (2, 2, 3, 2),
                              lambda x: repeat_reference(x, [2, 2])),
    "up_sampling2d_cf": ("UpSampling2D", {"size": (1, 3), "data_format": "channels_first"},
                         (2, 2, 2, 3), lambda x: repeat_reference(x, [1, 3], "channels_first")),
    "up_sampling2d_bilinear": ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"},
                               (2, 3, 2, 2),
                               lambda x: bilinear_upsampling_reference(x, (2, 3))),
    "up_sampling2d_bilinear_cf": ("UpSampling2D", {"size": 2, "interpolation": "bilinear",
                                                   "data_format": "channels_first"},
                                  (1, 2, 3, 3), lambda x: bilinear_upsampling_reference(
                                      x, (2, 2), "channels_first")),
    "up_sampling3d_default": ("UpSampling3D", {}, (1, 2, 2, 1, 2),
                              lambda x: repeat_reference(x, [2, 2, 2])),
    "up_sampling3d_cf": ("UpSampling3D", {"size": (1, 2, 3), "data_format": "channels_first"},
                         (1, 2, 2, 2, 1),
                         lambda x: repeat_reference(x, [1, 2, 3], "channels_first")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_spatial_layer_matches_numpy_reference(case):
    name, kwargs, shape, reference = CASES[case]
    x = random_array(*shape)
    out = to_numpy(getattr(layers, name)(**kwargs)(x))
    np.testing.assert_allclose(out, reference(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_spatial_layer_matches_keras(case):
    name, kwargs, shape, _ = CASES[case]
    x = random_array(*shape, seed=3)
    expected = keras_output(getattr(keras().layers, name)(**kwargs), x)
    out = to_numpy(getattr(layers, name)(**kwargs)(x))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["zero_padding2d_pairs_cf", "cropping3d_symmetric_cf",
                                  "up_sampling1d_three", "up_sampling2d_bilinear",
                                  "up_sampling2d_bilinear_cf"])
def test_spatial_layer_input_gradient_matches_finite_differences(case):
    name, kwargs, shape, reference = CASES[case]
    shape = (1,) + shape[1:]
    x = random_array(*shape, seed=1)
    layer = getattr(layers, name)(**kwargs)
    projection = random_array(*reference(x).shape, seed=2)
    (grad,) = lamina_grads(layer, [x], (), projection)
    expected = numeric_grad(reference_loss(reference, projection), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_spatial_layer_config_round_trip_gives_same_output(case):
    name, kwargs, shape, _ = CASES[case]
    expected, actual = config_round_trip(getattr(layers, name)(**kwargs), random_array(*shape))
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_spatial_layer_config_equals_keras_config(case):
    name, kwargs, _, _ = CASES[case]
    config = getattr(layers, name)(**kwargs).get_config()
    k_config = getattr(keras().layers, name)(**kwargs).get_config()
    assert set(config) == set(k_config)
    for key in set(config) - {"name", "dtype", "trainable"}:
        assert json.dumps(config[key]) == json.dumps(k_config[key]), key


@pytest.mark.parametrize("case", sorted(CASES))
def test_spatial_layer_compute_output_shape_matches_keras(case):
    name, kwargs, shape, _ = CASES[case]
    expected = getattr(keras().layers, name)(**kwargs).compute_output_shape(shape)
    assert getattr(layers, name)(**kwargs).compute_output_shape(shape) == tuple(expected)


@pytest.mark.parametrize("layer, input_shape, expected", [
    (lambda: layers.ZeroPadding1D((1, 2)), (None, 3), (None, None, 3)),
    (lambda: layers.ZeroPadding2D(1, data_format="channels_first"), (2, None, 4),
     (None, 2, None, 6)),
    (lambda: layers.ZeroPadding3D(), (2, 3, None, 1), (None, 4, 5, None, 1)),
    (lambda: layers.Cropping1D((1, 2)), (6, 3), (None, 3, 3)),
    (lambda: layers.Cropping2D(((1, 0), (1, 1))), (None, 5, 2), (None, None, 3, 2)),
    (lambda: layers.Cropping3D(1, data_format="channels_first"), (2, 4, None, 3),
     (None, 2, 2, None, 1)),
    (lambda: layers.UpSampling1D(3), (None, 2), (None, None, 2)),
    (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), (None, 4, 2),
     (None, None, 12, 2)),
    (lambda: layers.UpSampling3D(2, data_format="channels_first"), (1, 2, None, 3),
     (None, 1, 4, None, 6)),
])
def test_spatial_layer_symbolic_output_shape(layer, input_shape, expected):
    assert layer()(layers.Input(input_shape)).shape == expected


@pytest.mark.parametrize("layer", [
    lambda: layers.ZeroPadding2D(1), lambda: layers.Cropping2D(1),
    lambda: layers.UpSampling2D(2)])
def test_spatial_layer_symbolic_output_keeps_integer_dtype(layer):
    assert layer()(layers.Input((4, 4, 2), dtype="int32")).dtype == "int32"


def test_flatten_channels_first_orders_features_like_channels_last():
    x = random_array(2, 3, 4, 5)
    first = to_numpy(layers.Flatten(data_format="channels_first")(x))
    last = to_numpy(layers.Flatten()(np.transpose(x, (0, 2, 3, 1))))
    np.testing.assert_array_equal(first, last)


def test_cropping_everything_error_names_layer_and_sizes():
    layer = layers.Cropping2D(((2, 2), (0, 0)), name="greedy_crop")
    with pytest.raises(ValueError) as info:
        layer(np.ones((1, 4, 5, 1), "float32"))
    message = str(info.value)
    assert '"greedy_crop"' in message
    assert "removes 4 cells" in message and "size is 4" in message


def test_cropping_everything_is_reported_on_symbolic_input():
    with pytest.raises(ValueError, match=r"removes 3 cells .* size is 3"):
        layers.Cropping1D((1, 2))(layers.Input((3, 2)))


@pytest.mark.parametrize("layer, match", [
    (lambda: layers.ZeroPadding2D(((1, 1), (1, 1), (1, 1))),
     r"ZeroPadding2D: `padding` must be an int, a tuple of 2 ints"),
    (lambda: layers.ZeroPadding1D((1, 2, 3)),
     r"ZeroPadding1D: `padding` must be an int or a tuple of 2 ints"),
    (lambda: layers.ZeroPadding2D(-1), "`padding` cannot be negative"),
    (lambda: layers.Cropping3D(((1, 1), (1, 1))), r"Cropping3D: `cropping` must be"),
    (lambda: layers.Cropping2D(((1, -1), (0, 0))), "`cropping` cannot be negative"),
    (lambda: layers.UpSampling2D((2, 0)), r"UpSampling2D: `size` must be a positive int"),
    (lambda: layers.UpSampling3D((2, 2)), r"UpSampling3D: `size` must be a positive int"),
    (lambda: layers.UpSampling1D(0), r"UpSampling1D: `size` must be a positive int"),
])
def test_spatial_layer_rejects_bad_argument_with_clear_message(layer, match):
    with pytest.raises(ValueError, match=match):
        layer()


def test_up_sampling1d_rejects_non_int_size():
    with pytest.raises(TypeError, match="`size` must be an int"):
        layers.UpSampling1D(2.0)


def test_up_sampling2d_rejects_unknown_interpolation_and_lists_valid_names():
    with pytest.raises(ValueError, match=r"one of \('nearest', 'bilinear'\).*'area'"):
        layers.UpSampling2D(interpolation="area")


def test_up_sampling2d_accepts_upper_case_interpolation():
    assert layers.UpSampling2D(interpolation="Bilinear").interpolation == "bilinear"


def test_spatial_layer_rejects_input_of_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=5"):
        layers.ZeroPadding3D()(np.ones((2, 3, 4, 1), "float32"))


# -- ops.image.resize ------------------------------------------------------------------------

RESIZE_CASES = [
    ((2, 3, 4, 2), (6, 8), "bilinear", "channels_last"),
    ((2, 5, 6, 1), (2, 4), "bilinear", "channels_last"),
    ((1, 4, 3, 2), (7, 5), "bilinear", "channels_last"),
    ((2, 2, 3, 4), (5, 2), "bilinear", "channels_first"),
    ((3, 4, 2), (6, 3), "bilinear", "channels_last"),
    ((2, 3, 4, 2), (7, 9), "nearest", "channels_last"),
    ((2, 5, 6, 1), (2, 4), "nearest", "channels_last"),
    ((2, 2, 3, 4), (5, 2), "nearest", "channels_first"),
]


@pytest.mark.parametrize("shape, size, method, data_format", RESIZE_CASES)
def test_resize_matches_half_pixel_numpy_reference(shape, size, method, data_format):
    x = random_array(*shape)
    out = to_numpy(ops.image.resize(x, size, interpolation=method, data_format=data_format))
    np.testing.assert_allclose(out, resize_reference(x, size, method, data_format),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, size, method, data_format", RESIZE_CASES)
def test_resize_matches_keras(shape, size, method, data_format):
    x = random_array(*shape, seed=6)
    expected = keras().ops.convert_to_numpy(keras().ops.image.resize(
        x, size, interpolation=method, data_format=data_format))
    out = to_numpy(ops.image.resize(x, size, interpolation=method, data_format=data_format))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, size, kwargs", [
    ((2, 4, 6, 1), (3, 3), {"crop_to_aspect_ratio": True}),
    ((2, 6, 3, 2), (4, 4), {"crop_to_aspect_ratio": True}),
    ((1, 5, 3, 1), (2, 3), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
    ((1, 3, 7, 2), (4, 4), {"pad_to_aspect_ratio": True}),
    ((1, 2, 3, 7), (4, 4), {"pad_to_aspect_ratio": True, "data_format": "channels_first"}),
])
def test_resize_to_aspect_ratio_matches_keras(shape, size, kwargs):
    x = random_array(*shape, seed=7)
    expected = keras().ops.convert_to_numpy(keras().ops.image.resize(x, size, **kwargs))
    np.testing.assert_allclose(to_numpy(ops.image.resize(x, size, **kwargs)), expected,
                               rtol=1e-5, atol=1e-6)


def test_resize_crop_to_aspect_ratio_takes_the_centred_window():
    x = random_array(1, 4, 8, 1)
    out = to_numpy(ops.image.resize(x, (2, 2), crop_to_aspect_ratio=True))
    np.testing.assert_allclose(out, resize_reference(x[:, :, 2:6], (2, 2)), rtol=1e-5)


def test_resize_pad_to_aspect_ratio_pads_evenly_with_fill_value():
    x = random_array(1, 2, 4, 1)
    out = to_numpy(ops.image.resize(x, (4, 4), interpolation="nearest",
                                    pad_to_aspect_ratio=True, fill_value=9.0))
    expected = np.full((1, 4, 4, 1), 9.0)
    expected[:, 1:3] = x
    np.testing.assert_allclose(out, expected)


def test_resize_input_gradient_matches_finite_differences():
    x = random_array(1, 2, 3, 1, seed=1)
    projection = random_array(1, 5, 4, 1, seed=2)
    (grad,) = lamina_grads(lambda v: ops.image.resize(v, (5, 4)), [x], (), projection)
    expected = numeric_grad(reference_loss(lambda v: resize_reference(v, (5, 4)), projection),
                            x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


def test_resize_keeps_integer_dtype():
    x = np.arange(8, dtype="int32").reshape(1, 2, 4, 1)
    out = ops.image.resize(x, (4, 8), interpolation="nearest")
    assert ops.convert_to_numpy(out).dtype == np.int32
    np.testing.assert_array_equal(to_numpy(out), np.repeat(np.repeat(x, 2, 1), 2, 2))


def test_resize_is_importable_as_ops_image_module():
    from lamina.ops import image

    assert image.resize is ops.image.resize


@pytest.mark.parametrize("kwargs, match", [
    ({"size": (2, 2, 2)}, r"`size` must be a tuple of two positive ints"),
    ({"size": (2, 2), "interpolation": "bicubic"},
     r"`interpolation` must be one of \('bilinear', 'nearest'\)"),
    ({"size": (2, 2), "fill_mode": "reflect"}, r"`fill_mode` must be one of \('constant',\)"),
    ({"size": (2, 2), "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True},
     "only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio`"),
])
def test_resize_rejects_bad_arguments_with_clear_message(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ops.image.resize(random_array(1, 3, 3, 1), **kwargs)


def test_resize_rejects_images_of_wrong_rank():
    with pytest.raises(ValueError, match="rank 3 .* or rank 4"):
        ops.image.resize(random_array(3, 3), (2, 2))

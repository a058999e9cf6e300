"""The Keras image ops beyond resize / affine_transform (crop_images ... scale_and_translate):
values against independent NumPy / SciPy references and against Keras 3, both data formats,
batched and unbatched input, symbolic shapes, gradients and error text."""

import colorsys
import itertools

import numpy as np
import pytest

import lamina
from lamina import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
IMAGES = RNG.random((2, 9, 10, 3)).astype("float32")  # (batch, height, width, channels)
OTHER = RNG.random((2, 9, 10, 3)).astype("float32")
VOLUMES = RNG.random((2, 6, 7, 5, 2)).astype("float32")
FORMATS = ["channels_last", "channels_first"]


def _np(x):
    return ops.convert_to_numpy(x)


def _close(got, expected, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(_np(got), expected, rtol=rtol, atol=atol)


def _keras(x):
    return keras.ops.convert_to_numpy(x)


def _layout(images, data_format):
    """Channels-last test images in ``data_format`` (rank 3 or 4)."""
    if data_format == "channels_last":
        return images
    return np.moveaxis(images, -1, -3)


def _grad(loss, value):
    x = lamina.Variable(value)
    _, (grad,) = lamina.backend.value_and_grad(lambda: loss(x.value), [x])
    return _np(grad)


def _numeric_grad(reference, value, index, eps=1e-3):
    """Central difference of a float64 NumPy ``reference`` at one element of ``value``."""
    plus, minus = value.astype("float64"), value.astype("float64")
    plus[index] += eps
    minus[index] -= eps
    return (reference(plus) - reference(minus)) / (2 * eps)


# -- NumPy references ------------------------------------------------------------------------
def _np_patches(images, size, strides, dilation, padding):
    """Patches of (batch, *spatial, channels) images, one output position at a time."""
    spatial = images.shape[1:-1]
    if padding == "same":
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        pads = [max((o - 1) * s + (k - 1) * d + 1 - n, 0)
                for o, s, k, d, n in zip(out, strides, size, dilation, spatial)]
        images = np.pad(images, [(0, 0)] + [(p // 2, p - p // 2) for p in pads] + [(0, 0)])
    else:
        out = [(n - (k - 1) * d - 1) // s + 1
               for n, k, d, s in zip(spatial, size, dilation, strides)]
    result = np.zeros((images.shape[0], *out, int(np.prod(size)) * images.shape[-1]),
                      images.dtype)
    for position in itertools.product(*(range(o) for o in out)):
        patch = []
        for offset in itertools.product(*(range(k) for k in size)):
            index = tuple(p * s + o * d for p, s, o, d in zip(position, strides, offset,
                                                              dilation))
            patch.append(images[(slice(None), *index)])
        result[(slice(None), *position)] = np.concatenate(patch, axis=-1)
    return result


def _np_correlate(plane, kernel):
    """Zero-padded 'same' cross-correlation of a 2D plane with an odd 2D kernel."""
    kh, kw = kernel.shape
    padded = np.pad(plane, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    out = np.zeros(plane.shape, "float64")
    for i, j in itertools.product(range(kh), range(kw)):
        out += kernel[i, j] * padded[i:i + plane.shape[0], j:j + plane.shape[1]]
    return out


def _np_gaussian(size, sigma):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-x * x / (2 * sigma * sigma))
    return g / g.sum()


def _np_ssim(a, b, size=5, sigma=1.5, max_val=1.0, k1=0.01, k2=0.03):
    """SSIM of two (height, width, channels) images with 'valid' Gaussian windows."""
    window = np.outer(_np_gaussian(size, sigma), _np_gaussian(size, sigma))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    h, w = a.shape[0] - size + 1, a.shape[1] - size + 1
    values = []
    for c in range(a.shape[-1]):
        for i, j in itertools.product(range(h), range(w)):
            pa, pb = a[i:i + size, j:j + size, c], b[i:i + size, j:j + size, c]
            ma, mb = (window * pa).sum(), (window * pb).sum()
            va = (window * pa * pa).sum() - ma * ma
            vb = (window * pb * pb).sum() - mb * mb
            cov = (window * pa * pb).sum() - ma * mb
            values.append((2 * ma * mb + c1) * (2 * cov + c2)
                          / ((ma * ma + mb * mb + c1) * (va + vb + c2)))
    return np.mean(values)


# -- crop_images / pad_images ----------------------------------------------------------------
CROPS = [
    dict(top_cropping=1, bottom_cropping=2, left_cropping=3, right_cropping=0),
    dict(top_cropping=2, target_height=4, right_cropping=1, target_width=5),
    dict(bottom_cropping=0, target_height=9, left_cropping=4, target_width=6),
]


@pytest.mark.parametrize("kwargs", CROPS)
@pytest.mark.parametrize("data_format", FORMATS)
def test_crop_images_matches_slicing_and_keras(kwargs, data_format):
    top = kwargs.get("top_cropping")
    height = kwargs.get("target_height") or 9 - top - kwargs["bottom_cropping"]
    top = 9 - height - kwargs["bottom_cropping"] if top is None else top
    left = kwargs.get("left_cropping")
    width = kwargs.get("target_width") or 10 - left - kwargs["right_cropping"]
    left = 10 - width - kwargs["right_cropping"] if left is None else left
    expected = IMAGES[:, top:top + height, left:left + width]
    for images, want in ((IMAGES, expected), (IMAGES[0], expected[0])):
        got = ops.image.crop_images(_layout(images, data_format), data_format=data_format,
                                    **kwargs)
        _close(got, _layout(want, data_format), 0, 0)
        oracle = keras.ops.image.crop_images(_layout(images, data_format),
                                             data_format=data_format, **kwargs)
        _close(got, _keras(oracle), 0, 0)


PADS = [
    dict(top_padding=1, bottom_padding=2, left_padding=3, right_padding=0),
    dict(top_padding=2, target_height=12, right_padding=1, target_width=15),
]


@pytest.mark.parametrize("kwargs", PADS)
@pytest.mark.parametrize("data_format", FORMATS)
def test_pad_images_matches_numpy_pad_and_keras(kwargs, data_format):
    top = kwargs["top_padding"]
    bottom = kwargs.get("bottom_padding", (kwargs.get("target_height") or 0) - 9 - top)
    right = kwargs["right_padding"]
    left = kwargs.get("left_padding", (kwargs.get("target_width") or 0) - 10 - right)
    expected = np.pad(IMAGES, ((0, 0), (top, bottom), (left, right), (0, 0)))
    for images, want in ((IMAGES, expected), (IMAGES[0], expected[0])):
        got = ops.image.pad_images(_layout(images, data_format), data_format=data_format,
                                   **kwargs)
        _close(got, _layout(want, data_format), 0, 0)
        oracle = keras.ops.image.pad_images(_layout(images, data_format),
                                            data_format=data_format, **kwargs)
        _close(got, _keras(oracle), 0, 0)


# -- extract_patches / extract_patches_3d ----------------------------------------------------
PATCHES_2D = [
    (dict(size=(3, 3)), "channels_last"),
    (dict(size=(3, 3)), "channels_first"),
    (dict(size=4, strides=(2, 3), padding="same"), "channels_last"),
    (dict(size=(3, 2), strides=1, dilation_rate=2), "channels_first"),
    (dict(size=(2, 5), strides=(3, 1), padding="valid"), "channels_last"),
]


@pytest.mark.parametrize("kwargs, data_format", PATCHES_2D)
def test_extract_patches_matches_numpy_and_keras(kwargs, data_format):
    size = kwargs["size"] if isinstance(kwargs["size"], tuple) else (kwargs["size"],) * 2
    strides = kwargs.get("strides", size)
    strides = strides if isinstance(strides, tuple) else (strides,) * 2
    dilation = (kwargs.get("dilation_rate", 1),) * 2
    expected = _np_patches(IMAGES, size, strides, dilation, kwargs.get("padding", "valid"))
    images = _layout(IMAGES, data_format)
    got = ops.image.extract_patches(images, data_format=data_format, **kwargs)
    _close(got, _layout(expected, data_format), 0, 0)
    oracle = keras.ops.image.extract_patches(images, data_format=data_format, **kwargs)
    _close(got, _keras(oracle), 0, 1e-6)


def test_extract_patches_of_one_image_drop_the_batch_axis():
    expected = _np_patches(IMAGES[:1], (3, 2), (2, 2), (1, 1), "same")[0]
    got = ops.image.extract_patches(IMAGES[0], (3, 2), 2, padding="same")
    _close(got, expected, 0, 0)
    oracle = keras.ops.image.extract_patches(IMAGES[0], (3, 2), 2, padding="same")
    _close(got, _keras(oracle), 0, 1e-6)


@pytest.mark.parametrize("entry, kwargs", [
    ("extract_patches_3d", dict(size=2, strides=1)),
    ("extract_patches", dict(size=(3, 2, 2), strides=(1, 2, 2), padding="same")),
])
def test_extract_patches_3d_matches_numpy_and_keras(entry, kwargs):
    size = kwargs["size"] if isinstance(kwargs["size"], tuple) else (kwargs["size"],) * 3
    strides = kwargs.get("strides", size)
    strides = strides if isinstance(strides, tuple) else (strides,) * 3
    expected = _np_patches(VOLUMES, size, strides, (1, 1, 1), kwargs.get("padding", "valid"))
    got = getattr(ops.image, entry)(VOLUMES, **kwargs)
    _close(got, expected, 0, 0)
    _close(getattr(ops.image, entry)(VOLUMES[0], **kwargs), expected[0], 0, 0)
    channels_first = np.moveaxis(VOLUMES, -1, 1)
    _close(getattr(ops.image, entry)(channels_first, data_format="channels_first", **kwargs),
           np.moveaxis(expected, -1, 1), 0, 0)
    _close(got, _keras(getattr(keras.ops.image, entry)(VOLUMES, **kwargs)), 0, 1e-6)


def test_extract_patches_keeps_integer_dtypes_exactly():
    x = np.arange(2 * 6 * 6, dtype="int32").reshape(2, 6, 6, 1)
    got = ops.image.extract_patches(x, 3)
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    _close(got, _np_patches(x, (3, 3), (3, 3), (1, 1), "valid"), 0, 0)


def test_extract_patches_gradient_counts_overlaps():
    grad = _grad(lambda x: ops.sum(ops.image.extract_patches(x, 3, strides=1)), IMAGES)
    # Each pixel's gradient is the number of 3x3 windows that contain it.
    rows = np.minimum(np.minimum(np.arange(9) + 1, 3), 9 - np.arange(9))
    cols = np.minimum(np.minimum(np.arange(10) + 1, 3), 10 - np.arange(10))
    _close(grad, np.broadcast_to((rows[:, None] * cols[None, :])[None, :, :, None],
                                 IMAGES.shape), 0, 0)


# -- colour conversions ----------------------------------------------------------------------
@pytest.mark.parametrize("data_format", FORMATS)
def test_rgb_to_grayscale_matches_luma_and_keras(data_format):
    expected = np.tensordot(IMAGES, [0.2989, 0.5870, 0.1140], axes=(-1, 0))[..., None]
    for images, want in ((IMAGES, expected), (IMAGES[0], expected[0])):
        got = ops.image.rgb_to_grayscale(_layout(images, data_format), data_format)
        _close(got, _layout(want, data_format), atol=1e-6)
        oracle = keras.ops.image.rgb_to_grayscale(_layout(images, data_format), data_format)
        _close(got, _keras(oracle), atol=1e-6)


def test_rgb_to_grayscale_rounds_integers_and_keeps_one_channel_images():
    got = ops.image.rgb_to_grayscale(np.array([[[10, 20, 30]]], "uint8"))
    assert lamina.backend.standardize_dtype(got.dtype) == "uint8"
    assert _np(got).item() == 18  # 2.989 + 11.74 + 3.42 = 18.149
    gray = IMAGES[..., :1]
    _close(ops.image.rgb_to_grayscale(gray), gray, 0, 0)


def _colorsys_map(images, convert):
    flat = images.reshape(-1, 3).astype("float64")
    return np.array([convert(*pixel) for pixel in flat]).reshape(images.shape)


# Exact colours exercise the hue sectors, ties, grays and black.
SPECIAL = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1]],
                    [[1, 0, 1], [0.5, 0.5, 0.5], [0, 0, 0], [1, 1, 1], [0.2, 0.4, 0.4]]],
                   "float32")


@pytest.mark.parametrize("name, reference", [("rgb_to_hsv", colorsys.rgb_to_hsv),
                                             ("hsv_to_rgb", colorsys.hsv_to_rgb)])
@pytest.mark.parametrize("data_format", FORMATS)
def test_colour_conversions_match_colorsys_and_keras(name, reference, data_format):
    convert = getattr(ops.image, name)
    images = _layout(IMAGES, data_format)
    got = convert(images, data_format)
    _close(got, _layout(_colorsys_map(IMAGES, reference), data_format), atol=1e-6)
    _close(got, _keras(getattr(keras.ops.image, name)(images, data_format)), atol=1e-6)


def test_rgb_to_hsv_of_pure_colours_grays_and_black():
    # One image (no batch axis) of exact colours: each hue sector, ties, grays and black.
    got = ops.image.rgb_to_hsv(SPECIAL)
    _close(got, _colorsys_map(SPECIAL, colorsys.rgb_to_hsv), atol=1e-6)
    _close(got, _keras(keras.ops.image.rgb_to_hsv(SPECIAL)), atol=1e-6)


def test_hsv_round_trip_and_finite_gradients():
    _close(ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(IMAGES)), IMAGES, atol=1e-5)
    # Grays and black divide by zero chroma / value: the safe divisors keep NaN out.
    grad = _grad(lambda x: ops.sum(ops.image.rgb_to_hsv(x)), SPECIAL)
    assert np.all(np.isfinite(grad))


# -- gaussian_blur / sobel_edges / ssim ------------------------------------------------------
@pytest.mark.parametrize("kernel_size, sigma", [((3, 3), (1.0, 1.0)), ((5, 5), (1.5, 1.5)),
                                                ((5, 3), (2.0, 0.7))])
@pytest.mark.parametrize("data_format", FORMATS)
def test_gaussian_blur_matches_numpy_and_keras(kernel_size, sigma, data_format):
    kernel = np.outer(_np_gaussian(kernel_size[0], sigma[0]),
                      _np_gaussian(kernel_size[1], sigma[1]))
    expected = np.stack([[_np_correlate(image[..., c], kernel) for c in range(3)]
                         for image in IMAGES.astype("float64")], axis=0)
    expected = np.moveaxis(expected, 1, -1)
    got = ops.image.gaussian_blur(_layout(IMAGES, data_format), kernel_size, sigma,
                                  data_format)
    _close(got, _layout(expected, data_format))
    if data_format == "channels_last":
        _close(ops.image.gaussian_blur(IMAGES[0], kernel_size, sigma), expected[0])
    if kernel_size[0] == kernel_size[1] and sigma[0] == sigma[1]:
        # Keras's torch backend pads by kernel_size[0] // 2 on both axes: square only.
        oracle = keras.ops.image.gaussian_blur(_layout(IMAGES, data_format), kernel_size,
                                               sigma, data_format=data_format)
        _close(ops.image.gaussian_blur(_layout(IMAGES, data_format), kernel_size, sigma,
                                       data_format), _keras(oracle))


def test_gaussian_blur_gradient_is_the_flipped_kernel():
    weights = RNG.random(IMAGES.shape).astype("float32")
    grad = _grad(lambda x: ops.sum(ops.multiply(
        ops.image.gaussian_blur(x, (3, 3), (1.0, 1.0)), weights)), IMAGES)

    def reference(x):
        kernel = np.outer(_np_gaussian(3, 1.0), _np_gaussian(3, 1.0))
        return sum((_np_correlate(x[b, ..., c], kernel) * weights[b, ..., c]).sum()
                   for b in range(2) for c in range(3))

    _close(grad[1, 4, 0, 2], _numeric_grad(reference, IMAGES, (1, 4, 0, 2)), atol=1e-4)


def test_gaussian_blur_rounds_integer_images():
    x = np.full((5, 6, 1), 7, "uint8")
    got = ops.image.gaussian_blur(x, (3, 3), (1.0, 1.0))
    assert lamina.backend.standardize_dtype(got.dtype) == "uint8"
    assert _np(got)[2, 2, 0] == 7


SOBEL_Y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64")


@pytest.mark.parametrize("data_format", FORMATS)
def test_sobel_edges_matches_numpy_and_keras(data_format):
    expected = np.zeros(IMAGES.shape + (2,))
    for b, c in itertools.product(range(2), range(3)):
        expected[b, ..., c, 0] = _np_correlate(IMAGES[b, ..., c], SOBEL_Y)
        expected[b, ..., c, 1] = _np_correlate(IMAGES[b, ..., c], SOBEL_Y.T)
    want = expected if data_format == "channels_last" else np.moveaxis(expected, 3, 1)
    got = ops.image.sobel_edges(_layout(IMAGES, data_format), data_format)
    _close(got, want)
    _close(got, _keras(keras.ops.image.sobel_edges(_layout(IMAGES, data_format),
                                                   data_format)))
    # One image (no batch axis): our extension, the same values.
    _close(ops.image.sobel_edges(_layout(IMAGES[0], data_format), data_format), want[0])


@pytest.mark.parametrize("data_format", FORMATS)
def test_ssim_matches_numpy_and_keras(data_format):
    expected = [_np_ssim(IMAGES[b].astype("float64"), OTHER[b].astype("float64"))
                for b in range(2)]
    a, b = _layout(IMAGES, data_format), _layout(OTHER, data_format)
    got = ops.image.ssim(a, b, filter_size=5, data_format=data_format)
    _close(got, expected)
    _close(got, _keras(keras.ops.image.ssim(a, b, filter_size=5, data_format=data_format)))
    single = ops.image.ssim(a[0], b[0], filter_size=5, data_format=data_format)
    assert tuple(single.shape) == ()
    _close(single, expected[0])


def test_ssim_of_an_image_with_itself_is_one_and_uses_max_val():
    _close(ops.image.ssim(IMAGES, IMAGES, filter_size=3), [1.0, 1.0])
    scaled = ops.image.ssim(IMAGES * 255, OTHER * 255, max_val=255.0, filter_size=5)
    _close(scaled, _np(ops.image.ssim(IMAGES, OTHER, filter_size=5)), atol=1e-4)


def test_ssim_gradient_matches_finite_differences():
    grad = _grad(lambda x: ops.sum(ops.image.ssim(x, OTHER, filter_size=5)), IMAGES)
    numeric = _numeric_grad(lambda x: _np_ssim(x[1], OTHER[1].astype("float64")),
                            IMAGES, (1, 4, 5, 1))
    _close(grad[1, 4, 5, 1], numeric, rtol=1e-2, atol=1e-4)


# -- map_coordinates -------------------------------------------------------------------------
# Our names for SciPy's modes: points are at integer coordinates, the edges at -0.5 / n - 0.5.
SCIPY_MODES = {"constant": "grid-constant", "nearest": "nearest", "wrap": "grid-wrap",
               "mirror": "mirror", "reflect": "reflect"}
# Away from exact halves, where nearest rounding conventions differ.
COORDINATES = RNG.uniform(-4.0, 12.0, (3, 4, 5)).astype("float32") + 0.01


@pytest.mark.parametrize("fill_mode", list(SCIPY_MODES))
@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_matches_scipy_and_keras(fill_mode, order):
    ndimage = pytest.importorskip("scipy.ndimage")
    x = IMAGES[0]
    coordinates = COORDINATES * np.array([1.0, 1.0, 0.3], "float32")[:, None, None]
    got = ops.image.map_coordinates(x, coordinates, order, fill_mode, fill_value=0.5)
    expected = ndimage.map_coordinates(x.astype("float64"), coordinates.astype("float64"),
                                       order=order, mode=SCIPY_MODES[fill_mode], cval=0.5)
    _close(got, expected)
    oracle = keras.ops.image.map_coordinates(x, coordinates, order, fill_mode, 0.5)
    _close(got, _keras(oracle))
    # A list of coordinate arrays reads the same as one stacked array.
    _close(ops.image.map_coordinates(x, list(coordinates), order, fill_mode, 0.5), expected)


def test_map_coordinates_rounds_integers_and_halves_away_from_zero():
    x = np.array([10, 20, 30, 40], "int32")
    got = ops.image.map_coordinates(x, [np.array([0.5, 1.25, 2.5], "float32")], 1)
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    _close(got, [15, 23, 35], 0, 0)
    nearest = ops.image.map_coordinates(np.arange(4, dtype="float32"),
                                        [np.array([0.5, 1.5, -0.5], "float32")], 0)
    _close(nearest, [1.0, 2.0, 0.0], 0, 0)


def test_map_coordinates_differentiates_inputs_and_coordinates():
    x = np.arange(6, dtype="float32") ** 2
    coords = np.array([[0.25, 2.5, 4.75]], "float32")
    grad_x = _grad(lambda v: ops.sum(ops.image.map_coordinates(v, coords, 1)), x)
    _close(grad_x, [0.75, 0.25, 0.5, 0.5, 0.25, 0.75])
    grad_c = _grad(lambda c: ops.sum(ops.image.map_coordinates(x, c, 1)), coords)
    _close(grad_c, [[1.0, 5.0, 9.0]])  # the slope of each segment


# -- elastic_transform -----------------------------------------------------------------------
@pytest.mark.parametrize("data_format", FORMATS)
def test_elastic_transform_shapes_match_keras_and_alpha_zero_is_identity(data_format):
    images = _layout(IMAGES, data_format)
    got = ops.image.elastic_transform(images, alpha=0.0, sigma=1.0, seed=3,
                                      data_format=data_format)
    oracle = keras.ops.image.elastic_transform(images, alpha=0.0, sigma=1.0, seed=3,
                                               data_format=data_format)
    _close(got, images, 0, 0)
    _close(got, _keras(oracle), 0, 0)
    if data_format == "channels_last":
        single = ops.image.elastic_transform(images[0], sigma=1.0, seed=3)
        assert tuple(single.shape) == images[0].shape


def test_elastic_transform_is_seeded_and_moves_pixels():
    first = _np(ops.image.elastic_transform(IMAGES, alpha=5.0, sigma=1.0, seed=7))
    again = _np(ops.image.elastic_transform(IMAGES, alpha=5.0, sigma=1.0, seed=7))
    other = _np(ops.image.elastic_transform(IMAGES, alpha=5.0, sigma=1.0, seed=8))
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 1e-3 and np.abs(first - IMAGES).max() > 1e-3
    # Bilinear reads of a constant image (reflect fill) stay constant.
    flat = ops.image.elastic_transform(np.full(IMAGES.shape, 0.5, "float32"), 30.0, 1.0,
                                       seed=1)
    _close(flat, np.full(IMAGES.shape, 0.5))


# -- perspective_transform -------------------------------------------------------------------
START = np.array([[0, 0], [9, 0], [0, 8], [9, 8]], "float32")
END = np.array([[1, 0], [8, 2], [0, 7], [9, 9]], "float32")


@pytest.mark.parametrize("interpolation, data_format", [("bilinear", "channels_last"),
                                                        ("nearest", "channels_first")])
def test_perspective_transform_matches_keras(interpolation, data_format):
    images = _layout(IMAGES, data_format)
    starts = np.stack([START, START + 0.5])
    for points in ((START, END), (starts, np.stack([END, END - 0.25]))):
        got = ops.image.perspective_transform(images, *points, interpolation, 0.25,
                                              data_format)
        oracle = keras.ops.image.perspective_transform(images, *points, interpolation, 0.25,
                                                       data_format)
        _close(got, _keras(oracle), atol=1e-4)
    single = ops.image.perspective_transform(images[0], START, END, interpolation,
                                             data_format=data_format)
    _close(single, _np(ops.image.perspective_transform(images, START, END, interpolation,
                                                       data_format=data_format))[0])


def test_perspective_transform_shift_moves_pixels():
    moved = ops.image.perspective_transform(IMAGES, START, START + [2, 1])
    expected = np.zeros_like(IMAGES)
    expected[:, 1:, 2:] = IMAGES[:, :-1, :-2]
    _close(moved, expected, atol=1e-5)
    _close(ops.image.perspective_transform(IMAGES, START, START), IMAGES, atol=1e-5)


def test_perspective_transform_gradient_flows_to_images():
    grad = _grad(lambda x: ops.sum(ops.image.perspective_transform(x, START, START + [2, 1])),
                 IMAGES)
    expected = np.zeros_like(IMAGES)
    expected[:, :-1, :-2] = 1.0
    _close(grad, expected, atol=1e-5)


# -- scale_and_translate ---------------------------------------------------------------------
def _np_linear_resample(row, out_size, scale, translation):
    """Linear resampling of a 1D row with JAX's conventions (no antialias)."""
    sample = (np.arange(out_size) + 0.5 - translation) / scale - 0.5
    values = np.interp(sample, np.arange(len(row)), row)  # clamps at the edges
    return np.where((sample >= -0.5) & (sample <= len(row) - 0.5), values, 0.0)


@pytest.mark.parametrize("scale, translation", [((2.0, 1.5), (-0.5, 1.0)),
                                                ((1.0, 3.0), (0.0, -2.0))])
def test_scale_and_translate_linear_matches_numpy(scale, translation):
    out = (2, 16, 25, 3)
    got = ops.image.scale_and_translate(IMAGES, out, np.float32(scale),
                                        np.float32(translation), (1, 2), "linear",
                                        antialias=False)
    rows = np.apply_along_axis(_np_linear_resample, 1, IMAGES.astype("float64"), out[1],
                               scale[0], translation[0])
    expected = np.apply_along_axis(_np_linear_resample, 2, rows, out[2], scale[1],
                                   translation[1])
    _close(got, expected)


@pytest.mark.parametrize("method", ["linear", "bilinear", "cubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [True, False])
def test_scale_and_translate_matches_keras(method, antialias):
    args = (IMAGES, (2, 5, 17, 3), np.array([0.6, 1.7], "float32"),
            np.array([0.3, -1.0], "float32"), (1, 2), method, antialias)
    got = ops.image.scale_and_translate(*args)
    _close(got, _keras(keras.ops.image.scale_and_translate(*args)))


def test_scale_and_translate_takes_tensor_scales():
    # Tensors take the engine path (traceable, differentiable in the scale); plain
    # numbers build the weights in NumPy. Both give the same result.
    x = IMAGES[0, 0, :, 0]
    plain = ops.image.scale_and_translate(x, (7,), [0.6], [0.3], (0,), "cubic")
    tensor = ops.image.scale_and_translate(x, (7,), ops.convert_to_tensor(np.float32([0.6])),
                                           ops.convert_to_tensor(np.float32([0.3])), (0,),
                                           "cubic")
    _close(tensor, _np(plain))


def test_scale_and_translate_downsampling_with_antialias_averages():
    x = np.arange(8, dtype="float32")
    got = ops.image.scale_and_translate(x, (4,), [0.5], [0.0], (0,), "linear")
    # A triangle twice as wide: each output is a (1, 3, 3, 1) / 8 average, renormalised at
    # the left edge.
    padded = np.concatenate([x, [0.0]])
    expected = [(3 * x[0] + 3 * x[1] + x[2]) / 7] + [
        (x[2 * i - 1] + 3 * x[2 * i] + 3 * x[2 * i + 1] + padded[2 * i + 2]) / 8
        for i in range(1, 4)]
    expected[-1] = (x[5] + 3 * x[6] + 3 * x[7]) / 7
    _close(got, expected)


def test_scale_and_translate_rounds_and_clips_integers_and_passes_gradients():
    x = np.array([0, 100, 0, 100], "int32")
    got = ops.image.scale_and_translate(x, (8,), [2.0], [0.0], (0,), "cubic")
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    assert _np(got).min() >= 0 and _np(got).max() <= 100
    grad = _grad(lambda v: ops.sum(ops.image.scale_and_translate(
        v, (2, 18, 20, 3), [2.0, 2.0], [0.0, 0.0], (1, 2), "linear")), IMAGES)
    _close(grad, np.full(IMAGES.shape, 4.0), atol=1e-4)  # each pixel feeds 2 x 2 outputs


# -- symbolic shapes -------------------------------------------------------------------------
SYMBOLIC = [
    ("crop_images", lambda x: ops.image.crop_images(x, 1, 2, 3, None, None, 5),
     (2, 5, 5, 3)),
    ("pad_images", lambda x: ops.image.pad_images(x, 1, 2, None, 3, 12, None),
     (2, 12, 15, 3)),
    ("extract_patches", lambda x: ops.image.extract_patches(x, (3, 3)), (2, 3, 3, 27)),
    ("rgb_to_grayscale", ops.image.rgb_to_grayscale, (2, 9, 10, 1)),
    ("rgb_to_hsv", ops.image.rgb_to_hsv, (2, 9, 10, 3)),
    ("hsv_to_rgb", ops.image.hsv_to_rgb, (2, 9, 10, 3)),
    ("gaussian_blur", ops.image.gaussian_blur, (2, 9, 10, 3)),
    ("sobel_edges", ops.image.sobel_edges, (2, 9, 10, 3, 2)),
    ("ssim", lambda x: ops.image.ssim(x, x, filter_size=5), (2,)),
    ("elastic_transform", lambda x: ops.image.elastic_transform(x, sigma=1.0, seed=1),
     (2, 9, 10, 3)),
    ("perspective_transform", lambda x: ops.image.perspective_transform(x, START, END),
     (2, 9, 10, 3)),
    ("scale_and_translate", lambda x: ops.image.scale_and_translate(
        x, (2, 5, 4, 3), [0.5, 0.4], [0.0, 0.0], (1, 2), "linear"), (2, 5, 4, 3)),
]


@pytest.mark.parametrize("name, call, shape", SYMBOLIC, ids=[s[0] for s in SYMBOLIC])
def test_symbolic_output_shape(name, call, shape):
    # A known batch size: shapes are then inferred from one placeholder run, which on
    # JAX reuses the ops already compiled for IMAGES (the file stays fast).
    assert tuple(call(lamina.Input((9, 10, 3), batch_size=2)).shape) == shape


def test_symbolic_output_shape_keeps_an_unknown_batch_axis():
    images = lamina.Input((9, 10, 3))
    assert tuple(ops.image.crop_images(images, 1, 2, 3, 4).shape) == (None, 5, 4, 3)
    assert tuple(ops.image.ssim(images, images, filter_size=3).shape) == (None,)
    resampled = ops.image.scale_and_translate(images, (None, 5, 4, 3), [0.5, 0.4],
                                              [0.0, 0.0], (1, 2), "linear")
    assert tuple(resampled.shape) == (None, 5, 4, 3)


def test_symbolic_shapes_of_volume_and_coordinate_ops():
    volumes = lamina.Input((6, 7, 5, 2), batch_size=2)
    assert tuple(ops.image.extract_patches_3d(volumes, 2, strides=1).shape) == (2, 5, 6, 4, 16)
    grid = lamina.Input((5,))
    coordinates = lamina.Input((4,))
    got = ops.image.map_coordinates(grid, [coordinates, coordinates], 1)
    assert tuple(got.shape) == (None, 4)


def test_symbolic_op_runs_inside_a_functional_model():
    inputs = lamina.Input((9, 10, 3))
    model = lamina.Model(inputs, ops.image.rgb_to_grayscale(inputs))
    _close(model(IMAGES), _np(ops.image.rgb_to_grayscale(IMAGES)), atol=1e-6)


# -- errors ----------------------------------------------------------------------------------
ERRORS = [
    (lambda: ops.image.crop_images(IMAGES, 1, 1), "crop_images: pass exactly two of"),
    (lambda: ops.image.crop_images(IMAGES, 1, 1, 1, 1, 3, 3), "crop_images: pass exactly two"),
    (lambda: ops.image.crop_images(IMAGES, 5, 0, 5, 0), "crop_images: the crop does not fit"),
    (lambda: ops.image.crop_images(IMAGES, -1, 0, 1, 0), "`top_cropping` must be an int >= 0"),
    (lambda: ops.image.crop_images(IMAGES[0, 0], 0, 0, 0, 0), "crop_images: `images` must have"),
    (lambda: ops.image.pad_images(IMAGES, 1, 1, target_height=5, target_width=20),
     "pad_images: the target height 5 is smaller"),
    (lambda: ops.image.pad_images(IMAGES, 1, None, 1, None), "pad_images: pass exactly two"),
    (lambda: ops.image.extract_patches(IMAGES, (3, 3, 3, 3)), "extract_patches: `size`"),
    (lambda: ops.image.extract_patches(IMAGES, 3, padding="full"),
     "extract_patches: `padding` must be 'valid' or 'same'"),
    (lambda: ops.image.extract_patches(IMAGES, 20), "does not fit"),
    (lambda: ops.image.extract_patches(IMAGES, 3, strides=0), "extract_patches: `strides`"),
    (lambda: ops.image.extract_patches_3d(IMAGES[0], 2), "extract_patches_3d: `volumes`"),
    (lambda: ops.image.rgb_to_grayscale(IMAGES[..., :2]),
     "rgb_to_grayscale: `images` must have 1 or 3 channels"),
    (lambda: ops.image.rgb_to_hsv(np.ones((2, 2, 3), "uint8")),
     "rgb_to_hsv: `images` must have a float dtype"),
    (lambda: ops.image.hsv_to_rgb(IMAGES[..., :2]), "hsv_to_rgb: `images` must have 3 channels"),
    (lambda: ops.image.gaussian_blur(IMAGES, kernel_size=(0, 3)),
     "gaussian_blur: `kernel_size` must be a pair"),
    (lambda: ops.image.gaussian_blur(IMAGES, sigma=(1.0, -1.0)), "gaussian_blur: `sigma`"),
    (lambda: ops.image.sobel_edges(IMAGES[0, 0]), "sobel_edges: `images` must have"),
    (lambda: ops.image.ssim(IMAGES, OTHER[:1]), "ssim: `image1` and `image2` must have the"),
    (lambda: ops.image.ssim(IMAGES, OTHER, filter_size=4),
     "ssim: `filter_size` must be an odd int"),
    (lambda: ops.image.ssim(IMAGES, OTHER), r"ssim: `filter_size` \(11\) is larger"),
    (lambda: ops.image.map_coordinates(IMAGES[0], COORDINATES[:2], 1),
     r"map_coordinates: `coordinates` must hold one coordinate array per axis of `inputs` \(3\)"),
    (lambda: ops.image.map_coordinates(IMAGES[0], COORDINATES, 3),
     "map_coordinates: `order` must be 0"),
    (lambda: ops.image.map_coordinates(IMAGES[0], COORDINATES, 1, "edge"),
     "map_coordinates: `fill_mode` must be one of"),
    (lambda: ops.image.elastic_transform(IMAGES, sigma=0.0), "elastic_transform: `sigma`"),
    (lambda: ops.image.elastic_transform(IMAGES, interpolation="cubic"),
     "elastic_transform: `interpolation` must be one of"),
    (lambda: ops.image.perspective_transform(IMAGES, START[:3], END[:3]),
     r"perspective_transform: `start_points` must have shape \(4, 2\)"),
    (lambda: ops.image.perspective_transform(IMAGES, START, np.stack([END] * 2)),
     "perspective_transform: `start_points` and `end_points` must have the same shape"),
    (lambda: ops.image.perspective_transform(IMAGES, np.stack([START] * 3),
                                             np.stack([END] * 3)),
     "got 3 sets of points for 2 image"),
    (lambda: ops.image.scale_and_translate(IMAGES, (2, 5, 5, 3), [1.0, 1.0], [0.0, 0.0],
                                           (1, 2), "nearest"),
     "scale_and_translate: `method` must be one of"),
    (lambda: ops.image.scale_and_translate(IMAGES, (5, 5), [1.0, 1.0], [0.0, 0.0], (1, 2),
                                           "linear"),
     "scale_and_translate: `output_shape` must be a sequence of 4 ints"),
    (lambda: ops.image.scale_and_translate(IMAGES, (3, 5, 5, 3), [1.0, 1.0], [0.0, 0.0],
                                           (1, 2), "linear"),
     "may only change the axes in `spatial_dims`"),
    (lambda: ops.image.scale_and_translate(IMAGES, (2, 5, 5, 3), [1.0], [0.0, 0.0], (1, 2),
                                           "linear"),
     r"scale_and_translate: `scale` must hold one number per entry of `spatial_dims`"),
]


@pytest.mark.parametrize("call, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()

"""Image helpers: PNG/JPEG round trips, colour modes, resizing on load, array <-> PIL image
conversion and smart_resize, checked by hand and against Keras 3 where it is installed."""

import io
import pathlib
import sys

import numpy as np
import pytest

import lamina
import lamina.preprocessing.image
from lamina import ops
from lamina.utils import image_utils
from lamina.utils.image_utils import array_to_img
from lamina.utils.image_utils import img_to_array
from lamina.utils.image_utils import load_img
from lamina.utils.image_utils import save_img
from lamina.utils.image_utils import smart_resize


@pytest.fixture
def pil():
    """PIL's Image module; tests that need Pillow are skipped without it."""
    return pytest.importorskip("PIL.Image")


@pytest.fixture
def keras(monkeypatch):
    """Keras 3 on torch, as an oracle; the test is skipped where it (or Pillow) is missing."""
    pytest.importorskip("PIL.Image")
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.fixture
def channels_first():
    """Make channels-first the global image layout for one test."""
    previous = lamina.config.image_data_format()
    lamina.config.set_image_data_format("channels_first")
    yield
    lamina.config.set_image_data_format(previous)


def _pixels(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype("uint8")


def _write_png(tmp_path, pixels, name="image.png"):
    path = tmp_path / name
    save_img(path, pixels, scale=False)
    return path


# -- save_img / load_img -----------------------------------------------------------------------
def test_png_round_trip_keeps_rgb_pixels(tmp_path, pil):
    pixels = _pixels((6, 5, 3))
    img = load_img(_write_png(tmp_path, pixels))
    assert img.mode == "RGB"
    assert img.size == (5, 6)  # PIL sizes are (width, height)
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), pixels)


@pytest.mark.parametrize("as_path", [str, pathlib.Path, lambda p: str(p).encode()])
def test_load_img_accepts_str_pathlib_and_bytes_paths(tmp_path, pil, as_path):
    pixels = _pixels((3, 4, 3))
    path = _write_png(tmp_path, pixels)
    np.testing.assert_array_equal(img_to_array(load_img(as_path(path)), dtype="uint8"),
                                  pixels)


def test_save_img_and_load_img_use_a_bytes_buffer(pil):
    pixels = _pixels((4, 4, 3))
    buffer = io.BytesIO()
    save_img(buffer, pixels, file_format="png", scale=False)
    buffer.seek(0)
    np.testing.assert_array_equal(img_to_array(load_img(buffer), dtype="uint8"), pixels)


def test_load_img_rejects_an_open_file(tmp_path, pil):
    path = _write_png(tmp_path, _pixels((2, 2, 3)))
    with open(path, "rb") as f:
        with pytest.raises(TypeError, match=r"`path` must be a path.*Received an object of "
                                            r"type BufferedReader"):
            load_img(f)


def test_grayscale_round_trip_keeps_one_channel(tmp_path, pil):
    pixels = _pixels((5, 4, 1))
    img = load_img(_write_png(tmp_path, pixels), color_mode="grayscale")
    assert img.mode == "L"
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), pixels)


def test_load_img_converts_rgb_to_grayscale(tmp_path, pil):
    array = img_to_array(load_img(_write_png(tmp_path, _pixels((3, 4, 3))),
                                  color_mode="grayscale"))
    assert array.shape == (3, 4, 1)


def test_rgba_round_trip_keeps_alpha(tmp_path, pil):
    pixels = _pixels((4, 3, 4))
    img = load_img(_write_png(tmp_path, pixels), color_mode="rgba")
    assert img.mode == "RGBA"
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), pixels)


def test_load_img_as_rgb_drops_alpha(tmp_path, pil):
    pixels = _pixels((4, 3, 4))
    array = img_to_array(load_img(_write_png(tmp_path, pixels)), dtype="uint8")
    np.testing.assert_array_equal(array, pixels[..., :3])


def test_load_img_as_rgba_adds_opaque_alpha(tmp_path, pil):
    array = img_to_array(load_img(_write_png(tmp_path, _pixels((2, 3, 3))), color_mode="rgba"))
    np.testing.assert_array_equal(array[..., 3], np.full((2, 3), 255.0))


def test_load_img_rejects_an_unknown_color_mode(tmp_path, pil):
    with pytest.raises(ValueError, match=r"`color_mode` must be one of \('grayscale', "
                                         r"'rgb', 'rgba'\)\. Received: color_mode='bgr'"):
        load_img(_write_png(tmp_path, _pixels((2, 2, 3))), color_mode="bgr")


def test_load_img_resizes_to_target_size(tmp_path, pil):
    img = load_img(_write_png(tmp_path, _pixels((6, 5, 3))), target_size=(3, 7))
    assert img.size == (7, 3)
    assert img_to_array(img).shape == (3, 7, 3)


def test_load_img_nearest_upsampling_repeats_pixels(tmp_path, pil):
    pixels = np.array([[[10, 20, 30], [200, 100, 50]]], dtype="uint8")  # (1, 2, 3)
    img = load_img(_write_png(tmp_path, pixels), target_size=(2, 4), interpolation="nearest")
    expected = np.repeat(np.repeat(pixels, 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), expected)


def test_load_img_bilinear_keeps_a_flat_image_flat(tmp_path, pil):
    pixels = np.full((4, 6, 3), 77, dtype="uint8")
    img = load_img(_write_png(tmp_path, pixels), target_size=(3, 5), interpolation="bilinear")
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), np.full((3, 5, 3), 77))


def test_load_img_keep_aspect_ratio_crops_the_centre(tmp_path, pil):
    pixels = _pixels((4, 8, 3))
    img = load_img(_write_png(tmp_path, pixels), target_size=(4, 4), keep_aspect_ratio=True)
    np.testing.assert_array_equal(img_to_array(img, dtype="uint8"), pixels[:, 2:6])


def test_load_img_rejects_an_unknown_interpolation(tmp_path, pil):
    with pytest.raises(ValueError, match=r"`interpolation` must be one of \('nearest', "
                                         r"'bilinear'.*Received: interpolation='cubic'"):
        load_img(_write_png(tmp_path, _pixels((2, 2, 3))), target_size=(3, 3),
                 interpolation="cubic")


def test_load_img_ignores_interpolation_when_no_resize_is_needed(tmp_path, pil):
    img = load_img(_write_png(tmp_path, _pixels((2, 3, 3))), target_size=(2, 3),
                   interpolation="cubic")
    assert img.size == (3, 2)


def test_save_img_takes_the_format_from_a_jpg_extension(tmp_path, pil):
    path = tmp_path / "photo.jpg"
    save_img(path, np.full((8, 8, 3), 128, dtype="uint8"), scale=False)
    img = load_img(path)
    assert pil.open(path).format == "JPEG"
    np.testing.assert_allclose(img_to_array(img), np.full((8, 8, 3), 128.0), atol=2)


def test_save_img_drops_alpha_for_jpeg_with_a_warning(tmp_path, pil):
    path = tmp_path / "photo.jpeg"
    with pytest.warns(UserWarning, match="JPEG has no alpha channel"):
        save_img(path, _pixels((4, 4, 4)))
    assert pil.open(path).mode == "RGB"


def test_save_img_passes_kwargs_to_pil(tmp_path, pil):
    pixels = _pixels((16, 16, 3))
    small, large = tmp_path / "low.jpg", tmp_path / "high.jpg"
    save_img(small, pixels, quality=5)
    save_img(large, pixels, quality=95)
    assert small.stat().st_size < large.stat().st_size


def test_save_img_reads_channels_first(tmp_path, pil):
    pixels = _pixels((5, 4, 3))
    path = tmp_path / "image.png"
    save_img(path, pixels.transpose(2, 0, 1), data_format="channels_first", scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(path), dtype="uint8"), pixels)


# -- array_to_img ------------------------------------------------------------------------------
@pytest.mark.parametrize("channels,mode", [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_array_to_img_mode_follows_channel_count(pil, channels, mode):
    img = array_to_img(np.random.random((3, 5, channels)))
    assert img.mode == mode
    assert img.size == (5, 3)


def test_array_to_img_scales_min_to_0_and_max_to_255(pil):
    x = np.array([-1.0, 0.0, 1.0]).reshape(1, 3, 1)
    # (0 - -1) / 2 * 255 = 127.5, truncated to 127 when cast to uint8, as in Keras.
    np.testing.assert_array_equal(np.asarray(array_to_img(x)), [[0, 127, 255]])


def test_array_to_img_flat_image_scales_to_zero(pil):
    np.testing.assert_array_equal(np.asarray(array_to_img(np.full((2, 2, 3), 9.0))), 0)


def test_array_to_img_without_scale_keeps_values(pil):
    pixels = _pixels((3, 3, 3))
    np.testing.assert_array_equal(np.asarray(array_to_img(pixels, scale=False)), pixels)


def test_array_to_img_gray_above_255_is_32_bit(pil):
    img = array_to_img(np.array([[[0.0], [1000.0]]]), scale=False)
    assert img.mode == "I"
    np.testing.assert_array_equal(np.asarray(img), [[0, 1000]])


def test_array_to_img_reads_channels_first(pil):
    pixels = _pixels((4, 5, 3))
    img = array_to_img(pixels.transpose(2, 0, 1), data_format="channels_first", scale=False)
    np.testing.assert_array_equal(np.asarray(img), pixels)


def test_array_to_img_follows_the_global_data_format(pil, channels_first):
    assert array_to_img(np.zeros((3, 4, 5))).size == (5, 4)


def test_array_to_img_scales_an_integer_dtype(pil):
    img = array_to_img(np.array([[[0], [2], [4]]]), dtype="int32")
    np.testing.assert_array_equal(np.asarray(img), [[0, 127, 255]])


def test_array_to_img_rejects_a_batch(pil):
    with pytest.raises(ValueError, match=r"must be one image of rank 3.*shape \(2, 3, 3, 3\)"):
        array_to_img(np.zeros((2, 3, 3, 3)))


def test_array_to_img_rejects_two_channels(pil):
    with pytest.raises(ValueError, match=r"must have 1, 3 or 4 channels; `x` has 2"):
        array_to_img(np.zeros((3, 3, 2)))


def test_pil_helpers_without_pillow_say_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"load_img needs Pillow.*pip install pillow"):
        load_img(tmp_path / "missing.png")
    with pytest.raises(ImportError, match=r"array_to_img needs Pillow"):
        array_to_img(np.zeros((2, 2, 3)))


# -- img_to_array ------------------------------------------------------------------------------
def test_img_to_array_returns_floatx_by_default(pil):
    array = img_to_array(array_to_img(_pixels((3, 4, 3)), scale=False))
    assert array.dtype == np.float32
    assert array.shape == (3, 4, 3)


@pytest.mark.parametrize("dtype", ["uint8", "float64", "int32"])
def test_img_to_array_uses_dtype(pil, dtype):
    assert img_to_array(array_to_img(_pixels((2, 2, 3))), dtype=dtype).dtype == dtype


def test_img_to_array_channels_first_moves_channels_to_the_front(pil):
    pixels = _pixels((3, 4, 3))
    array = img_to_array(array_to_img(pixels, scale=False), data_format="channels_first")
    np.testing.assert_array_equal(array, pixels.transpose(2, 0, 1))


def test_img_to_array_adds_a_channel_axis_to_gray(pil):
    gray = array_to_img(_pixels((3, 4, 1)))
    assert img_to_array(gray).shape == (3, 4, 1)
    assert img_to_array(gray, data_format="channels_first").shape == (1, 3, 4)


def test_img_to_array_follows_the_global_data_format(channels_first):
    assert img_to_array(np.zeros((3, 4, 2))).shape == (2, 3, 4)


def test_img_to_array_rejects_a_batch():
    with pytest.raises(ValueError, match=r"2-D \(gray\) or 3-D array.*shape \(1, 2, 2, 3\)"):
        img_to_array(np.zeros((1, 2, 2, 3)))


# -- smart_resize ------------------------------------------------------------------------------
def test_smart_resize_gives_numpy_for_numpy():
    result = smart_resize(np.random.random((30, 50, 3)).astype("float32"), (20, 20))
    assert isinstance(result, np.ndarray)
    assert result.shape == (20, 20, 3)


def test_smart_resize_gives_a_tensor_for_a_tensor():
    images = ops.convert_to_tensor(np.zeros((2, 6, 9, 3), "float32"))
    result = smart_resize(images, (4, 4))
    assert lamina.backend.is_tensor(result)
    assert tuple(result.shape) == (2, 4, 4, 3)


def test_smart_resize_crops_the_centre_before_resizing():
    x = np.arange(4 * 8, dtype="float32").reshape(4, 8, 1)
    # A 4x8 image to 4x4 keeps the middle 4 columns; at equal size resampling is exact.
    for interpolation in ("nearest", "bilinear"):
        np.testing.assert_array_equal(smart_resize(x, (4, 4), interpolation=interpolation),
                                      x[:, 2:6])


def test_smart_resize_crops_rows_channels_first():
    x = np.arange(2 * 9 * 3, dtype="float32").reshape(1, 2, 9, 3)  # (batch, ch, h, w)
    result = smart_resize(x, (3, 3), data_format="channels_first")
    np.testing.assert_array_equal(result, x[:, :, 3:6, :])


def test_smart_resize_accepts_numpy_ints_in_size():
    size = np.array([3, 3])
    assert smart_resize(np.zeros((6, 6, 1), "float32"), (size[0], size[1])).shape == (3, 3, 1)


def test_smart_resize_uses_backend_module():
    x = np.random.random((5, 7, 3)).astype("float32")
    np.testing.assert_array_equal(smart_resize(x, (4, 4), backend_module=ops),
                                  smart_resize(x, (4, 4)))


def test_smart_resize_rejects_a_bad_size():
    with pytest.raises(ValueError, match=r"`size` must be a \(height, width\) pair.*"
                                         r"size=\(1, 2, 3\)"):
        smart_resize(np.zeros((4, 4, 3)), (1, 2, 3))


def test_smart_resize_rejects_rank_2():
    with pytest.raises(ValueError, match=r"one image \(height, width, channels\) or a batch.*"
                                         r"shape \(4, 4\)"):
        smart_resize(np.zeros((4, 4), "float32"), (2, 2))


def test_smart_resize_rejects_an_interpolation_lamina_lacks():
    with pytest.raises(ValueError, match=r"`interpolation` must be one of \('bilinear', "
                                         r"'nearest'\)\. Received: interpolation='bicubic'"):
        smart_resize(np.zeros((4, 4, 3), "float32"), (2, 2), interpolation="bicubic")


def test_preprocessing_image_exports_the_helpers():
    module = lamina.preprocessing.image
    assert module.load_img is load_img
    assert module.save_img is save_img
    assert module.img_to_array is img_to_array
    assert module.array_to_img is array_to_img
    assert module.smart_resize is image_utils.smart_resize


# -- Keras 3 as the oracle ---------------------------------------------------------------------
@pytest.mark.parametrize("target_size,interpolation,keep_aspect_ratio", [
    (None, "nearest", False), ((5, 9), "nearest", False), ((5, 9), "bilinear", False),
    ((7, 4), "bicubic", True), ((3, 3), "lanczos", True), ((10, 12), "box", False),
])
@pytest.mark.parametrize("color_mode", ["rgb", "grayscale", "rgba"])
def test_load_img_matches_keras(keras, tmp_path, target_size, interpolation,
                                keep_aspect_ratio, color_mode):
    path = _write_png(tmp_path, _pixels((8, 11, 4)))
    kwargs = dict(color_mode=color_mode, target_size=target_size, interpolation=interpolation,
                  keep_aspect_ratio=keep_aspect_ratio)
    expected = keras.utils.load_img(path, **kwargs)
    result = load_img(path, **kwargs)
    assert result.mode == expected.mode
    np.testing.assert_array_equal(np.asarray(result), np.asarray(expected))


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_array_to_img_and_img_to_array_match_keras(keras, channels, scale, data_format):
    x = np.random.default_rng(2).uniform(0, 255, size=(5, 6, channels))
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    expected = keras.utils.array_to_img(x, data_format=data_format, scale=scale)
    result = array_to_img(x, data_format=data_format, scale=scale)
    assert result.mode == expected.mode
    np.testing.assert_array_equal(np.asarray(result), np.asarray(expected))
    np.testing.assert_array_equal(
        img_to_array(result, data_format=data_format, dtype="float64"),
        keras.utils.img_to_array(expected, data_format=data_format, dtype="float64"))


def test_keras_reads_what_save_img_writes(keras, tmp_path):
    x = np.random.default_rng(3).normal(size=(6, 7, 3))
    save_img(tmp_path / "ours.png", x)
    keras.utils.save_img(tmp_path / "keras.png", x)
    np.testing.assert_array_equal(np.asarray(keras.utils.load_img(tmp_path / "ours.png")),
                                  np.asarray(load_img(tmp_path / "keras.png")))


@pytest.mark.parametrize("shape,size", [
    ((7, 11, 3), (5, 5)), ((9, 4, 2), (6, 6)), ((2, 8, 6, 1), (4, 3)), ((10, 10, 3), (3, 7)),
])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_smart_resize_matches_keras(keras, shape, size, interpolation):
    x = np.random.default_rng(4).random(shape).astype("float32")
    expected = keras.preprocessing.image.smart_resize(x, size, interpolation=interpolation)
    np.testing.assert_allclose(smart_resize(x, size, interpolation=interpolation), expected,
                               rtol=1e-5, atol=1e-5)

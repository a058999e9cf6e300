"""The colour augmentation layers (invert, solarize, posterize, grayscale, degenerate,
saturation, hue, jitter, sharpness, auto-contrast, equalization, erasing, blur): NumPy
references and Keras 3 as oracle, with the randomness pinned by zero-width factor ranges.

The shared behaviour (training flag, seeds, dtypes, layouts, configs, fit, files) is
checked over the table ``LAYERS``; each layer's transform has its own test below.
"""

import colorsys
import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import preprocessing as layers

from ..layer_checks import keras
from ..layer_checks import to_numpy

RNG = np.random.default_rng(11)
# One shape for (nearly) every test: on JAX each new shape compiles every op again.
IMAGES = RNG.uniform(0, 255, size=(8, 5, 6, 3)).astype("float32")
UNIT = IMAGES / 255.0

# name -> constructor arguments giving a random (but valid) transform
LAYERS = {
    "RandomInvert": {},
    "Solarization": {"addition_factor": 0.2, "threshold_factor": 0.6},
    "RandomPosterization": {"factor": (2, 6)},
    "RandomGrayscale": {"factor": 0.5},
    "RandomColorDegeneration": {"factor": 0.8},
    "RandomSaturation": {"factor": 0.9},
    "RandomHue": {"factor": 0.6},
    "RandomColorJitter": {"brightness_factor": 0.2, "contrast_factor": 0.3,
                          "hue_factor": 0.3},
    "RandomSharpness": {"factor": 0.9},
    "RandomErasing": {"scale": (0.2, 0.5)},
    "RandomGaussianBlur": {"sigma": (0.3, 1.0)},
    "Equalization": {},
    "AutoContrast": {},
}
NAMES = sorted(LAYERS)
SEEDED = sorted(set(NAMES) - {"Equalization", "AutoContrast"})
# The same transforms with every draw pinned: name -> (arguments, NumPy reference on 0-255)
PINNED = {
    "RandomInvert": {"factor": (1.0, 1.0)},
    "Solarization": {"addition_factor": (0.1, 0.1), "threshold_factor": (0.5, 0.5)},
    "RandomPosterization": {"factor": (3, 3)},
    "RandomGrayscale": {"factor": 1.0},
    "RandomColorDegeneration": {"factor": (0.3, 0.3)},
    "RandomSaturation": {"factor": (0.25, 0.25)},
    "RandomHue": {"factor": (1.0, 1.0)},
    "RandomColorJitter": {"brightness_factor": (0.1, 0.1), "hue_factor": (1.0, 1.0)},
    "RandomSharpness": {"factor": (0.2, 0.2)},
    "RandomErasing": {"factor": (1.0, 1.0), "scale": (0.25, 0.25), "fill_value": 7.0},
    "RandomGaussianBlur": {"factor": (1.0, 1.0), "sigma": (0.6, 0.6)},
    "Equalization": {},
    "AutoContrast": {},
}


def _make(name, library=layers, **extra):
    return getattr(library, name)(**{**LAYERS[name], **extra})


def _train(name, x, library=layers, **kwargs):
    layer = getattr(library, name)(**kwargs)
    if library is layers:
        return to_numpy(layer(x, training=True))
    return np.asarray(keras().ops.convert_to_numpy(layer(x, training=True)))


# -- NumPy references (float64, pixel by pixel where the maths is per pixel) -------------------
def _grey(x):
    return x[..., :1] * 0.2989 + x[..., 1:2] * 0.587 + x[..., 2:] * 0.114


def _map_hsv(x, fn):
    """Apply ``fn(h, s, v) -> (h, s, v)`` to every pixel of RGB ``x`` in [0, 1], with the
    standard library's colorsys."""
    out = np.empty_like(x, dtype="float64")
    for index in np.ndindex(x.shape[:-1]):
        out[index] = colorsys.hsv_to_rgb(*fn(*colorsys.rgb_to_hsv(*x[index])))
    return out


def _filter(x, kernel):
    """Each channel of the batch ``x`` (channels last) correlated with ``kernel``, zero
    padding, same size."""
    kh, kw = kernel.shape
    padded = np.pad(x.astype("float64"), ((0, 0), (kh // 2,) * 2, (kw // 2,) * 2, (0, 0)))
    out = np.zeros(x.shape, "float64")
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * padded[:, i:i + x.shape[1], j:j + x.shape[2]]
    return out


def _gaussian(size, sigma):
    taps = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    return taps / taps.sum()


def _equalize(x, bins=256):
    """Histogram equalization of each channel over the whole batch (Keras 3's rule)."""
    out = np.empty_like(x, dtype="float64")
    for c in range(x.shape[-1]):
        values = x[..., c]
        index = np.clip(np.floor(values * (bins - 1) / 255), 0, bins - 1).astype(int)
        hist = np.bincount(index.ravel(), minlength=bins)
        if np.count_nonzero(hist) <= 1:
            out[..., c] = values
            continue
        cdf = np.cumsum(hist)
        cdf_min = cdf[np.nonzero(cdf)[0][0]]
        table = np.clip(np.round((cdf - cdf_min) * 255 / (cdf[-1] - cdf_min)), 0, 255)
        out[..., c] = table[index]
    return out


def _autocontrast(x):
    low = x.min(axis=(1, 2), keepdims=True)
    high = x.max(axis=(1, 2), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        stretched = np.clip((x - low) * 255 / (high - low), 0, 255)
    return np.where(high > low, stretched, x)


def _hue_half_turn(x):
    return 255 * np.clip(_map_hsv(x / 255, lambda h, s, v: ((h + 0.5) % 1, s, v)), 0, 1)


REFERENCES = {
    "RandomInvert": lambda x: 255 - x,
    "Solarization": lambda x: np.where(np.clip(x + 25.5, 0, 255) < 127.5,
                                       np.clip(x + 25.5, 0, 255),
                                       255 - np.clip(x + 25.5, 0, 255)),
    "RandomPosterization": lambda x: np.floor(x) // 32 * 32,
    "RandomGrayscale": lambda x: np.broadcast_to(_grey(x), x.shape),
    "RandomColorDegeneration": lambda x: x + 0.3 * (_grey(x) - x),
    # f = 0.25 scales the saturation by 0.25 / 0.75
    "RandomSaturation": lambda x: 255 * _map_hsv(x / 255, lambda h, s, v: (h, s / 3, v)),
    "RandomHue": _hue_half_turn,
    "RandomColorJitter": lambda x: _hue_half_turn(np.clip(x + 25.5, 0, 255)),
    # f = 0.2: x + (1 - 0.4) * (smooth - x)
    "RandomSharpness": lambda x: np.clip(x + 0.6 * (_filter(x, np.array(
        [[1, 1, 1], [1, 5, 1], [1, 1, 1]]) / 13) - x), 0, 255),
    "RandomGaussianBlur": lambda x: np.clip(_filter(x, np.outer(_gaussian(3, 0.6),
                                                                _gaussian(3, 0.6))), 0, 255),
    "Equalization": _equalize,
    "AutoContrast": _autocontrast,
}
# Keras 3 computes these the same way when pinned (see each layer's docstring for where
# the unpinned draws differ on purpose). Keras's Solarization does not scale the lower end
# of its ranges by 255, so its pinned ranges are not pinned.
KERAS_AGREES = sorted(set(REFERENCES) - {"Solarization"})


# -- transforms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_pinned_transform_matches_the_numpy_reference(name):
    got = _train(name, IMAGES, **PINNED[name])
    np.testing.assert_allclose(got, REFERENCES[name](IMAGES.astype("float64")), atol=2e-3)


@pytest.mark.parametrize("name", KERAS_AGREES)
def test_pinned_transform_matches_keras(name):
    got = _train(name, IMAGES, **PINNED[name])
    np.testing.assert_allclose(got, _train(name, IMAGES, keras().layers, **PINNED[name]),
                               atol=2e-3)


@pytest.mark.parametrize("name", ["Solarization", "RandomSaturation", "RandomHue",
                                  "RandomPosterization", "RandomColorDegeneration",
                                  "RandomSharpness", "Equalization", "AutoContrast"])
def test_value_range_zero_to_one_gives_the_same_transform_scaled(name):
    got = _train(name, UNIT, value_range=(0, 1), **PINNED[name])
    expected = _train(name, IMAGES, **PINNED[name]) / 255.0
    if name == "RandomPosterization":  # the 0-255 values are truncated, so compare levels
        np.testing.assert_allclose(got, expected, atol=32 / 255)
    else:
        np.testing.assert_allclose(got, expected, atol=2e-5)


def test_solarization_defaults_invert_every_pixel_as_keras_does():
    np.testing.assert_allclose(_train("Solarization", IMAGES), 255 - IMAGES, atol=1e-4)
    np.testing.assert_allclose(_train("Solarization", IMAGES, keras().layers),
                               255 - IMAGES, atol=1e-4)


def test_saturation_half_is_the_identity_and_zero_is_grey():
    np.testing.assert_allclose(_train("RandomSaturation", IMAGES, factor=(0.5, 0.5)),
                               IMAGES, atol=1e-3)
    grey = _train("RandomSaturation", IMAGES, factor=(0.0, 0.0))
    np.testing.assert_allclose(grey, np.repeat(IMAGES.max(-1, keepdims=True), 3, -1),
                               atol=1e-3)


def test_hue_turns_colours_by_a_random_direction_of_the_drawn_amount():
    x = UNIT
    got = _train("RandomHue", x, factor=(0.5, 0.5), value_range=(0, 1), seed=3)
    plus = _map_hsv(x, lambda h, s, v: ((h + 0.25) % 1, s, v))
    minus = _map_hsv(x, lambda h, s, v: ((h - 0.25) % 1, s, v))
    is_plus = [np.allclose(g, p, atol=1e-4) for g, p in zip(got, plus)]
    is_minus = [np.allclose(g, m, atol=1e-4) for g, m in zip(got, minus)]
    assert all(p or m for p, m in zip(is_plus, is_minus))
    assert any(is_plus) and any(is_minus)


def test_posterization_keeps_the_drawn_number_of_bits_inclusive():
    x = np.full(IMAGES.shape, 255.0, "float32")
    got = _train("RandomPosterization", x, factor=(1, 3), seed=2)[:, 0, 0, 0]
    assert set(got.tolist()) == {128.0, 192.0, 224.0}  # 1, 2 and 3 bits kept


def test_random_invert_and_grayscale_change_a_random_subset_of_images():
    x = IMAGES
    inverted = _train("RandomInvert", x, factor=(0.5, 0.5), seed=4)
    flags = [np.allclose(o, 255 - i) for o, i in zip(inverted, x)]
    assert all(f or np.array_equal(o, i) for f, o, i in zip(flags, inverted, x))
    assert 0 < sum(flags) < len(x)
    grey = _train("RandomGrayscale", x, factor=0.5, seed=4)
    flags = [np.allclose(o, _grey(i), atol=1e-3) for o, i in zip(grey, x)]
    assert all(f or np.array_equal(o, i) for f, o, i in zip(flags, grey, x))
    assert 0 < sum(flags) < len(x)


def test_auto_contrast_leaves_flat_channels_and_applies_at_inference():
    x = IMAGES.copy()
    x[0, ..., 1] = 40.0
    layer = layers.AutoContrast()
    out = to_numpy(layer(x, training=False))
    np.testing.assert_allclose(out, _autocontrast(x.astype("float64")), atol=2e-3)
    np.testing.assert_array_equal(out[0, ..., 1], 40.0)
    k_out = keras().layers.AutoContrast()(x, training=False)
    np.testing.assert_allclose(out, keras().ops.convert_to_numpy(k_out), atol=2e-3)


def test_equalization_of_one_image_spreads_its_levels():
    x = np.array([0.0, 10.0, 20.0, 30.0], "float32").reshape(1, 2, 2, 1)
    out = _train("Equalization", x)
    np.testing.assert_allclose(out.ravel(), [0, 85, 170, 255])
    flat = np.full((1, 2, 2, 1), 9.0, "float32")
    np.testing.assert_array_equal(_train("Equalization", flat), flat)


def test_random_erasing_fills_one_rectangle_per_image():
    x = IMAGES
    out = _train("RandomErasing", x, factor=(1.0, 1.0), scale=(0.25, 0.25),
                 fill_value=0.0, seed=5)
    for image, original in zip(out, x):
        erased = np.all(image == 0.0, axis=-1)
        rows, cols = np.nonzero(erased)
        # sides of half the image (sqrt 0.25): 2.5 of 5 rows, 3 of 6 columns, give or
        # take one for where the fractional start falls
        assert rows.max() - rows.min() + 1 in (2, 3) and cols.max() - cols.min() + 1 in (3, 4)
        assert erased[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
        np.testing.assert_array_equal(image[~erased], original[~erased])


def test_random_erasing_fills_noise_and_per_channel_values_inside_the_range():
    out = _train("RandomErasing", IMAGES, factor=(1.0, 1.0), scale=(0.5, 0.5), seed=1)
    assert out.min() >= 0 and out.max() <= 255 and not np.allclose(out, IMAGES)
    out = _train("RandomErasing", IMAGES, factor=(1.0, 1.0), scale=(0.5, 0.5),
                 fill_value=[1.0, 2.0, 300.0], seed=1)
    changed = ~np.isclose(out, IMAGES).all(axis=-1)
    np.testing.assert_array_equal(out[changed], np.tile([1.0, 2.0, 255.0],
                                                        (changed.sum(), 1)))


def test_color_jitter_without_factors_is_the_identity():
    np.testing.assert_array_equal(_train("RandomColorJitter", IMAGES), IMAGES)


# -- what every layer here shares ---------------------------------------------------------------
@pytest.mark.parametrize("name", SEEDED + ["Equalization"])
def test_layers_pass_images_through_at_inference_as_keras_does(name):
    out = _make(name)(IMAGES.astype("uint8"), training=False)
    assert ops.dtype(out) == "float32"
    np.testing.assert_array_equal(to_numpy(out), IMAGES.astype("uint8"))
    k_out = _make(name, keras().layers)(IMAGES, training=False)
    np.testing.assert_allclose(keras().ops.convert_to_numpy(k_out), IMAGES)


@pytest.mark.parametrize("name", SEEDED)
def test_layers_repeat_with_the_same_seed_and_draw_anew_each_call(name):
    x = IMAGES
    first, second = _make(name, seed=7), _make(name, seed=7)
    a = to_numpy(first(x))  # called without `training`: augments, as in Keras
    assert not np.allclose(a, x)
    np.testing.assert_array_equal(a, to_numpy(second(x)))
    assert any(not np.array_equal(a, to_numpy(first(x))) for _ in range(3))


@pytest.mark.parametrize("name", NAMES)
def test_layers_output_float_for_integer_images_one_image_and_symbolic(name):
    layer = _make(name, seed=1) if name in SEEDED else _make(name)
    out = layer(IMAGES.astype("uint8"), training=True)
    assert ops.dtype(out) == "float32" and tuple(out.shape) == IMAGES.shape
    assert tuple(layer(IMAGES[0], training=True).shape) == IMAGES.shape[1:]
    assert tuple(layer(lamina.Input(IMAGES.shape[1:])).shape) == (None,) + IMAGES.shape[1:]


@pytest.mark.parametrize("name", ["RandomSaturation", "RandomHue", "AutoContrast",
                                  "Equalization", "RandomGaussianBlur"])
def test_layers_compute_in_the_mixed_precision_dtype(name):
    out = getattr(layers, name)(dtype="mixed_bfloat16", **PINNED[name])(IMAGES,
                                                                         training=True)
    assert ops.dtype(out) == "bfloat16"


@pytest.mark.parametrize("name", NAMES)
def test_pinned_channels_first_and_one_image_match_channels_last(name):
    expected = _train(name, IMAGES, **PINNED[name])
    first = _train(name, np.moveaxis(IMAGES, -1, 1), data_format="channels_first",
                   **PINNED[name])
    if name == "RandomErasing":  # the rectangle's place is random: check the fill only
        first = np.moveaxis(first, 1, -1)
        erased = np.all(first == 7.0, axis=-1)
        assert erased.any(axis=(1, 2)).all()
        np.testing.assert_array_equal(first[~erased], IMAGES[~erased])
        return
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), expected, atol=2e-3)
    if name != "Equalization":  # equalization pools its histogram over the batch
        np.testing.assert_allclose(_train(name, IMAGES[0], **PINNED[name]), expected[0],
                                   atol=2e-3)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips_and_loads_in_keras(name):
    layer = _make(name, seed=3) if name in SEEDED else _make(name)
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    fresh = _make(name, seed=3) if name in SEEDED else _make(name)
    np.testing.assert_array_equal(to_numpy(clone(IMAGES)), to_numpy(fresh(IMAGES)))
    k_layer = getattr(keras().layers, name).from_config(config)
    extra = {"seed"} if name == "RandomGrayscale" else set()  # see its get_config
    assert set(config) == set(k_layer.get_config()) | extra


# -- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, match", [
    ("RandomInvert", {"factor": 1.5}, r"RandomInvert: `factor` must be .* \[0, 1\]"),
    ("RandomSaturation", {"factor": (0.2, 1.2)}, r"RandomSaturation: `factor`"),
    ("RandomColorDegeneration", {"factor": "a"}, r"RandomColorDegeneration: `factor`"),
    ("RandomColorDegeneration", {"factor": -0.5}, r"RandomColorDegeneration: `factor`"),
    ("RandomHue", {"factor": -2}, r"RandomHue: `factor`"),
    ("RandomSharpness", {"factor": 2}, r"RandomSharpness: `factor`"),
    ("RandomPosterization", {"factor": 9}, r"RandomPosterization: `factor` .* \[1, 8\]"),
    ("RandomPosterization", {"factor": 2.5}, r"bits kept"),
    ("RandomGrayscale", {"factor": 1.1}, r"RandomGrayscale: `factor` must be a prob"),
    ("Solarization", {"threshold_factor": 1.5}, r"Solarization: `threshold_factor`"),
    ("Solarization", {"value_range": (0,)}, r"Solarization: `value_range` must be"),
    ("AutoContrast", {"value_range": 255}, r"AutoContrast: `value_range`"),
    ("Equalization", {"bins": 1}, r"Equalization: `bins` must be an int"),
    ("RandomErasing", {"fill_value": [1, 2]}, r"RandomErasing: `fill_value`"),
    ("RandomErasing", {"scale": (2, 3)}, r"RandomErasing: `scale`"),
    ("RandomGaussianBlur", {"kernel_size": 4}, r"`kernel_size` must be an odd int"),
    ("RandomGaussianBlur", {"sigma": 3.0}, r"RandomGaussianBlur: `sigma`"),
    ("RandomColorJitter", {"value_range": None}, r"RandomColorJitter: `value_range`"),
])
def test_bad_arguments_raise_value_errors_naming_the_argument(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(layers, name)(**{**PINNED[name], **kwargs})


@pytest.mark.parametrize("name", ["RandomHue", "RandomSaturation",
                                  "RandomColorDegeneration", "RandomGrayscale"])
def test_colour_layers_reject_images_without_three_channels(name):
    with pytest.raises(ValueError, match=rf"{name}: expected RGB images .* \(2, 4, 4, 4\)"):
        getattr(layers, name)(**PINNED[name])(np.zeros((2, 4, 4, 4), "float32"))


def test_layers_reject_dicts_and_wrong_ranks():
    with pytest.raises(ValueError, match="RandomInvert: inputs must be an image tensor"):
        layers.RandomInvert()({"images": IMAGES})
    with pytest.raises(ValueError, match=r"Equalization: inputs must have rank 3 .* \(5, 6\)"):
        layers.Equalization()(np.zeros((5, 6), "float32"))


# -- in models ----------------------------------------------------------------------------------
# Keras 3.15's Equalization cannot sit in a Sequential or Functional model: its symbolic
# output is its input ("... is part of a cycle"), so only lamina's models hold it here.
_KERAS_EQUALIZATION_ERROR = "is part of a cycle"


def _colour_model(library, equalization=True):
    L = library.layers
    return library.Sequential([
        library.Input((6, 6, 3)),
        L.RandomInvert(seed=1),
        L.Solarization(0.1, 0.5, seed=2),
        L.RandomPosterization(6, seed=3),
        L.RandomGrayscale(0.2, seed=4),
        L.RandomColorDegeneration(0.3, seed=5),
        L.RandomSaturation(0.7, seed=6),
        L.RandomHue(0.2, seed=7),
        L.RandomColorJitter(brightness_factor=0.1, hue_factor=0.1, seed=8),
        L.RandomSharpness(0.6, seed=9),
        L.RandomErasing(seed=10),
        L.RandomGaussianBlur(seed=11),
    ] + ([L.Equalization()] if equalization else []) + [
        L.AutoContrast(),
        L.Rescaling(1 / 255),
        L.Flatten(),
        L.Dense(2),
    ], name="colour")


def test_a_model_with_colour_layers_trains_in_fit():
    model = _colour_model(lamina)
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.uniform(0, 255, size=(8, 6, 6, 3)).astype("float32")
    y = RNG.normal(size=(8, 2)).astype("float32")
    losses = model.fit(x, y, batch_size=4, epochs=2, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[0] != losses[1]
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("direction", ["lamina_to_lamina", "lamina_to_keras", "keras_to_lamina"])
def test_a_model_file_with_colour_layers_round_trips(tmp_path, direction):
    source_lib = keras() if direction.startswith("keras") else lamina
    target_lib = lamina if direction.endswith("lamina") else keras()
    source = _colour_model(source_lib, equalization=direction == "lamina_to_lamina")
    path = str(tmp_path / "colour.keras")
    source.save(path)
    target = target_lib.models.load_model(path)
    x = RNG.uniform(0, 255, size=(3, 6, 6, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(target.predict(x, verbose=0)),
                               np.asarray(source.predict(x, verbose=0)), rtol=1e-4, atol=1e-4)
    assert [type(layer).__name__ for layer in target.layers] == \
        [type(layer).__name__ for layer in source.layers]


def test_keras_cannot_hold_equalization_in_a_model_which_is_why_files_skip_it():
    with pytest.raises(ValueError, match=_KERAS_EQUALIZATION_ERROR):
        keras().Sequential([keras().Input((4, 4, 3)), keras().layers.Equalization()])

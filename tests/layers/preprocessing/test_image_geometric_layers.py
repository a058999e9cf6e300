"""The geometric augmentation layers (shear, perspective, elastic) and MaxNumBoundingBoxes:
NumPy references with the draws pinned (by zero-width ranges, or by replaying the layer's
seed), Keras 3 as oracle where its output is deterministic.

The shared behaviour (training flag, seeds, dtypes, layouts, configs, fit, files) is
checked over the table ``LAYERS``; each layer's transform has its own tests.
"""

import json
import math

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina import random
from lamina.layers import preprocessing as layers

from ..layer_checks import keras
from ..layer_checks import to_numpy
from .image_reference import _fold
from .image_reference import affine_transform as reference_affine

RNG = np.random.default_rng(5)
# One shape for every image test: on JAX each new shape compiles every op again. 10
# columns give the elastic blur three taps at full scale.
IMAGES = RNG.uniform(0, 255, size=(4, 12, 10, 3)).astype("float32")
BATCH, HEIGHT, WIDTH, _ = IMAGES.shape

# name -> constructor arguments giving a random (but valid) transform. Shear factors are
# pairs: Keras 3 cannot load its own config for a single number (see the test below).
LAYERS = {
    "RandomShear": {"x_factor": (0.1, 0.3), "y_factor": (0.0, 0.2)},
    "RandomPerspective": {"scale": 0.6},
    "RandomElasticTransform": {"scale": 1.0},
}
NAMES = sorted(LAYERS)


def _make(name, library=layers, **extra):
    return getattr(library, name)(**{**LAYERS[name], **extra})


def _train(layer, x):
    return to_numpy(layer(x, training=True))


def _keras_train(layer, x):
    return np.asarray(keras().ops.convert_to_numpy(layer(x, training=True)))


def _matches_one_of(got, references, atol=1e-3):
    """For each image, the index of the reference it equals (None when none)."""
    found = []
    for b, image in enumerate(got):
        hits = [i for i, ref in enumerate(references) if np.allclose(image, ref[b], atol=atol)]
        found.append(hits[0] if hits else None)
    return found


# -- RandomShear ----------------------------------------------------------------------------
def _shear_references(sx, sy, **kwargs):
    return [reference_affine(IMAGES.astype("float64"), [1, s * sx, 0, s * sy, 1, 0, 0, 0],
                             **kwargs) for s in (1.0, -1.0)]


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_shear_reads_the_input_along_the_sheared_grid_with_a_random_sign(fill_mode):
    layer = layers.RandomShear((0.3, 0.3), (0.2, 0.2), fill_mode=fill_mode, fill_value=9.0,
                               seed=3)
    got = _train(layer, IMAGES)
    signs = _matches_one_of(got, _shear_references(0.3, 0.2, fill_mode=fill_mode,
                                                   fill_value=9.0))
    assert None not in signs and set(signs) == {0, 1}


def test_shear_matches_keras_up_to_the_drawn_sign():
    # Keras's torch backend reads "reflect" as "mirror", so compare with "nearest".
    kwargs = {"x_factor": (0.25, 0.25), "y_factor": (0.1, 0.1), "fill_mode": "nearest"}
    references = _shear_references(0.25, 0.1, fill_mode="nearest")
    k_got = _keras_train(keras().layers.RandomShear(**kwargs, seed=1), IMAGES)
    assert None not in _matches_one_of(k_got, references)
    assert None not in _matches_one_of(_train(layers.RandomShear(**kwargs, seed=1), IMAGES),
                                       references)


def test_keras_cannot_load_its_own_shear_config_for_a_number_which_lamina_can():
    config = keras().layers.RandomShear(x_factor=0.2).get_config()
    assert tuple(config["x_factor"]) == (-0.2, 0.2)
    with pytest.raises(TypeError, match="input_number=-0.2"):
        keras().layers.RandomShear.from_config(config)
    assert layers.RandomShear.from_config(config).x_factor == (-0.2, 0.2)


# -- RandomPerspective ----------------------------------------------------------------------
def _homography(start, end):
    """The 8 coefficients taking each end point (output) to its start point (input)."""
    rows, target = [], []
    for (xs, ys), (xe, ye) in zip(start, end):
        rows.append([xe, ye, 1, 0, 0, 0, -xs * xe, -xs * ye])
        rows.append([0, 0, 0, xe, ye, 1, -ys * xe, -ys * ye])
        target += [xs, ys]
    return np.linalg.solve(np.array(rows, "float64"), np.array(target, "float64"))


def test_perspective_warps_the_drawn_images_through_the_drawn_corners():
    layer = layers.RandomPerspective(factor=0.7, scale=0.8, interpolation="nearest",
                                     fill_value=5.0, seed=4)
    got = _train(layer, IMAGES)
    # Replay the layer's draws from the same seed, in its order.
    seed = random.SeedGenerator(4)
    probability = to_numpy(random.uniform((BATCH,), 0.0, 0.7, seed=seed))
    threshold = to_numpy(random.uniform((BATCH,), seed=seed))
    offsets = to_numpy(random.uniform((BATCH, 4, 2), -0.4, 0.4, dtype="float32", seed=seed))
    corners = np.array([[0, 0], [WIDTH - 1, 0], [0, HEIGHT - 1], [WIDTH - 1, HEIGHT - 1]],
                       "float64")
    is_warped = threshold < probability
    assert 0 < is_warped.sum() < BATCH
    for b in range(BATCH):
        if not is_warped[b]:
            np.testing.assert_array_equal(got[b], IMAGES[b])
            continue
        transform = _homography(corners, corners * (1 + offsets[b]))
        expected = reference_affine(IMAGES[b].astype("float64"), transform, "nearest",
                                    fill_value=5.0)
        # nearest sampling: a point on a pixel boundary may round either way
        assert np.mean(np.isclose(got[b], expected, atol=1e-3)) > 0.97


def test_perspective_never_moves_the_top_left_corner_as_in_keras():
    # Keras offsets each corner in proportion to its coordinates, so (0, 0) stays put.
    lamina_out = _train(layers.RandomPerspective((1.0, 1.0), seed=2), IMAGES)
    keras_out = _keras_train(keras().layers.RandomPerspective((1.0, 1.0), seed=2), IMAGES)
    for out in (lamina_out, keras_out):
        np.testing.assert_allclose(out[:, 0, 0], IMAGES[:, 0, 0], atol=1e-3)
        assert not np.allclose(out, IMAGES)


# -- RandomElasticTransform -----------------------------------------------------------------
def _bilinear_reflect(image, rows, cols):
    """``image`` (height, width, channels) read at fractional points, reflect fill."""
    height, width, _ = image.shape
    out = np.zeros(rows.shape + image.shape[-1:], "float64")
    for index in np.ndindex(rows.shape):
        y, x = rows[index], cols[index]
        y0, x0 = math.floor(y), math.floor(x)
        for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
            for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
                out[index] += wy * wx * image[_fold(yy, height, "reflect"),
                                              _fold(xx, width, "reflect")]
    return out


def _blur(field, sigma, taps):
    """Each (height, width) plane convolved with a normalized Gaussian, zero padding."""
    offsets = np.arange(taps) - (taps - 1) / 2
    window = np.exp(-0.5 * (offsets / sigma) ** 2)
    window /= window.sum()
    pad = taps // 2
    padded = np.pad(field, ((pad, pad), (pad, pad)))
    rows = sum(w * padded[i:i + field.shape[0], :] for i, w in enumerate(window))
    return sum(w * rows[:, i:i + field.shape[1]] for i, w in enumerate(window))


def test_elastic_displaces_pixels_by_the_drawn_blurred_noise():
    layer = layers.RandomElasticTransform(factor=(1.0, 1.0), scale=(0.6, 1.0), seed=6)
    got = _train(layer, IMAGES)
    seed = random.SeedGenerator(6)
    random.uniform((BATCH,), 1.0, 1.0, seed=seed)
    random.uniform((BATCH,), seed=seed)
    strength = float(to_numpy(random.uniform((), 0.6, 1.0, dtype="float32", seed=seed)))
    noise = to_numpy(random.normal((BATCH, HEIGHT, WIDTH, 2), dtype="float32", seed=seed))
    alpha, sigma = 0.1 * strength * HEIGHT, 0.05 * strength * WIDTH
    taps = int(6 * 0.05 * WIDTH * 1.0) | 1
    grid_y, grid_x = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    for b in range(BATCH):
        dx = _blur(noise[b, ..., 0] * sigma, sigma, taps) * alpha
        dy = _blur(noise[b, ..., 1] * sigma, sigma, taps) * alpha
        expected = _bilinear_reflect(IMAGES[b].astype("float64"), grid_y + dy, grid_x + dx)
        np.testing.assert_allclose(got[b], np.clip(expected, 0, 255), atol=2e-2)


def test_elastic_keeps_a_flat_image_and_is_the_identity_at_zero_scale():
    flat = np.full(IMAGES.shape, 40.0, "float32")
    out = _train(layers.RandomElasticTransform(seed=1), flat)
    np.testing.assert_allclose(out, flat, atol=1e-3)
    for library, run in ((layers, _train), (keras().layers, _keras_train)):
        np.testing.assert_allclose(run(library.RandomElasticTransform(scale=0.0), IMAGES),
                                   IMAGES, atol=1e-4)


def test_elastic_clips_to_the_value_range():
    x = IMAGES * 2.0 - 100.0  # values outside (0, 255)
    out = _train(layers.RandomElasticTransform((1.0, 1.0), seed=1), x)
    assert out.min() >= 0.0 and out.max() <= 255.0


# -- what every layer here shares -------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_layers_pass_images_through_at_inference_as_keras_does(name):
    out = _make(name)(IMAGES.astype("uint8"), training=False)
    assert ops.dtype(out) == "float32"
    np.testing.assert_array_equal(to_numpy(out), IMAGES.astype("uint8"))
    k_out = _make(name, keras().layers)(IMAGES, training=False)
    np.testing.assert_allclose(keras().ops.convert_to_numpy(k_out), IMAGES)


@pytest.mark.parametrize("name", NAMES)
def test_layers_repeat_with_the_same_seed_and_draw_anew_each_call(name):
    first, second = _make(name, seed=7), _make(name, seed=7)
    a = to_numpy(first(IMAGES))  # called without `training`: augments, as in Keras
    assert not np.allclose(a, IMAGES)
    np.testing.assert_array_equal(a, to_numpy(second(IMAGES)))
    assert any(not np.array_equal(a, to_numpy(first(IMAGES))) for _ in range(3))


@pytest.mark.parametrize("name", NAMES)
def test_layers_output_float_for_integer_images_one_image_and_symbolic(name):
    layer = _make(name, seed=1)
    out = layer(IMAGES.astype("uint8"), training=True)
    assert ops.dtype(out) == "float32" and tuple(out.shape) == IMAGES.shape
    assert tuple(layer(IMAGES[0], training=True).shape) == IMAGES.shape[1:]
    assert tuple(layer(lamina.Input(IMAGES.shape[1:])).shape) == (None,) + IMAGES.shape[1:]
    out = _make(name, dtype="mixed_bfloat16", seed=1)(IMAGES, training=True)
    assert ops.dtype(out) == "bfloat16"


@pytest.mark.parametrize("name", NAMES)
def test_channels_first_draws_the_same_transform_as_channels_last(name):
    expected = _train(_make(name, seed=8), IMAGES)
    first = _train(_make(name, seed=8, data_format="channels_first"),
                   np.moveaxis(IMAGES, -1, 1))
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), expected, atol=2e-3)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips_and_loads_in_keras(name):
    layer = _make(name, seed=3, fill_value=2.0)
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    np.testing.assert_array_equal(_train(clone, IMAGES), _train(_make(name, seed=3,
                                                                      fill_value=2.0), IMAGES))
    k_layer = getattr(keras().layers, name).from_config(config)
    assert set(config) == set(k_layer.get_config())


@pytest.mark.parametrize("name, kwargs, match", [
    ("RandomShear", {"x_factor": 1.5}, r"RandomShear: `x_factor` must be a number in \[0, 1\]"),
    ("RandomShear", {"y_factor": (0.1, 0.2, 0.3)}, r"RandomShear: `y_factor`"),
    ("RandomShear", {"fill_mode": "mirror"}, r"RandomShear: `fill_mode` must be one of"),
    ("RandomShear", {"interpolation": "bicubic"}, r"RandomShear: `interpolation`"),
    ("RandomPerspective", {"scale": 1.5}, r"RandomPerspective: `scale` must be a number"),
    ("RandomPerspective", {"factor": -0.5}, r"RandomPerspective: `factor`"),
    ("RandomPerspective", {"interpolation": "area"}, r"RandomPerspective: `interpolation`"),
    ("RandomElasticTransform", {"scale": 2.0}, r"RandomElasticTransform: `scale`"),
    ("RandomElasticTransform", {"fill_mode": "edge"}, r"RandomElasticTransform: `fill_mode`"),
    ("RandomElasticTransform", {"value_range": 1}, r"RandomElasticTransform: `value_range`"),
])
def test_bad_arguments_raise_value_errors_naming_the_argument(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _make(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_layers_reject_bounding_box_dicts_and_wrong_ranks(name):
    with pytest.raises(ValueError, match=f"{name}: inputs must be an image tensor"):
        _make(name)({"images": IMAGES, "bounding_boxes": {}})
    with pytest.raises(ValueError, match=rf"{name}: inputs must have rank 3 .* \(12, 10\)"):
        _make(name)(IMAGES[0, ..., 0])


# -- MaxNumBoundingBoxes --------------------------------------------------------------------
def _detection_batch(num_boxes):
    boxes = RNG.uniform(0, 10, size=(BATCH, num_boxes, 4)).astype("float32")
    labels = RNG.integers(0, 5, size=(BATCH, num_boxes)).astype("int32")
    return {"images": IMAGES, "bounding_boxes": {"boxes": boxes, "labels": labels}}


@pytest.mark.parametrize("num_boxes", [2, 5])
def test_max_num_bounding_boxes_pads_and_truncates_as_keras_does(num_boxes):
    data = _detection_batch(num_boxes)
    out = layers.MaxNumBoundingBoxes(3, fill_value=-2)(data)
    k_out = keras().layers.MaxNumBoundingBoxes(3, fill_value=-2,
                                               bounding_box_format="xyxy")(data)
    for key in ("boxes", "labels"):
        got = to_numpy(out["bounding_boxes"][key])
        assert got.shape[:2] == (BATCH, 3)
        np.testing.assert_array_equal(
            got, keras().ops.convert_to_numpy(k_out["bounding_boxes"][key]))
    kept = min(num_boxes, 3)
    np.testing.assert_array_equal(to_numpy(out["bounding_boxes"]["boxes"])[:, :kept],
                                  data["bounding_boxes"]["boxes"][:, :kept])
    np.testing.assert_array_equal(to_numpy(out["images"]), IMAGES)


def test_max_num_bounding_boxes_takes_one_image_and_passes_tensors_through():
    data = {"images": IMAGES[0], "bounding_boxes": {"boxes": np.ones((1, 4), "float32"),
                                                    "labels": np.array([3])}}
    out = layers.MaxNumBoundingBoxes(2)(data)["bounding_boxes"]
    np.testing.assert_array_equal(to_numpy(out["labels"]), [3, -1])
    np.testing.assert_array_equal(to_numpy(out["boxes"])[1], [-1, -1, -1, -1])
    np.testing.assert_array_equal(to_numpy(layers.MaxNumBoundingBoxes(2)(IMAGES)), IMAGES)
    shape = layers.MaxNumBoundingBoxes(2).compute_output_shape(
        {"images": (None, 12, 10, 3),
         "bounding_boxes": {"boxes": (None, 7, 4), "labels": (None, 7)}})
    assert shape["bounding_boxes"] == {"boxes": (None, 2, 4), "labels": (None, 2)}


def test_max_num_bounding_boxes_config_and_errors():
    config = layers.MaxNumBoundingBoxes(4, fill_value=0).get_config()
    assert layers.MaxNumBoundingBoxes.from_config(config).get_config() == config
    k_config = keras().layers.MaxNumBoundingBoxes(4).get_config()
    assert set(config) == set(k_config) | {"fill_value"}  # Keras 3 forgets its fill_value
    with pytest.raises(ValueError, match="MaxNumBoundingBoxes: `max_number` must be a pos"):
        layers.MaxNumBoundingBoxes(0)
    with pytest.raises(ValueError, match=r"MaxNumBoundingBoxes: `bounding_boxes` must .*"):
        layers.MaxNumBoundingBoxes(2)({"images": IMAGES, "bounding_boxes": {
            "boxes": np.ones((4, 1, 4))}})
    with pytest.raises(ValueError, match=r"Received: boxes of shape \(4, 1, 3\)"):
        layers.MaxNumBoundingBoxes(2)({"images": IMAGES, "bounding_boxes": {
            "boxes": np.ones((4, 1, 3)), "labels": np.ones((4, 1))}})
    with pytest.raises(ValueError, match=r"may hold only 'boxes' and 'labels'.*'scores'"):
        layers.MaxNumBoundingBoxes(2)({"images": IMAGES, "bounding_boxes": {
            "boxes": np.ones((4, 1, 4)), "labels": np.ones((4, 1)),
            "scores": np.ones((4, 1))}})


# -- in models ----------------------------------------------------------------------------------
def _geometric_model(library):
    L = library.layers
    return library.Sequential([
        library.Input(IMAGES.shape[1:]),
        L.RandomShear((0.0, 0.2), (0.1, 0.2), seed=1),
        L.RandomPerspective(0.5, scale=0.4, seed=2),
        L.RandomElasticTransform(scale=0.5, seed=3),
        L.MaxNumBoundingBoxes(4),
        L.Rescaling(1 / 255),
        L.Flatten(),
        L.Dense(2),
    ], name="geometric")


def test_a_model_with_geometric_layers_trains_in_fit():
    model = _geometric_model(lamina)
    model.compile(optimizer="sgd", loss="mse")
    y = RNG.normal(size=(BATCH, 2)).astype("float32")
    losses = model.fit(IMAGES, y, batch_size=2, epochs=2, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[0] != losses[1]
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0),
                               model.predict(IMAGES, verbose=0))


@pytest.mark.parametrize("direction", ["lamina_to_lamina", "lamina_to_keras", "keras_to_lamina"])
def test_a_model_file_with_geometric_layers_round_trips(tmp_path, direction):
    source_lib = keras() if direction.startswith("keras") else lamina
    target_lib = lamina if direction.endswith("lamina") else keras()
    source = _geometric_model(source_lib)
    path = str(tmp_path / "geometric.keras")
    source.save(path)
    target = target_lib.models.load_model(path)
    np.testing.assert_allclose(np.asarray(target.predict(IMAGES, verbose=0)),
                               np.asarray(source.predict(IMAGES, verbose=0)), rtol=1e-4,
                               atol=1e-4)
    assert [type(layer).__name__ for layer in target.layers] == \
        [type(layer).__name__ for layer in source.layers]

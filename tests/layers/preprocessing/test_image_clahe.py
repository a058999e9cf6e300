"""ContrastLimitedAdaptiveHistogramEqualization: a pixel-by-pixel NumPy reference and
Keras 3 as oracle (on grids that tile the image exactly: Keras's torch backend pads
"symmetric" by repeating the edge pixel, its JAX backend by mirroring, so the padded case
is checked against the NumPy reference only)."""

import json
import math

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import preprocessing as layers

from ..layer_checks import keras
from ..layer_checks import to_numpy

RNG = np.random.default_rng(21)
# One shape for every test: on JAX each new shape compiles every op again. The top half
# is darker, so that the tiles' mappings differ.
IMAGES = RNG.uniform(0, 255, size=(2, 12, 10, 3)).astype("float32")
IMAGES[:, :6] *= 0.4
NAME = "ContrastLimitedAdaptiveHistogramEqualization"


def _layer(library=layers, **kwargs):
    return getattr(library, NAME)(**kwargs)


def _reference(x, clip_limit, grid):
    """CLAHE written from its description, one pixel at a time (float64)."""
    batch, height, width, channels = x.shape
    grid_h, grid_w = grid
    tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
    area = tile_h * tile_w
    out = np.zeros(x.shape)
    for b in range(batch):
        for c in range(channels):
            padded = np.pad(x[b, :, :, c], ((0, tile_h * grid_h - height),
                                             (0, tile_w * grid_w - width)), "symmetric")
            levels = np.floor(np.clip(padded, 0, 255)).astype(int)
            maps = np.zeros((grid_h, grid_w, 256))
            for i in range(grid_h):
                for j in range(grid_w):
                    tile = levels[i * tile_h:(i + 1) * tile_h, j * tile_w:(j + 1) * tile_w]
                    counts = np.bincount(tile.ravel(), minlength=256).astype(float)
                    if clip_limit > 0:
                        kept = np.minimum(counts, math.floor(clip_limit * area / 256))
                        counts = kept + (counts - kept).sum() / 256
                    cdf = np.cumsum(counts)
                    spread = area - cdf[0] if area != cdf[0] else 1.0
                    maps[i, j] = np.clip((cdf - cdf[0]) * 255 / spread, 0, 255)
            for y in range(height):
                fy = (y - tile_h / 2) / tile_h
                i0, wy = math.floor(fy), fy - math.floor(fy)
                for xx in range(width):
                    fx = (xx - tile_w / 2) / tile_w
                    j0, wx = math.floor(fx), fx - math.floor(fx)
                    level = levels[y, xx]

                    def at(i, j, maps=maps, level=level):
                        return maps[min(max(i, 0), grid_h - 1), min(max(j, 0), grid_w - 1),
                                    level]

                    top = at(i0, j0) * (1 - wx) + at(i0, j0 + 1) * wx
                    bottom = at(i0 + 1, j0) * (1 - wx) + at(i0 + 1, j0 + 1) * wx
                    out[b, y, xx, c] = top * (1 - wy) + bottom * wy
    return out


@pytest.mark.parametrize("clip_limit, grid", [(4.0, (3, 5)), (0.0, (2, 2)), (40.0, (5, 3)),
                                              (2.0, (4, 4))])
def test_clahe_matches_the_numpy_reference(clip_limit, grid):
    got = to_numpy(_layer(clip_limit=clip_limit, tile_grid_size=grid)(IMAGES))
    np.testing.assert_allclose(got, _reference(IMAGES, clip_limit, grid), atol=2e-3)


@pytest.mark.parametrize("clip_limit, grid", [(4.0, (3, 5)), (0.0, (2, 2)), (40.0, (6, 2))])
def test_clahe_matches_keras_on_grids_that_tile_the_image(clip_limit, grid):
    got = to_numpy(_layer(clip_limit=clip_limit, tile_grid_size=grid)(IMAGES))
    k_layer = _layer(keras().layers, clip_limit=clip_limit, tile_grid_size=grid)
    np.testing.assert_allclose(got, keras().ops.convert_to_numpy(k_layer(IMAGES)), atol=2e-3)


def test_clahe_applies_at_inference_and_keeps_integer_dtypes_as_keras_does():
    layer = _layer(tile_grid_size=(3, 5))
    np.testing.assert_array_equal(to_numpy(layer(IMAGES, training=False)),
                                  to_numpy(layer(IMAGES, training=True)))
    out = layer(IMAGES.astype("uint8"))
    assert ops.dtype(out) == "uint8"
    k_out = _layer(keras().layers, tile_grid_size=(3, 5))(IMAGES.astype("uint8"))
    np.testing.assert_array_equal(to_numpy(out), keras().ops.convert_to_numpy(k_out))
    assert ops.dtype(_layer(dtype="mixed_bfloat16")(IMAGES)) == "bfloat16"


def test_clahe_value_range_layouts_and_one_image():
    expected = to_numpy(_layer(tile_grid_size=(3, 5))(IMAGES))
    unit = to_numpy(_layer(value_range=(0, 1), tile_grid_size=(3, 5))(IMAGES / 255.0))
    np.testing.assert_allclose(unit * 255, expected, atol=0.5)  # levels truncate
    first = _layer(tile_grid_size=(3, 5), data_format="channels_first")(
        np.moveaxis(IMAGES, -1, 1))
    np.testing.assert_allclose(np.moveaxis(to_numpy(first), 1, -1), expected, atol=1e-4)
    one = to_numpy(_layer(tile_grid_size=(3, 5))(IMAGES[0]))
    np.testing.assert_allclose(one, expected[0], atol=1e-4)
    symbolic = _layer()(lamina.Input(IMAGES.shape[1:]))
    assert tuple(symbolic.shape) == (None,) + IMAGES.shape[1:]


def test_clahe_config_round_trips_and_loads_in_keras():
    config = json.loads(json.dumps(_layer(clip_limit=2.0, tile_grid_size=(3, 5)).get_config()))
    clone = layers.ContrastLimitedAdaptiveHistogramEqualization.from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    k_layer = getattr(keras().layers, NAME).from_config(config)
    assert set(config) == set(k_layer.get_config())


@pytest.mark.parametrize("kwargs, match", [
    ({"tile_grid_size": (0, 2)}, r"`tile_grid_size` must be a pair of positive ints"),
    ({"tile_grid_size": 8}, r"`tile_grid_size` must be a pair"),
    ({"clip_limit": "4"}, r"`clip_limit` must be a number"),
    ({"value_range": (0, 1, 2)}, r"`value_range` must be"),
])
def test_clahe_bad_arguments_raise_value_errors_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=f"{NAME}: {match}"):
        _layer(**kwargs)


def test_clahe_rejects_dicts():
    with pytest.raises(ValueError, match=f"{NAME}: inputs must be an image tensor"):
        _layer()({"images": IMAGES})


def _clahe_model(library):
    L = library.layers
    return library.Sequential([library.Input(IMAGES.shape[1:]),
                               getattr(L, NAME)(tile_grid_size=(3, 5)),
                               L.Rescaling(1 / 255), L.Flatten(), L.Dense(2)])


def test_a_model_with_clahe_trains_in_fit_and_its_file_loads_in_keras(tmp_path):
    model = _clahe_model(lamina)
    model.compile(optimizer="sgd", loss="mse")
    y = RNG.normal(size=(2, 2)).astype("float32")
    losses = model.fit(IMAGES, y, batch_size=1, epochs=2, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[0] != losses[1]
    path = str(tmp_path / "clahe.keras")
    model.save(path)
    restored = keras().models.load_model(path)
    np.testing.assert_allclose(np.asarray(restored.predict(IMAGES, verbose=0)),
                               to_numpy(model.predict(IMAGES, verbose=0)), atol=1e-4)

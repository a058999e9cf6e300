"""The augmentation-policy layers RandAugment and AugMix: which steps they apply and how
they mix them, checked against their own steps and against Keras 3's outputs with every
step's strength pinned to zero (``factor=(0, 0)``), plus the behaviour every layer shares.
"""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import preprocessing as layers
from lamina.layers.preprocessing.aug_mix import BASIC_STEPS
from lamina.layers.preprocessing.rand_augment import STEPS

from ..layer_checks import keras
from ..layer_checks import to_numpy

RNG = np.random.default_rng(9)
# One shape for every test: on JAX each new shape compiles every op again.
IMAGES = RNG.uniform(0, 255, size=(4, 12, 10, 3)).astype("float32")

# name -> small, valid arguments (small chains keep the JAX compile short)
LAYERS = {
    "RandAugment": {"num_ops": 2, "factor": 0.4},
    "AugMix": {"num_chains": 2, "chain_depth": 1, "all_ops": False},
}
NAMES = sorted(LAYERS)


def _make(name, library=layers, **extra):
    return getattr(library, name)(**{**LAYERS[name], **extra})


def _numpy(library, x):
    return to_numpy(x) if library is layers else np.asarray(keras().ops.convert_to_numpy(x))


def _candidates(layer, names):
    """Each step of ``layer`` applied once to IMAGES (deterministic at zero strength)."""
    return {name: to_numpy(getattr(layer, name)(IMAGES, training=True)) for name in names}


# -- RandAugment ----------------------------------------------------------------------------
@pytest.mark.parametrize("library", ["lamina", "keras"])
def test_rand_augment_applies_one_picked_step_to_the_whole_batch(library):
    library = layers if library == "lamina" else keras().layers
    candidates = _candidates(layers.RandAugment(factor=(0.0, 0.0)), STEPS)
    layer = library.RandAugment(factor=(0.0, 0.0), num_ops=1, seed=2)
    seen = set()
    for _ in range(8):
        out = _numpy(library, layer(IMAGES, training=True))
        hits = {name for name, c in candidates.items() if np.allclose(out, c, atol=1e-2)}
        assert hits, "the output is none of the steps"
        seen.add(frozenset(hits))
    assert len(seen) >= 2  # the pick changes between calls


def test_rand_augment_posterizes_to_the_bits_keras_derives_from_the_factor():
    layer = layers.RandAugment(factor=(0.0, 0.3))
    assert layer.random_posterization.factor[1] == 2  # max(1, int(8 * 0.3)) bits
    assert layer.random_shear.x_factor == (0.0, 0.3)
    assert layer.random_rotation.factor == (0.0, 0.3)


def test_rand_augment_with_no_ops_only_casts():
    out = layers.RandAugment(num_ops=0)(IMAGES.astype("uint8"), training=True)
    np.testing.assert_array_equal(to_numpy(out), IMAGES.astype("uint8"))


# -- AugMix ---------------------------------------------------------------------------------
@pytest.mark.parametrize("library", ["lamina", "keras"])
def test_aug_mix_blends_the_images_with_one_chain_of_one_step(library):
    library = layers if library == "lamina" else keras().layers
    candidates = _candidates(layers.AugMix(factor=(0.0, 0.0), all_ops=False), BASIC_STEPS)
    candidates["skip"] = IMAGES
    layer = library.AugMix(factor=(0.0, 0.0), num_chains=1, chain_depth=1, all_ops=False,
                           seed=3)
    x = IMAGES.astype("float64")
    for _ in range(4):
        out = _numpy(library, layer(IMAGES, training=True)).astype("float64")
        # out = m * x + (1 - m) * step(x) for one step and one m in [0, 1]
        found = False
        for c in candidates.values():
            direction = c - x
            if not np.any(direction):
                found = found or np.allclose(out, x, atol=1e-2)
                continue
            keep = 1 - np.sum((out - x) * direction) / np.sum(direction ** 2)
            expected = np.clip(keep * x + (1 - keep) * c, 0, 255)
            found = found or (-1e-4 <= keep <= 1 + 1e-4 and
                              np.allclose(out, expected, atol=5e-2))
        assert found, "the output is no blend of the images with one step"


def test_aug_mix_weights_chains_by_a_dirichlet_draw_and_clips():
    # Two chains of posterization to 1 bit (the only picks of a factor (0, 0) layer
    # restricted to it): the weights sum to one, so the mix is that one image.
    layer = layers.AugMix(factor=(0.0, 0.0), num_chains=2, chain_depth=1, all_ops=False,
                          seed=4)
    layer._step_names = ("random_posterization",)
    posterized = to_numpy(layer.random_posterization(IMAGES, training=True))
    out = to_numpy(layer(IMAGES, training=True)).astype("float64")
    x = IMAGES.astype("float64")
    # the picks include "skip", so each chain is x or posterized: out lies on that segment
    keep = 1 - np.sum((out - x) * (posterized - x)) / np.sum((posterized - x) ** 2)
    np.testing.assert_allclose(out, keep * x + (1 - keep) * posterized, atol=5e-2)
    assert -1e-4 <= keep <= 1 + 1e-4
    assert to_numpy(_make("AugMix", seed=1)(IMAGES * 3 - 200)).min() >= 0


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
    np.testing.assert_array_equal(a, to_numpy(second(IMAGES)))
    assert any(not np.array_equal(a, to_numpy(first(IMAGES))) for _ in range(4))


@pytest.mark.parametrize("name", NAMES)
def test_layers_output_float_for_integer_images_one_image_and_symbolic(name):
    layer = _make(name, seed=1)
    out = layer(IMAGES.astype("uint8"), training=True)
    assert ops.dtype(out) == "float32" and tuple(out.shape) == IMAGES.shape
    assert tuple(layer(IMAGES[0], training=True).shape) == IMAGES.shape[1:]
    assert tuple(layer(lamina.Input(IMAGES.shape[1:])).shape) == (None,) + IMAGES.shape[1:]


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips_and_loads_in_keras(name):
    layer = _make(name, seed=3, value_range=(0, 1))
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    fresh = _make(name, seed=3, value_range=(0, 1))
    np.testing.assert_array_equal(to_numpy(clone(IMAGES / 255)), to_numpy(fresh(IMAGES / 255)))
    k_layer = getattr(keras().layers, name).from_config(config)
    assert set(config) == set(k_layer.get_config())


@pytest.mark.parametrize("name, kwargs, match", [
    ("RandAugment", {"factor": 1.5}, r"RandAugment: `factor`"),
    ("RandAugment", {"num_ops": -1}, r"RandAugment: `num_ops` must be an int"),
    ("RandAugment", {"value_range": (0,)}, r"RandAugment: `value_range`"),
    ("RandAugment", {"interpolation": "cubic"}, r"RandAugment: `interpolation`"),
    ("AugMix", {"num_chains": 0}, r"AugMix: `num_chains` must be a positive int"),
    ("AugMix", {"chain_depth": 1.5}, r"AugMix: `chain_depth` must be a positive int"),
    ("AugMix", {"alpha": 0}, r"AugMix: `alpha` must be a positive number"),
    ("AugMix", {"factor": (0.2, 2.0)}, r"AugMix: `factor`"),
])
def test_bad_arguments_raise_value_errors_naming_the_argument(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _make(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_layers_reject_bounding_box_dicts(name):
    with pytest.raises(ValueError, match=f"{name}: inputs must be an image tensor"):
        _make(name)({"images": IMAGES, "bounding_boxes": {}})


# -- in models ----------------------------------------------------------------------------------
def _policy_model(library):
    L = library.layers
    return library.Sequential([
        library.Input(IMAGES.shape[1:]),
        L.RandAugment(num_ops=1, seed=1),
        L.AugMix(num_chains=1, chain_depth=1, all_ops=False, seed=2),
        L.Rescaling(1 / 255),
        L.Flatten(),
        L.Dense(2),
    ], name="policy")


def test_a_model_with_policy_layers_trains_in_fit():
    model = _policy_model(lamina)
    model.compile(optimizer="sgd", loss="mse")
    y = RNG.normal(size=(4, 2)).astype("float32")
    losses = model.fit(IMAGES, y, batch_size=2, epochs=2, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[0] != losses[1]


@pytest.mark.parametrize("direction", ["lamina_to_keras", "keras_to_lamina"])
def test_a_model_file_with_policy_layers_round_trips(tmp_path, direction):
    source_lib, target_lib = (lamina, keras()) if direction == "lamina_to_keras" else \
        (keras(), lamina)
    source = _policy_model(source_lib)
    path = str(tmp_path / "policy.keras")
    source.save(path)
    target = target_lib.models.load_model(path)
    np.testing.assert_allclose(np.asarray(target.predict(IMAGES, verbose=0)),
                               np.asarray(source.predict(IMAGES, verbose=0)), rtol=1e-4,
                               atol=1e-4)
    assert [type(layer).__name__ for layer in target.layers] == \
        [type(layer).__name__ for layer in source.layers]

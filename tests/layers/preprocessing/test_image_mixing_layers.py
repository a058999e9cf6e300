"""``MixUp`` and ``CutMix`` (images mixed within a batch, labels with them) and
``Pipeline`` (layers applied in order).

The mixing is random, so the checks recover each image's weight and partner from its
one-hot label and verify the images against them.
"""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import preprocessing as layers

from ..layer_checks import keras
from ..layer_checks import to_numpy

RNG = np.random.default_rng(5)
BATCH = 8
IMAGES = RNG.uniform(0, 255, size=(BATCH, 6, 7, 3)).astype("float32")
LABELS = np.eye(BATCH, dtype="float32")  # label i is image i, so labels show the mixing


def _mixed(layer, images=IMAGES, **kwargs):
    out = layer({"images": images, "labels": LABELS}, **kwargs)
    return to_numpy(out["images"]), to_numpy(out["labels"])


def _weight_and_partner(label, own):
    """The own weight and the partner's index, read off a mixed one-hot label."""
    others = [j for j in np.nonzero(label > 1e-6)[0] if j != own]
    partner = others[0] if others else own
    return label[own] if partner != own else 1.0, partner


# -- MixUp --------------------------------------------------------------------------------------
def test_mix_up_blends_each_image_and_label_with_one_partner():
    images, labels = _mixed(layers.MixUp(alpha=0.5, seed=3), training=True)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-5)
    assert (np.count_nonzero(labels > 1e-6, axis=1) <= 2).all()
    for i in range(BATCH):
        weight, partner = _weight_and_partner(labels[i], i)
        expected = weight * IMAGES[i] + (1 - weight) * IMAGES[partner]
        np.testing.assert_allclose(images[i], expected, rtol=1e-4, atol=1e-2)
    assert not np.allclose(images, IMAGES)


def test_mix_up_plain_images_repeat_with_a_seed_and_pass_through_at_inference():
    a = to_numpy(layers.MixUp(seed=4)(IMAGES, training=True))
    np.testing.assert_array_equal(a, to_numpy(layers.MixUp(seed=4)(IMAGES, training=True)))
    assert not np.allclose(a, IMAGES)
    out = layers.MixUp(seed=4)(IMAGES.astype("uint8"), training=False)
    assert ops.dtype(out) == "float32"
    np.testing.assert_array_equal(to_numpy(out), IMAGES.astype("uint8"))
    images, labels = _mixed(layers.MixUp(seed=4), training=False)
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


def test_mix_up_leaves_a_single_image_and_matches_keras_at_inference():
    one = to_numpy(layers.MixUp(seed=1)(IMAGES[0], training=True))
    np.testing.assert_allclose(one, IMAGES[0], atol=1e-4)
    k_out = keras().layers.MixUp(seed=1)(IMAGES, training=False)
    np.testing.assert_array_equal(keras().ops.convert_to_numpy(k_out), IMAGES)


# -- CutMix -------------------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cut_mix_pastes_one_rectangle_from_the_partner(data_format):
    images = IMAGES if data_format == "channels_last" else np.moveaxis(IMAGES, -1, 1)
    layer = layers.CutMix(seed=6, data_format=data_format)
    out, labels = _mixed(layer, images, training=True)
    if data_format == "channels_first":
        out = np.moveaxis(out, 1, -1)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-5)
    pasted_any = False
    for i in range(BATCH):
        weight, partner = _weight_and_partner(labels[i], i)
        pasted = ~np.all(out[i] == IMAGES[i], axis=-1)
        np.testing.assert_array_equal(out[i][pasted], IMAGES[partner][pasted])
        if pasted.any():
            pasted_any = True
            rows, cols = np.nonzero(pasted)
            assert pasted[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
            # the label weight is 1 minus the rectangle's continuous area: within a pixel
            # row and column of the pasted pixel count
            area = pasted.sum() / pasted.size
            assert abs((1 - weight) - area) <= (7 + 6 + 1) / pasted.size
    assert pasted_any


def test_cut_mix_passes_through_at_inference_and_for_one_image():
    images, labels = _mixed(layers.CutMix(seed=2), training=False)
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)
    np.testing.assert_array_equal(to_numpy(layers.CutMix(seed=2)(IMAGES[0])), IMAGES[0])


# -- shared -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [("MixUp", {"alpha": 0.4}), ("CutMix", {"factor": 0.5})])
def test_mixing_configs_round_trip_and_load_in_keras(name, kwargs):
    layer = getattr(layers, name)(seed=3, **kwargs)
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    np.testing.assert_array_equal(to_numpy(clone(IMAGES)),
                                  to_numpy(getattr(layers, name)(seed=3, **kwargs)(IMAGES)))
    assert set(config) == set(getattr(keras().layers, name).from_config(config).get_config())


@pytest.mark.parametrize("name", ["MixUp", "CutMix"])
def test_mixing_layers_reject_unknown_dict_keys_and_bad_arguments(name):
    with pytest.raises(ValueError, match=rf"{name}: a dict input must hold 'images'.*"
                                         r"\['bounding_boxes'\]"):
        getattr(layers, name)()({"images": IMAGES, "bounding_boxes": IMAGES})
    with pytest.raises(ValueError, match=rf"{name}: a dict input .*no 'images'"):
        getattr(layers, name)()({"labels": LABELS})
    with pytest.raises(ValueError, match=rf"{name}: 'labels' must hold one row per image"):
        getattr(layers, name)()({"images": IMAGES, "labels": np.arange(BATCH)})
    with pytest.raises(ValueError, match=rf"{name}: `(alpha|factor)` must be"):
        getattr(layers, name)(-1.0)


def test_mixing_layers_are_symbolic_and_train_in_fit():
    model = lamina.Sequential([lamina.Input((6, 7, 3)), layers.MixUp(seed=1),
                               layers.CutMix(seed=2), lamina.layers.Flatten(),
                               lamina.layers.Dense(2)])
    assert model.output_shape == (None, 2)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(IMAGES / 255, np.zeros((BATCH, 2), "float32"), batch_size=4, epochs=1,
              verbose=0)
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0),
                               model.predict(IMAGES, verbose=0))


# -- Pipeline -----------------------------------------------------------------------------------
def _pipeline(library):
    L = library.layers
    return L.Pipeline([L.RandomInvert(factor=(1.0, 1.0)), L.AutoContrast(),
                       L.Rescaling(1 / 255)], name="augment")


def test_pipeline_applies_its_layers_in_order():
    out = to_numpy(_pipeline(lamina)(IMAGES, training=True))
    inverted = 255 - IMAGES
    low = inverted.min(axis=(1, 2), keepdims=True)
    high = inverted.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (inverted - low) / (high - low), atol=1e-5)
    k_out = keras().ops.convert_to_numpy(_pipeline(keras())(IMAGES, training=True))
    np.testing.assert_allclose(out, k_out, atol=1e-5)


def test_pipeline_hands_training_down_and_passes_dicts():
    # at inference the invert step is skipped; AutoContrast still applies
    out = to_numpy(_pipeline(lamina)(IMAGES, training=False))
    low = IMAGES.min(axis=(1, 2), keepdims=True)
    high = IMAGES.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (IMAGES - low) / (high - low), atol=1e-5)
    mixing = lamina.layers.Pipeline([layers.MixUp(seed=1), layers.CutMix(seed=2)])
    result = mixing({"images": IMAGES, "labels": LABELS}, training=True)
    np.testing.assert_allclose(to_numpy(result["labels"]).sum(axis=1), 1.0, atol=1e-5)


def test_pipeline_config_round_trips_and_moves_to_keras():
    pipeline = _pipeline(lamina)
    config = json.loads(json.dumps(pipeline.get_config()))
    assert set(config) == {"layers", "name"}
    assert config == json.loads(json.dumps(_pipeline(keras()).get_config())) or \
        [c["class_name"] for c in config["layers"]] == \
        ["RandomInvert", "AutoContrast", "Rescaling"]
    clone = lamina.layers.Pipeline.from_config(config)
    assert [type(layer).__name__ for layer in clone.layers] == \
        ["RandomInvert", "AutoContrast", "Rescaling"]
    np.testing.assert_allclose(to_numpy(clone(IMAGES)), to_numpy(pipeline(IMAGES)))
    k_clone = keras().layers.Pipeline.from_config(config)
    np.testing.assert_allclose(keras().ops.convert_to_numpy(k_clone(IMAGES)),
                               to_numpy(pipeline(IMAGES)), atol=1e-5)


def test_pipeline_rejects_what_is_not_a_list_of_layers():
    with pytest.raises(ValueError, match=r"Pipeline: `layers` must be a list of layers"):
        lamina.layers.Pipeline(lamina.layers.RandomInvert())
    with pytest.raises(ValueError, match=r"must hold `layers`"):
        lamina.layers.Pipeline.from_config({"name": "p"})


@pytest.mark.parametrize("direction", ["lamina_to_lamina", "lamina_to_keras", "keras_to_lamina"])
def test_a_model_file_with_a_pipeline_and_mixing_layers_round_trips(tmp_path, direction):
    source_lib = keras() if direction.startswith("keras") else lamina
    target_lib = lamina if direction.endswith("lamina") else keras()
    L = source_lib.layers
    source = source_lib.Sequential([source_lib.Input((6, 7, 3)), _pipeline(source_lib),
                                    L.MixUp(seed=1), L.CutMix(seed=2), L.Flatten(),
                                    L.Dense(2)])
    path = str(tmp_path / "mixing.keras")
    source.save(path)
    target = target_lib.models.load_model(path)
    np.testing.assert_allclose(np.asarray(target.predict(IMAGES, verbose=0)),
                               np.asarray(source.predict(IMAGES, verbose=0)), rtol=1e-5,
                               atol=1e-5)
    assert [type(layer).__name__ for layer in target.layers][:3] == \
        ["Pipeline", "MixUp", "CutMix"]

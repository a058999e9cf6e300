"""Functional models list their layers in Keras's order (by depth), so weight files of
branched graphs written by Keras land in the right layers."""

import numpy as np
import pytest

import lamina


def _branched(lib):
    x = lib.Input((4,), name="x")
    short = lib.layers.Dense(3, name="short")(x)
    deep = lib.layers.Dense(3, name="b")(lib.layers.Dense(5, name="a")(x))
    merged = lib.layers.Add(name="add")([short, deep])
    side = lib.Input((2,), name="side")
    out = lib.layers.Concatenate(name="cat")([merged, lib.layers.Dense(2, name="s")(side)])
    return lib.Model([x, side], out)


def test_layer_order_matches_keras():
    keras = pytest.importorskip("keras")
    assert [layer.name for layer in _branched(lamina).layers] == \
        [layer.name for layer in _branched(keras).layers]


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_keras_files_of_branched_models_load_into_the_right_layers(tmp_path, suffix):
    keras = pytest.importorskip("keras")
    theirs = _branched(keras)
    path = str(tmp_path / f"branched{suffix}")
    if suffix == ".keras":
        theirs.save(path)
        ours = lamina.models.load_model(path)
    else:
        theirs.save_weights(path)
        ours = _branched(lamina)
        ours.load_weights(path)
    for name in ("a", "b", "short", "s"):
        for got, want in zip(ours.get_layer(name).get_weights(),
                             theirs.get_layer(name).get_weights()):
            np.testing.assert_array_equal(got, want)
    x = [np.random.default_rng(0).normal(size=(3, 4)).astype("float32"),
         np.ones((3, 2), "float32")]
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-6)

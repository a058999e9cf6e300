"""layers.ReversibleEmbedding: forward and reverse calls, tied and untied weights, soft cap
and reverse dtype, checked against Keras 3 with the same weights and against NumPy."""

import numpy as np
import pytest

import lamina


def _pair(keras, **kwargs):
    theirs = keras.layers.ReversibleEmbedding(12, 5, **kwargs)
    ours = lamina.layers.ReversibleEmbedding(12, 5, **kwargs)
    ids = np.array([[1, 2, 0, 7]])
    theirs(ids)
    ours(ids)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False},
                                    {"logit_soft_cap": 0.5}, {"reverse_dtype": "float16"}])
def test_forward_and_reverse_match_keras(kwargs):
    keras = pytest.importorskip("keras")
    theirs, ours = _pair(keras, **kwargs)
    # The same variables (the layer-name prefix depends on what each library built before).
    assert [w.path.split("/")[-1] for w in ours.weights] == \
        [w.path.split("/")[-1] for w in theirs.weights]
    ids = np.array([[3, 11, 0], [5, 5, 1]])
    hidden = np.random.default_rng(0).normal(size=(2, 3, 5)).astype("float32")
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(ours(ids)),
                               keras.ops.convert_to_numpy(theirs(ids)), rtol=1e-6)
    ours_logits = lamina.ops.convert_to_numpy(ours(hidden, reverse=True))
    theirs_logits = keras.ops.convert_to_numpy(theirs(hidden, reverse=True))
    assert ours_logits.shape == (2, 3, 12) and ours_logits.dtype == theirs_logits.dtype
    np.testing.assert_allclose(ours_logits.astype("float32"), theirs_logits.astype("float32"),
                               rtol=1e-3 if "reverse_dtype" in kwargs else 1e-5, atol=1e-6)
    assert sorted(ours.get_config()) == sorted(theirs.get_config())


def test_reverse_projection_against_numpy():
    layer = lamina.layers.ReversibleEmbedding(6, 3, logit_soft_cap=2.0)
    layer.build()
    table = layer.embeddings.numpy()
    hidden = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    expected = np.tanh(hidden @ table.T / 2.0) * 2.0
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(layer(hidden, reverse=True)),
                               expected, rtol=1e-5, atol=1e-6)


def test_masks_and_symbolic_shapes():
    layer = lamina.layers.ReversibleEmbedding(20, 8, mask_zero=True)
    tokens = lamina.Input((6,), dtype="int32")
    hidden = layer(tokens)
    assert hidden.shape == (None, 6, 8)
    logits = layer(hidden, reverse=True)
    assert logits.shape == (None, 6, 20)
    model = lamina.Model(tokens, logits)
    out = model.predict(np.array([[1, 2, 3, 0, 0, 0]]), verbose=0)
    assert out.shape == (1, 6, 20)
    eager = layer(np.array([[4, 0]]))
    assert layer.compute_mask(np.array([[4, 0]])) is not None
    assert eager.shape == (1, 2, 8)
    layer(np.ones((1, 2, 8), "float32"), reverse=True)
    assert layer.compute_mask(np.ones((1, 2, 8), "float32")) is None  # no mask on logits


def test_tied_weights_train_from_both_directions():
    embedding = lamina.layers.ReversibleEmbedding(10, 4, tie_weights=True, name="tied")
    tokens = lamina.Input((3,), dtype="int32")
    logits = embedding(embedding(tokens), reverse=True)
    model = lamina.Model(tokens, logits)
    assert len(model.trainable_weights) == 1
    model.compile(optimizer=lamina.optimizers.SGD(0.5),
                  loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.array([[1, 2, 3], [4, 5, 6]])
    before = embedding.embeddings.numpy().copy()
    model.fit(x, x, epochs=1, verbose=0)
    changed = np.abs(embedding.embeddings.numpy() - before).max(axis=1) > 0
    # Rows of the looked-up ids move, and so do the other rows (through the logits).
    assert changed[[1, 2, 3, 4, 5, 6]].all() and changed[[0, 7, 8, 9]].all()


def test_keras_file_loads(tmp_path):
    keras = pytest.importorskip("keras")
    tokens = keras.Input((4,), dtype="int32")
    layer = keras.layers.ReversibleEmbedding(9, 3, tie_weights=False, name="rev")
    theirs = keras.Model(tokens, layer(layer(tokens), reverse=True))
    path = str(tmp_path / "rev.keras")
    theirs.save(path)
    ours = lamina.models.load_model(path)
    x = np.array([[1, 8, 0, 3]])
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)

"""LoRA on Dense, EinsumDense and Embedding: NumPy references for the merged weights,
training only the factors, Keras's weight-file layout (merged kernel, no factors), and
Keras 3 itself as an oracle (same weights in, same outputs; its files load here)."""

import numpy as np
import pytest

import lamina
from lamina import layers

from .layer_checks import keras
from .layer_checks import random_array
from .layer_checks import to_numpy


def _dense_with_lora(rank=2, alpha=None, units=3, input_dim=5, seed=0):
    layer = layers.Dense(units, lora_rank=rank, lora_alpha=alpha)
    layer.build((None, input_dim))
    rng = np.random.default_rng(seed)
    layer.lora_kernel_b.assign(rng.normal(size=(rank, units)).astype("float32"))
    return layer


@pytest.mark.parametrize("alpha", [None, 8])
def test_dense_lora_computes_with_the_merged_kernel(alpha):
    layer = layers.Dense(3)
    layer.build((None, 5))
    layer.enable_lora(2, lora_alpha=alpha)
    layer.lora_kernel_b.assign(random_array(2, 3, seed=4))
    x = random_array(4, 5)
    kernel, bias, a, b = (to_numpy(w) for w in layer.weights)
    scale = (alpha or 2) / 2
    merged = kernel + scale * a @ b
    np.testing.assert_allclose(to_numpy(layer(x)), x @ merged + bias, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(layer.kernel), merged, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["kernel", "bias", "lora_kernel_a",
                                               "lora_kernel_b"]
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                         "lora_kernel_b"]
    assert layer.get_config()["lora_rank"] == 2
    assert layer.get_config()["lora_alpha"] == (alpha or 2)


def test_enable_lora_starts_with_unchanged_outputs_and_trains_only_the_factors():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input((5,)), layers.Dense(3)])
    x, y = random_array(32, 5), random_array(32, 3, seed=1)
    before = to_numpy(model(x))
    kernel = to_numpy(model.layers[0].kernel)
    model.layers[0].enable_lora(2)
    np.testing.assert_allclose(to_numpy(model(x)), before, rtol=1e-6)  # b starts at zero
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    layer = model.layers[0]
    np.testing.assert_array_equal(to_numpy(layer.weights[0]), kernel)  # frozen
    assert np.abs(to_numpy(layer.lora_kernel_b)).max() > 0  # trained


def test_lora_errors_name_the_problem():
    with pytest.raises(ValueError, match="before the layer is built"):
        layers.Dense(3).enable_lora(2)
    layer = _dense_with_lora()
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    constrained = layers.Dense(3, kernel_constraint="non_neg")
    constrained.build((None, 4))
    with pytest.raises(ValueError, match="kernel_constraint"):
        constrained.enable_lora(2)
    with pytest.raises(ValueError, match="lora_rank"):
        layers.Dense(3, lora_rank=0)
    with pytest.raises(ValueError, match="lora_alpha"):
        layers.Embedding(10, 3, lora_alpha=4)


def test_weights_file_holds_the_merged_kernel_and_loads_with_or_without_lora(tmp_path):
    x = random_array(4, 5)
    model = lamina.Sequential([lamina.Input((5,)), layers.Dense(3, lora_rank=2)])
    model.layers[0].lora_kernel_b.assign(random_array(2, 3, seed=3))
    expected = to_numpy(model(x))
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    plain = lamina.Sequential([lamina.Input((5,)), layers.Dense(3)])
    plain.load_weights(path)
    np.testing.assert_allclose(to_numpy(plain(x)), expected, rtol=1e-5, atol=1e-6)
    again = lamina.Sequential([lamina.Input((5,)), layers.Dense(3, lora_rank=2)])
    again.load_weights(path)
    np.testing.assert_allclose(to_numpy(again(x)), expected, rtol=1e-5, atol=1e-6)
    assert not np.any(to_numpy(again.layers[0].lora_kernel_a))  # reset: merged into kernel
    assert not np.any(to_numpy(again.layers[0].lora_kernel_b))


def test_lora_model_saves_and_loads_as_a_keras_file(tmp_path):
    x = random_array(4, 5)
    model = lamina.Sequential([lamina.Input((5,)), layers.EinsumDense(
        "ab,bc->ac", output_shape=3, bias_axes="c", lora_rank=2, lora_alpha=4)])
    model.layers[0].lora_kernel_b.assign(random_array(2, 3, seed=3))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    assert loaded.layers[0].lora_enabled and loaded.layers[0].lora_alpha == 4
    np.testing.assert_allclose(to_numpy(loaded(x)), to_numpy(model(x)), rtol=1e-5, atol=1e-6)


def test_einsum_dense_lora_matches_numpy():
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de",
                               lora_rank=3)
    x = random_array(2, 5, 6)
    layer.build(x.shape)
    layer.lora_kernel_b.assign(random_array(3, 4, seed=2))
    kernel, bias, a, b = (to_numpy(w) for w in layer.weights)
    assert a.shape == (6, 2, 3) and b.shape == (3, 4)
    merged = kernel + np.matmul(a, b)
    expected = np.einsum("abc,cde->abde", x, merged) + bias
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_constructor_lora_alpha_is_replaced_by_the_rank_on_build_as_in_keras():
    # Keras 3 builds Dense / Embedding with enable_lora(lora_rank): the scale is 1.
    dense = layers.Dense(3, lora_rank=2, lora_alpha=8)
    dense.build((None, 5))
    embedding = layers.Embedding(10, 3, lora_rank=2, lora_alpha=8)
    embedding.build()
    einsum = layers.EinsumDense("ab,bc->ac", output_shape=3, lora_rank=2, lora_alpha=8)
    einsum.build((None, 4))
    assert (dense.lora_alpha, embedding.lora_alpha, einsum.lora_alpha) == (2, 2, 8)


def test_embedding_lora_matches_numpy():
    layer = layers.Embedding(10, 4)
    layer.build()
    layer.enable_lora(2, lora_alpha=6)
    layer.lora_embeddings_b.assign(random_array(2, 4, seed=5))
    ids = np.array([[1, 2, 9], [0, 0, 3]])
    table, a, b = (to_numpy(w) for w in layer.weights)
    expected = (table + 3.0 * a @ b)[ids]
    np.testing.assert_allclose(to_numpy(layer(ids)), expected, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.trainable_weights] == ["lora_embeddings_a",
                                                         "lora_embeddings_b"]


def test_dense_lora_matches_keras_and_reads_its_weight_file(tmp_path):
    k = keras()
    x = random_array(4, 5)
    theirs = k.Sequential([k.Input((5,)), k.layers.Dense(3, lora_rank=2, lora_alpha=4)])
    ours = lamina.Sequential([lamina.Input((5,)), layers.Dense(3, lora_rank=2, lora_alpha=4)])
    weights = [w.numpy() for w in theirs.weights]
    weights[3] = random_array(2, 3, seed=7)  # lora_kernel_b
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = np.asarray(k.ops.convert_to_numpy(theirs(x)))
    np.testing.assert_allclose(to_numpy(ours(x)), expected, rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "keras.weights.h5")
    theirs.save_weights(path)
    plain = lamina.Sequential([lamina.Input((5,)), layers.Dense(3)])
    plain.load_weights(path)
    np.testing.assert_allclose(to_numpy(plain(x)), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["embedding", "einsum"])
def test_embedding_and_einsum_lora_match_keras(kind):
    k = keras()

    def make(module):
        if kind == "embedding":
            return module.layers.Embedding(10, 4, lora_rank=2, lora_alpha=6)
        return module.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4),
                                         bias_axes="d", lora_rank=2, lora_alpha=6)

    x = np.array([[1, 2, 9], [0, 0, 3]]) if kind == "embedding" else random_array(2, 3, 5)
    theirs, ours = make(k), make(lamina)
    theirs(x)
    ours(x)
    weights = [np.asarray(w.numpy()) for w in theirs.weights]
    weights[-1] = random_array(*weights[-1].shape, seed=9)  # the b factor
    theirs.set_weights(weights)
    ours.set_weights(weights)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    np.testing.assert_allclose(to_numpy(ours(x)),
                               np.asarray(k.ops.convert_to_numpy(theirs(x))), rtol=1e-5,
                               atol=1e-6)


def test_embeddings_property_is_the_merged_table_with_lora_as_in_keras():
    layer = layers.Embedding(10, 4)
    layer.build()
    assert isinstance(layer.embeddings, lamina.Variable)
    layer.enable_lora(2)
    layer.lora_embeddings_b.assign(random_array(2, 4, seed=1))
    table, a, b = (to_numpy(w) for w in layer.weights)
    np.testing.assert_allclose(to_numpy(layer.embeddings), table + a @ b, rtol=1e-5,
                               atol=1e-6)
    tied = layers.ReversibleEmbedding(10, 4)
    tied.build()
    tied.enable_lora(2)
    tied.lora_embeddings_b.assign(random_array(2, 4, seed=2))
    hidden = random_array(3, 4, seed=3)
    np.testing.assert_allclose(to_numpy(tied(hidden, reverse=True)),
                               hidden @ to_numpy(tied.embeddings).T, rtol=1e-5, atol=1e-5)

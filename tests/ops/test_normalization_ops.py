"""ops.layer_normalization, ops.rms_normalization and the fused attention path: NumPy
references and Keras 3's functions."""

import numpy as np
import pytest

from lamina import ops


def _layer_norm_reference(x, gamma, beta, axes, epsilon):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


@pytest.mark.parametrize("axis", [-1, (1, 2), 1])
def test_layer_normalization_matches_numpy(axis):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    axes = (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % 3 for a in axes)
    shape = [x.shape[a] for a in axes]
    gamma = rng.normal(size=shape).astype("float32")
    beta = rng.normal(size=shape).astype("float32")
    bshape = [x.shape[a] if a in axes else 1 for a in range(3)]
    expected = _layer_norm_reference(x, gamma.reshape(bshape), beta.reshape(bshape), axes,
                                     1e-3)
    got = ops.convert_to_numpy(ops.layer_normalization(x, gamma, beta, axis=axis,
                                                       epsilon=1e-3))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_layer_normalization_without_weights_and_default_epsilon():
    x = np.array([[1.0, 3.0]], "float32")
    got = ops.convert_to_numpy(ops.layer_normalization(x))
    np.testing.assert_allclose(got, [[-1.0, 1.0]], rtol=1e-5)


def test_rms_normalization_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6)).astype("float32")
    scale = rng.normal(size=(6,)).astype("float32")
    expected = x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-6) * scale
    got = ops.convert_to_numpy(ops.rms_normalization(x, scale=scale, epsilon=1e-6))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_normalization_ops_match_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 8)).astype("float32")
    gamma, beta = rng.normal(size=(8,)).astype("float32"), rng.normal(size=(8,)).astype(
        "float32")
    theirs = keras.ops.convert_to_numpy(keras.ops.layer_normalization(x, gamma, beta))
    ours = ops.convert_to_numpy(ops.layer_normalization(x, gamma, beta))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    theirs = keras.ops.convert_to_numpy(keras.ops.rms_normalization(x, gamma))
    ours = ops.convert_to_numpy(ops.rms_normalization(x, gamma))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("is_causal", [False, True])
def test_dot_product_attention_fused_path_matches_the_reference(is_causal):
    rng = np.random.default_rng(3)
    q = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    k = rng.normal(size=(2, 7, 4, 8)).astype("float32")
    v = rng.normal(size=(2, 7, 4, 8)).astype("float32")
    scale = 0.3
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if is_causal:
        keep = np.tril(np.ones((5, 7), bool))
        logits = np.where(keep, logits, -1e30)
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = np.einsum("bnts,bsnh->btnh", weights, v)
    got = ops.convert_to_numpy(ops.dot_product_attention(q, k, v, scale=scale,
                                                         is_causal=is_causal))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)

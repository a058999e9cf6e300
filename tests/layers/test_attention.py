"""Attention layers (Attention, AdditiveAttention, MultiHeadAttention, GroupQueryAttention),
EinsumDense and ``ops.dot_product_attention``: NumPy references, Keras 3 parity, masks,
gradients, configs, shapes and errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops

from .layer_checks import config_round_trip
from .layer_checks import keras
from .layer_checks import keras_output
from .layer_checks import lamina_grads
from .layer_checks import numeric_grad
from .layer_checks import random_array
from .layer_checks import reference_loss
from .layer_checks import to_numpy
from .layer_checks import weight_signature

# -- NumPy references (written from the formulas) ----------------------------------------------


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _masked_softmax(scores, mask):
    """Softmax with masked positions removed (probability 0)."""
    if mask is None:
        return _softmax(scores)
    return _softmax(np.where(mask, scores, -1e30)) * mask


def _causal(t, s):
    return np.tril(np.ones((t, s), bool))


def _sdpa(q, k, v, mask=None, scale=None, bias=None):
    """(B, T, N, H), (B, S, N, H), (B, S, N, Hv) -> (B, T, N, Hv), probs (B, N, T, S)."""
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    probs = _masked_softmax(logits, None if mask is None else np.broadcast_to(mask, logits.shape))
    return np.einsum("bnts,bsnh->btnh", probs, v), probs


def _mha_reference(weights, query, value, key=None, mask=None, repeats=1):
    """Projections, scaled dot-product attention per head, output projection.

    ``weights`` are ``[qk, qb, kk, kb, vk, vb, ok, ob]`` in Keras order; ``mask`` is
    ``(B, T, S)``; ``repeats`` > 1 shares each key/value head among that many query heads.
    """
    key = value if key is None else key
    qk, qb, kk, kb, vk, vb, ok, ob = weights
    q = np.einsum("btd,dnh->btnh", query, qk) + qb
    k = np.repeat(np.einsum("bsd,dnh->bsnh", key, kk) + kb, repeats, axis=2)
    v = np.repeat(np.einsum("bsd,dnh->bsnh", value, vk) + vb, repeats, axis=2)
    heads, probs = _sdpa(q, k, v, None if mask is None else mask[:, None])
    return np.einsum("btnh,nhe->bte", heads, ok) + ob, probs


def _attention_reference(query, value, key=None, mode="dot", scale=None, concat_weight=1.0,
                         query_mask=None, value_mask=None, causal=False):
    key = value if key is None else key
    if mode == "dot":
        scores = query @ np.swapaxes(key, -1, -2) * (1.0 if scale is None else scale)
    else:
        pairs = query[:, :, None, :] + key[:, None, :, :]
        if mode == "concat":
            scores = concat_weight * np.tanh(pairs * (1.0 if scale is None else scale)).sum(-1)
        else:  # additive
            scores = (np.tanh(pairs) * (1.0 if scale is None else scale)).sum(-1)
    mask = np.ones(scores.shape, bool)
    if value_mask is not None:
        mask &= value_mask[:, None, :]
    if causal:
        mask &= _causal(*scores.shape[-2:])[None]
    probs = _masked_softmax(scores, mask)
    out = probs @ value
    if query_mask is not None:
        out = out * query_mask[..., None]
    return out, probs


def _random_bias_kwargs():
    # Random biases so the reference checks where each bias is added.
    return {"bias_initializer": "random_normal"}


def _copy_to_keras(layer, k_layer):
    k_layer.set_weights(layer.get_weights())


Q = random_array(2, 4, 5, seed=1)
V = random_array(2, 3, 6, seed=2)
K_ = random_array(2, 3, 7, seed=3)
VALUE_MASK = np.array([[1, 1, 0], [1, 1, 1]], bool)
QUERY_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
# (B, T, S); no query row is fully masked, even together with VALUE_MASK.
ATTENTION_MASK = np.array([[[1, 0, 1], [1, 1, 0], [0, 1, 1], [1, 1, 1]],
                           [[1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]]], bool)
# Query row 2 of the first sample may attend nothing: Keras gives it all-zero probabilities.
FULLY_MASKED_ROW = ATTENTION_MASK.copy()
FULLY_MASKED_ROW[0, 2] = False


# -- EinsumDense -------------------------------------------------------------------------------
EINSUM_CASES = [
    ("ab,bc->ac", 4, "c", (2, 3)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 5, 6)),
    ("abc,bcd->ad", 4, None, (2, 3, 5)),
    ("ab,bcd->acd", (4, 5), "c", (2, 3)),
    ("...b,bc->...c", 4, "c", (2, 5, 3)),
    ("ab...,bc->ac...", 4, "c", (2, 3, 7)),
    ("abcd,cde->abe", (None, 7), "e", (2, 3, 4, 5)),
    ("abc,cde->abde", (None, 2, 3), "e", (2, 5, 6)),  # bias on part of the output axes
    ("abc,cde->abde", (None, 2, 3), None, (2, 5, 6)),
    ("...cd,cde->...e", 7, "e", (2, 3, 4, 5)),
]

# Dense over the input's trailing axes, the bias (if any) on all kernel output axes:
# computed as one matrix multiply with the bias fused in.
MATMUL_FORMS = {("ab,bc->ac", "c"), ("abc,cde->abde", "de"), ("abc,bcd->ad", None),
                ("...b,bc->...c", "c"), ("abcd,cde->abe", "e"), ("abc,cde->abde", None),
                ("...cd,cde->...e", "e")}


@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", EINSUM_CASES)
def test_einsum_dense_matches_np_einsum(equation, output_shape, bias_axes, input_shape):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes,
                               **_random_bias_kwargs())
    x = random_array(*input_shape)
    out = to_numpy(layer(x))
    weights = layer.get_weights()
    expected = np.einsum(equation, x, weights[0]) + (weights[1] if bias_axes else 0.0)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert out.shape == layer.compute_output_shape(input_shape)


@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", EINSUM_CASES)
def test_einsum_dense_matmul_form_matches_the_einsum_path(equation, output_shape, bias_axes,
                                                         input_shape):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes,
                               **_random_bias_kwargs())
    x = random_array(*input_shape)
    layer(x)
    assert (layer._as_matmul is not None) == ((equation, bias_axes) in MATMUL_FORMS)
    projection = random_array(*layer.compute_output_shape(input_shape))
    fast_out = to_numpy(layer(x))
    fast = lamina_grads(layer, [x], layer.trainable_weights, projection)
    layer._as_matmul = None  # the general einsum + bias path
    np.testing.assert_allclose(to_numpy(layer(x)), fast_out, rtol=1e-5, atol=1e-6)
    for a, b in zip(lamina_grads(layer, [x], layer.trainable_weights, projection), fast):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", EINSUM_CASES)
def test_einsum_dense_weight_names_and_shapes_match_keras(equation, output_shape, bias_axes,
                                                          input_shape):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    k_layer = keras().layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    layer.build(input_shape)
    k_layer.build(input_shape)
    assert weight_signature(layer) == weight_signature(k_layer)


@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", EINSUM_CASES[:3])
def test_einsum_dense_matches_keras_with_copied_weights(equation, output_shape, bias_axes,
                                                        input_shape):
    x = random_array(*input_shape)
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")
    k_layer = keras().layers.EinsumDense(equation, output_shape, bias_axes=bias_axes,
                                         activation="tanh", bias_initializer="random_normal")
    layer(x)
    k_layer(x)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), keras_output(k_layer, x), atol=1e-5)


def test_einsum_dense_symbolic_output_shape_fills_sizes_from_input():
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de")
    assert tuple(layer(lamina.Input((5, 6))).shape) == (None, 5, 2, 3)


def test_einsum_dense_kernel_initializer_uses_equation_fans():
    # Kernel (64, 4, 8): fan_in 64, fan_out 32 -> glorot limit sqrt(6 / 96) = 0.25. Conv-style
    # fans would give limit sqrt(6 / 768) ~ 0.088.
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8))
    layer(np.zeros((1, 2, 64), "float32"))
    kernel = layer.get_weights()[0]
    assert 0.2 < np.abs(kernel).max() <= 0.25


def test_einsum_dense_config_round_trip_and_keys_match_keras():
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d",
                               activation="relu", **_random_bias_kwargs())
    x = random_array(2, 3, 5)
    expected, restored = config_round_trip(layer, x)
    np.testing.assert_allclose(restored, expected, rtol=1e-6)
    k_layer = keras().layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d")
    assert set(layer.get_config()) == set(k_layer.get_config())


def test_einsum_dense_gradients_match_finite_differences():
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 2), bias_axes="de",
                               **_random_bias_kwargs())
    x = random_array(2, 2, 3, seed=4)
    layer(x)
    kernel, bias = layer.get_weights()
    projection = random_array(2, 2, 2, 2, seed=5)
    grads = lamina_grads(layer, [x], [layer.kernel], projection)

    def reference(x_, k_=kernel):
        return np.einsum("abc,cde->abde", x_, k_) + bias

    np.testing.assert_allclose(grads[0], numeric_grad(reference_loss(reference, projection), x),
                               rtol=1e-4, atol=1e-5)
    kernel_loss = reference_loss(lambda k_: reference(x, k_), projection)
    np.testing.assert_allclose(grads[1], numeric_grad(kernel_loss, kernel), rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize("equation", ["ab,bc", "ab,bc->a.c", "a...b,bc->ac", 5])
def test_einsum_dense_rejects_malformed_equation(equation):
    with pytest.raises(ValueError, match="invalid `equation`.*'ab,bc->ac'"):
        layers.EinsumDense(equation, output_shape=4)


def test_einsum_dense_rejects_bias_axis_not_in_output():
    layer = layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="b")
    with pytest.raises(ValueError, match="bias axis 'b'.*not an output subscript"):
        layer(np.ones((2, 3), "float32"))


def test_einsum_dense_rejects_output_shape_of_wrong_length():
    layer = layers.EinsumDense("abc,cd->abd", output_shape=4)
    with pytest.raises(ValueError, match="`output_shape` .* must give 2 sizes"):
        layer(np.ones((2, 3, 5), "float32"))


def test_einsum_dense_rejects_input_of_wrong_rank():
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4))
    with pytest.raises(ValueError, match="names 3 input axes.*rank 2"):
        layer(np.ones((2, 5), "float32"))


def test_einsum_dense_rejects_quantization_config():
    # LoRA is supported (tests/layers/test_lora.py); quantization is not yet.
    with pytest.raises(ValueError, match="`quantization_config`.*not supported"):
        layers.EinsumDense("ab,bc->ac", output_shape=4, quantization_config={"mode": "int8"})


# -- ops.dot_product_attention -----------------------------------------------------------------
def _dpa_inputs(kv_heads=2):
    q = random_array(2, 3, 4, 5, seed=6)
    k = random_array(2, 6, kv_heads, 5, seed=7)
    v = random_array(2, 6, kv_heads, 3, seed=8)
    return q, k, v


@pytest.mark.parametrize("case", ["plain", "mask", "causal", "bias_scale", "grouped"])
def test_dot_product_attention_matches_numpy_reference(case):
    q, k, v = _dpa_inputs(kv_heads=2 if case == "grouped" else 4)
    mask = (random_array(2, 1, 3, 6, seed=9) > -0.5) if case == "mask" else None
    bias = random_array(1, 4, 3, 6, seed=10) if case == "bias_scale" else None
    scale = 0.3 if case == "bias_scale" else None
    out = to_numpy(ops.dot_product_attention(q, k, v, bias=bias, mask=mask, scale=scale,
                                             is_causal=case == "causal"))
    ref_mask = _causal(3, 6) if case == "causal" else mask
    repeats = 4 // k.shape[2]
    expected, _ = _sdpa(q, np.repeat(k, repeats, 2), np.repeat(v, repeats, 2), ref_mask,
                        scale=scale, bias=bias)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_dot_product_attention_matches_keras_ops():
    q, k, v = _dpa_inputs(kv_heads=4)
    mask = random_array(2, 4, 3, 6, seed=11) > -0.5
    k_ops = keras().ops
    expected = k_ops.convert_to_numpy(k_ops.dot_product_attention(q, k, v, mask=mask,
                                                                  is_causal=True))
    out = to_numpy(ops.dot_product_attention(q, k, v, mask=mask, is_causal=True))
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_dot_product_attention_rejects_heads_that_do_not_divide():
    q = np.ones((1, 2, 3, 4), "float32")
    kv = np.ones((1, 2, 2, 4), "float32")
    with pytest.raises(ValueError, match="must divide the query's 3 heads"):
        ops.dot_product_attention(q, kv, kv)


# -- Attention / AdditiveAttention -------------------------------------------------------------
ATTENTION_CASES = [
    ("Attention", {}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}),
    ("AdditiveAttention", {}),
]


def _attention_layer(cls, kwargs, query=Q, value=V[..., :5]):
    layer = getattr(layers, cls)(**kwargs)
    layer([query, value])
    return layer


@pytest.mark.parametrize("use_key", [False, True])
def test_attention_dot_matches_numpy_reference(use_key):
    # With a key, the value may have its own size (6); without, it is also the key (5).
    value, key = (V, K_[..., :5]) if use_key else (V[..., :5], None)
    inputs = [Q, value, key] if use_key else [Q, value]
    layer = layers.Attention(use_scale=True)
    layer(inputs)
    layer.set_weights([np.float32(0.7)])
    expected, _ = _attention_reference(Q, value, key, scale=0.7)
    np.testing.assert_allclose(to_numpy(layer(inputs)), expected, rtol=1e-5, atol=1e-6)


def test_attention_concat_matches_numpy_reference():
    value = V[..., :5]
    layer = layers.Attention(use_scale=True, score_mode="concat")
    layer([Q, value])
    layer.set_weights([np.float32(0.6), np.float32(1.3)])
    expected, _ = _attention_reference(Q, value, mode="concat", scale=0.6, concat_weight=1.3)
    np.testing.assert_allclose(to_numpy(layer([Q, value])), expected, rtol=1e-5, atol=1e-6)


def test_additive_attention_matches_numpy_reference():
    value = V[..., :5]
    layer = _attention_layer("AdditiveAttention", {}, value=value)
    (scale,) = layer.get_weights()
    expected, _ = _attention_reference(Q, value, mode="additive", scale=scale)
    np.testing.assert_allclose(to_numpy(layer([Q, value])), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls, kwargs", ATTENTION_CASES)
def test_attention_masks_drop_padded_values_and_zero_masked_queries(cls, kwargs):
    value = V[..., :5]
    layer = _attention_layer(cls, kwargs, value=value)
    out, probs = layer([Q, value], mask=[QUERY_MASK, VALUE_MASK], return_attention_scores=True)
    out, probs = to_numpy(out), to_numpy(probs)
    np.testing.assert_allclose(probs[0, :, 2], 0.0, atol=1e-7)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(out[0, 3], 0.0)
    unmasked_value = value.copy()
    unmasked_value[0, 2] = 100.0  # a masked value position must not change anything
    out2 = to_numpy(layer([Q, unmasked_value], mask=[QUERY_MASK, VALUE_MASK]))
    np.testing.assert_allclose(out2, out, rtol=1e-5, atol=1e-6)


def test_attention_causal_mask_matches_reference():
    value = random_array(2, 4, 5, seed=13)
    layer = layers.Attention()
    out, probs = layer([Q, value], use_causal_mask=True, mask=[None, np.ones((2, 4), bool)],
                       return_attention_scores=True)
    expected, expected_probs = _attention_reference(Q, value, causal=True)
    np.testing.assert_allclose(to_numpy(out), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(probs), expected_probs, rtol=1e-5, atol=1e-7)
    assert np.all(np.triu(to_numpy(probs)[0], k=1) < 1e-7)


@pytest.mark.parametrize("cls, kwargs", ATTENTION_CASES)
def test_attention_layers_match_keras_with_copied_weights(cls, kwargs):
    value = V[..., :5]
    layer = _attention_layer(cls, kwargs, value=value)
    k_layer = getattr(keras().layers, cls)(**kwargs)
    k_layer([Q, value])
    if cls == "Attention" and kwargs:
        k_layer.set_weights([np.float32(0.8), np.float32(1.2)])
    layer.set_weights(k_layer.get_weights())
    for call in ({}, {"mask": [QUERY_MASK, VALUE_MASK]}, {"use_causal_mask": True}):
        out, probs = layer([Q, value], return_attention_scores=True, **call)
        k_out, k_probs = k_layer([Q, value], return_attention_scores=True, **call)
        to_np = keras().ops.convert_to_numpy
        np.testing.assert_allclose(to_numpy(out), to_np(k_out), atol=1e-5)
        np.testing.assert_allclose(to_numpy(probs), to_np(k_probs), atol=1e-5)


@pytest.mark.parametrize("cls, kwargs", ATTENTION_CASES + [("Attention", {"use_scale": True})])
def test_attention_weight_names_and_shapes_match_keras(cls, kwargs):
    layer = _attention_layer(cls, kwargs)
    k_layer = getattr(keras().layers, cls)(**kwargs)
    k_layer([Q, V[..., :5]])
    assert weight_signature(layer) == weight_signature(k_layer)


def test_attention_dropout_is_active_only_in_training():
    value = V[..., :5]
    layer = layers.Attention(dropout=0.5, seed=3)
    plain = to_numpy(layers.Attention()([Q, value]))
    np.testing.assert_allclose(to_numpy(layer([Q, value])), plain, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(layer([Q, value], training=False)), plain, rtol=1e-6)
    _, probs = layer([Q, value], training=True, return_attention_scores=True)
    probs = to_numpy(probs)
    assert np.any(probs == 0.0)
    kept = probs[probs > 0]
    _, plain_probs = _attention_reference(Q, value)
    np.testing.assert_allclose(kept, 2.0 * plain_probs[probs > 0], rtol=1e-5)


@pytest.mark.parametrize("cls, kwargs", ATTENTION_CASES)
def test_attention_config_round_trip_and_keys_match_keras(cls, kwargs):
    layer = _attention_layer(cls, kwargs)
    expected, restored = config_round_trip(layer, [Q, V[..., :5]])
    np.testing.assert_allclose(restored, expected, rtol=1e-6)
    assert set(layer.get_config()) == set(getattr(keras().layers, cls)(**kwargs).get_config())


def test_attention_symbolic_output_shapes():
    query, value = lamina.Input((4, 5)), lamina.Input((6, 3))
    key = lamina.Input((6, 5))
    out, scores = layers.Attention()([query, value, key], return_attention_scores=True)
    assert tuple(out.shape) == (None, 4, 3)
    assert tuple(scores.shape) == (None, 4, 6)


def test_attention_compute_mask_is_the_query_mask():
    layer = layers.Attention()
    assert layer.compute_mask([Q, V], mask=None) is None
    mask = layer.compute_mask([Q, V], mask=[QUERY_MASK, VALUE_MASK])
    np.testing.assert_array_equal(to_numpy(mask), QUERY_MASK)


@pytest.mark.parametrize("cls, kwargs", ATTENTION_CASES[1:])
def test_attention_gradients_match_finite_differences(cls, kwargs):
    # The shapes of the other tests, so JAX reuses their compiled kernels.
    q, v = Q, V[..., :5]
    layer = _attention_layer(cls, kwargs, query=q, value=v)
    projection = random_array(2, 4, 5, seed=16)
    grads = lamina_grads(lambda a, b: layer([a, b], mask=[None, VALUE_MASK]), [q, v],
                         [layer.scale], projection)
    scale = layer.get_weights()[0]
    mode = "concat" if cls == "Attention" else "additive"

    def reference(q_, v_, s_=scale):
        return _attention_reference(q_, v_, mode=mode, scale=s_, value_mask=VALUE_MASK)[0]

    loss = reference_loss(reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(lambda a: loss(a, v), q), atol=1e-5)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda b: loss(q, b), v), atol=1e-5)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda s: loss(q, v, s), scale),
                               atol=1e-5)


def test_attention_rejects_query_key_dim_mismatch():
    with pytest.raises(ValueError, match="same last dimension.*query shape \\(2, 4, 5\\)"):
        layers.Attention()([Q, V])


@pytest.mark.parametrize("inputs", [Q, [Q], [Q, V, V, V]])
def test_attention_rejects_inputs_that_are_not_a_list_of_two_or_three(inputs):
    with pytest.raises(ValueError, match="list of inputs \\[query, value\\]"):
        layers.Attention()(inputs)


def test_attention_rejects_unknown_score_mode_listing_valid_modes():
    with pytest.raises(ValueError, match="'dot', 'concat'"):
        layers.Attention(score_mode="general")


# -- MultiHeadAttention ------------------------------------------------------------------------
def _mha(query=Q, value=V, key=None, **kwargs):
    layer = layers.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **kwargs},
                                      **_random_bias_kwargs())
    layer(query, value, key)
    return layer


@pytest.mark.parametrize("cross", [False, True])
def test_mha_matches_numpy_reference(cross):
    value, key = (V, K_) if cross else (Q, None)
    layer = _mha(Q, value, key, value_dim=4 if cross else None)
    expected, _ = _mha_reference(layer.get_weights(), Q, value, key)
    np.testing.assert_allclose(to_numpy(layer(Q, value, key)), expected, rtol=1e-5,
                               atol=1e-6)


MASK_CASES = {
    "value_mask": ({"value_mask": VALUE_MASK}, VALUE_MASK[:, None, :]),
    "causal": ({"use_causal_mask": True}, _causal(4, 3)[None]),
    "attention_and_value": ({"attention_mask": ATTENTION_MASK, "value_mask": VALUE_MASK},
                            ATTENTION_MASK & VALUE_MASK[:, None, :]),
}


@pytest.mark.parametrize("case", list(MASK_CASES))
def test_mha_masks_match_numpy_reference(case):
    call_kwargs, mask = MASK_CASES[case]
    layer = _mha()
    mask = np.broadcast_to(mask, (2, 4, 3))
    expected, expected_probs = _mha_reference(layer.get_weights(), Q, V, mask=mask)
    np.testing.assert_allclose(to_numpy(layer(Q, V, **call_kwargs)), expected, rtol=1e-5,
                               atol=1e-6)
    _, probs = layer(Q, V, return_attention_scores=True, **call_kwargs)
    np.testing.assert_allclose(to_numpy(probs), expected_probs, rtol=1e-5, atol=1e-7)


def test_mha_query_mask_blocks_masked_query_rows():
    layer = _mha()
    _, probs = layer(Q, V, query_mask=QUERY_MASK, return_attention_scores=True)
    probs = to_numpy(probs)
    np.testing.assert_array_equal(probs[0, :, 3], 0.0)
    np.testing.assert_allclose(probs[1].sum(-1), 1.0, rtol=1e-5)


def test_mha_return_attention_scores_gives_per_head_probabilities():
    layer = _mha()
    out, probs = layer(Q, V, return_attention_scores=True)
    expected, expected_probs = _mha_reference(layer.get_weights(), Q, V)
    assert to_numpy(probs).shape == (2, 2, 4, 3)
    np.testing.assert_allclose(to_numpy(probs), expected_probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(to_numpy(out), expected, rtol=1e-5, atol=1e-6)


def test_mha_attention_axes_on_rank4_input_matches_reference():
    x = random_array(2, 2, 3, 4, seed=18)
    layer = _mha(x, x, attention_axes=(2,), output_shape=5)
    out, probs = layer(x, x, return_attention_scores=True)
    qk, qb, kk, kb, vk, vb, ok, ob = layer.get_weights()
    q = np.einsum("bxyd,dnh->bxynh", x, qk) + qb
    k = np.einsum("bxyd,dnh->bxynh", x, kk) + kb
    v = np.einsum("bxyd,dnh->bxynh", x, vk) + vb
    expected_probs = _softmax(np.einsum("bxynh,bxznh->bxnyz", q, k) / np.sqrt(3.0))
    heads = np.einsum("bxnyz,bxznh->bxynh", expected_probs, v)
    expected = np.einsum("bxynh,nhe->bxye", heads, ok) + ob
    assert to_numpy(probs).shape == (2, 2, 2, 3, 3)
    np.testing.assert_allclose(to_numpy(probs), expected_probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(to_numpy(out), expected, rtol=1e-5, atol=1e-6)


MHA_CONFIGS = [
    {},
    {"value_dim": 4, "output_shape": (3, 2)},
    {"use_bias": False},
    {"use_gate": True, "sliding_window": 2},
]


@pytest.mark.parametrize("kwargs", [c for c in MHA_CONFIGS if "use_bias" not in c])
def test_mha_matches_keras_with_copied_weights(kwargs):
    kwargs = {"num_heads": 2, "key_dim": 3, **kwargs}
    layer = layers.MultiHeadAttention(**kwargs)
    k_layer = keras().layers.MultiHeadAttention(**kwargs, bias_initializer="random_normal")
    layer(Q, V, K_)
    k_layer(Q, V, K_)
    layer.set_weights(k_layer.get_weights())
    to_np = keras().ops.convert_to_numpy
    for call in ({}, {"value_mask": VALUE_MASK}, {"use_causal_mask": True},
                 {"attention_mask": FULLY_MASKED_ROW}):
        np.testing.assert_allclose(to_numpy(layer(Q, V, K_, **call)),
                                   to_np(k_layer(Q, V, K_, **call)), atol=1e-5)
        out, probs = layer(Q, V, K_, return_attention_scores=True, **call)
        k_out, k_probs = k_layer(Q, V, K_, return_attention_scores=True, **call)
        np.testing.assert_allclose(to_numpy(out), to_np(k_out), atol=1e-5)
        np.testing.assert_allclose(to_numpy(probs), to_np(k_probs), atol=1e-5)


def test_mha_attention_axes_match_keras_with_copied_weights():
    x = random_array(2, 2, 3, 4, seed=19)
    layer = layers.MultiHeadAttention(2, 3, attention_axes=(2,))
    k_layer = keras().layers.MultiHeadAttention(2, 3, attention_axes=(2,))
    layer(x, x)
    k_layer(x, x)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x, x)), keras_output(k_layer, x, value=x),
                               atol=1e-5)


def test_mha_takes_masks_carried_by_inputs_like_keras():
    def build(lib):
        ids = lib.Input((4,), dtype="int32")
        embedded = lib.layers.Embedding(10, 6, mask_zero=True)(ids)
        return lib.Model(ids, lib.layers.MultiHeadAttention(2, 3)(embedded, embedded))

    model, k_model = build(lamina), build(keras())
    model.set_weights(k_model.get_weights())
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 6]], "int32")
    expected = keras().ops.convert_to_numpy(k_model(ids))
    np.testing.assert_allclose(to_numpy(model(ids)), expected, atol=1e-6)


@pytest.mark.parametrize("kwargs", MHA_CONFIGS)
def test_mha_weight_names_shapes_and_order_match_keras(kwargs):
    kwargs = {"num_heads": 2, "key_dim": 3, **kwargs}
    layer, k_layer = layers.MultiHeadAttention(**kwargs), keras().layers.MultiHeadAttention(
        **kwargs)
    layer(Q, V, K_)
    k_layer(Q, V, K_)
    assert weight_signature(layer) == weight_signature(k_layer)
    assert [sub.name for sub in layer._layers if sub.weights] == \
        [sub.name for sub in k_layer._layers if sub.weights]
    assert tuple(layer.query_dense.kernel.shape) == (5, 2, 3)
    assert tuple(layer.output_dense.kernel.shape)[:2] == (2, layer.value_dim)


def test_mha_dropout_is_active_only_in_training():
    layer = _mha(dropout=0.5, seed=1)
    expected, _ = _mha_reference(layer.get_weights(), Q, V)
    np.testing.assert_allclose(to_numpy(layer(Q, V)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(layer(Q, V, training=False)), expected, rtol=1e-5,
                               atol=1e-6)
    assert np.abs(to_numpy(layer(Q, V, training=True)) - expected).max() > 1e-3


def test_mha_gradients_match_finite_differences():
    # The shapes of the other tests, so JAX reuses their compiled kernels.
    query, value = Q, V
    layer = _mha()
    weights = layer.get_weights()
    projection = random_array(2, 4, 5, seed=22)
    grads = lamina_grads(lambda q, v: layer(q, v, use_causal_mask=True), [query, value],
                         [layer.query_dense.kernel], projection)
    mask = _causal(4, 3)[None]

    def reference(q, v, qk=weights[0]):
        return _mha_reference([qk] + weights[1:], q, v, mask=mask)[0]

    loss = reference_loss(reference, projection)
    np.testing.assert_allclose(grads[0], numeric_grad(lambda q: loss(q, value), query),
                               atol=1e-5)
    np.testing.assert_allclose(grads[1], numeric_grad(lambda v: loss(query, v), value),
                               atol=1e-5)
    np.testing.assert_allclose(grads[2], numeric_grad(lambda k: loss(query, value, k),
                                                      weights[0]), atol=1e-5)


def test_mha_config_round_trip_and_keys_match_keras():
    layer = _mha(value_dim=4, output_shape=6, dropout=0.1)
    expected, restored = config_round_trip(layer, Q, value=V)
    np.testing.assert_allclose(restored, expected, rtol=1e-6)
    config = json.loads(json.dumps(layer.get_config()))
    k_layer = keras().layers.MultiHeadAttention(2, 3, value_dim=4, output_shape=6, dropout=0.1)
    k_layer(Q, V)
    assert set(config) == set(k_layer.get_config())
    assert config["attention_axes"] == list(k_layer.get_config()["attention_axes"])


def test_mha_symbolic_output_shapes():
    query, value = lamina.Input((4, 5)), lamina.Input((6, 7))
    layer = layers.MultiHeadAttention(2, 3, output_shape=(8,))
    out, scores = layer(query, value, return_attention_scores=True)
    assert tuple(out.shape) == (None, 4, 8)
    assert tuple(scores.shape) == (None, 2, 4, 6)


@pytest.mark.parametrize("kwargs, message", [
    ({"num_heads": 0, "key_dim": 3}, "`num_heads` must be a positive integer"),
    ({"num_heads": 2, "key_dim": 2.5}, "`key_dim` must be a positive integer"),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": "1"}, "`attention_axes` must be"),
])
def test_mha_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.MultiHeadAttention(**kwargs)


def test_mha_rejects_value_and_key_of_different_lengths():
    with pytest.raises(ValueError, match="`value` and `key`, except the last one"):
        layers.MultiHeadAttention(2, 3)(Q, V, random_array(2, 5, 7))


# -- GroupQueryAttention -----------------------------------------------------------------------
def _gqa(**kwargs):
    layer = layers.GroupQueryAttention(**{"head_dim": 3, "num_query_heads": 4,
                                          "num_key_value_heads": 2, **kwargs},
                                       **_random_bias_kwargs())
    layer(Q, V)
    return layer


@pytest.mark.parametrize("call_kwargs", [{}, {"use_causal_mask": True}])
def test_gqa_matches_numpy_reference(call_kwargs):
    layer = _gqa()
    mask = np.broadcast_to(_causal(4, 3), (2, 4, 3)) if call_kwargs else None
    expected, expected_probs = _mha_reference(layer.get_weights(), Q, V, mask=mask, repeats=2)
    np.testing.assert_allclose(to_numpy(layer(Q, V, **call_kwargs)), expected, rtol=1e-5,
                               atol=1e-6)
    _, probs = layer(Q, V, return_attention_scores=True, **call_kwargs)
    np.testing.assert_allclose(to_numpy(probs), expected_probs, rtol=1e-5, atol=1e-7)


def test_gqa_matches_keras_with_copied_weights():
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}
    layer = layers.GroupQueryAttention(**kwargs)
    k_layer = keras().layers.GroupQueryAttention(**kwargs, bias_initializer="random_normal")
    layer(Q, V, K_)
    k_layer(Q, V, K_)
    layer.set_weights(k_layer.get_weights())
    to_np = keras().ops.convert_to_numpy
    for call in ({}, {"value_mask": VALUE_MASK}, {"use_causal_mask": True}):
        np.testing.assert_allclose(to_numpy(layer(Q, V, K_, **call)),
                                   to_np(k_layer(Q, V, K_, **call)), atol=1e-5)
        _, probs = layer(Q, V, K_, return_attention_scores=True, **call)
        _, k_probs = k_layer(Q, V, K_, return_attention_scores=True, **call)
        np.testing.assert_allclose(to_numpy(probs), to_np(k_probs), atol=1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"use_bias": False, "use_gate": True}])
def test_gqa_weight_names_shapes_and_order_match_keras(kwargs):
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, **kwargs}
    layer = layers.GroupQueryAttention(**kwargs)
    k_layer = keras().layers.GroupQueryAttention(**kwargs)
    layer(Q, V)
    k_layer(Q, V)
    assert weight_signature(layer) == weight_signature(k_layer)


def test_gqa_rejects_query_heads_not_divisible_by_key_value_heads():
    with pytest.raises(ValueError, match="divisible by `num_key_value_heads`.*\\[1, 2, 3, 6\\]"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=6, num_key_value_heads=4)


def test_gqa_config_round_trip_and_keys_match_keras():
    layer = _gqa(dropout=0.1, sliding_window=2)
    expected, restored = config_round_trip(layer, Q, value=V)
    np.testing.assert_allclose(restored, expected, rtol=1e-6)
    k_layer = keras().layers.GroupQueryAttention(3, 4, 2, dropout=0.1, sliding_window=2)
    assert set(layer.get_config()) == set(k_layer.get_config())


def test_gqa_symbolic_output_shapes():
    query, value = lamina.Input((4, 5)), lamina.Input((6, 7))
    out, scores = layers.GroupQueryAttention(3, 4, 2)(query, value,
                                                       return_attention_scores=True)
    assert tuple(out.shape) == (None, 4, 5)
    assert tuple(scores.shape) == (None, 4, 4, 6)


def test_gqa_is_exported_under_both_keras_names():
    assert layers.GroupQueryAttention is layers.GroupedQueryAttention
    assert layers.GroupQueryAttention.__name__ == \
        keras().layers.GroupQueryAttention.__name__


# -- files -------------------------------------------------------------------------------------
def test_attention_layers_load_from_a_keras_saved_model(tmp_path):
    def build(lib):
        query, value = lib.Input((4, 5)), lib.Input((3, 6))
        heads = lib.layers.MultiHeadAttention(2, 3)(query, value)
        projected = lib.layers.EinsumDense("abc,cd->abd", (None, 6), bias_axes="d")(heads)
        attended = lib.layers.AdditiveAttention()([projected, value])
        grouped = lib.layers.GroupQueryAttention(2, 4, 2)(query, query)
        return lib.Model([query, value], [attended, grouped])

    k_model = build(keras())
    k_model.save(tmp_path / "model.keras")
    model = lamina.saving.load_model(tmp_path / "model.keras")
    to_np = keras().ops.convert_to_numpy
    for out, k_out in zip(model([Q, V]), k_model([Q, V])):
        np.testing.assert_allclose(to_numpy(out), to_np(k_out), atol=1e-5)

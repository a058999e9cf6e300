"""Workload ``transformer``: a 2-block encoder, d_model 128, 4 heads, sequence 64, batch 32.

Tokens (vocabulary 1,000) -> Embedding 128 -> 2 x [MultiHeadAttention(4 heads, key_dim 32),
residual, LayerNormalization, Dense 256 relu -> Dense 128, residual, LayerNormalization] ->
GlobalAveragePooling1D -> Dense 10 softmax. Post-norm, no dropout, no positional embedding
(kept out so that one Keras-style definition runs unchanged on lamina and Keras 3). Adam,
sparse categorical cross-entropy; labels from a random teacher over the tokens.
Native PyTorch uses ``F.scaled_dot_product_attention``, native JAX
``jax.nn.dot_product_attention``.

Example:
    >>> # python bench/transformer.py --impl native --backend torch --epochs 3
"""

import common
import numpy as np

VOCAB, SEQ, D, HEADS, KEY_DIM, FFN, BLOCKS = 1000, 64, 128, 4, 32, 256, 2
LN_EPSILON = 1e-3  # Keras's LayerNormalization default


class Transformer:
    """The transformer workload described for every implementation."""

    name = "transformer"
    kind = "train"
    batch_size = 32
    default_samples = 10_000
    loss = "sparse_categorical_crossentropy"

    def make_data(self, n, rng):
        """Random token sequences; the label is the argmax of a per-token teacher's sum."""
        x = rng.integers(0, VOCAB, size=(n, SEQ)).astype("int32")
        teacher = rng.standard_normal((VOCAB, 10)).astype("float32")
        y = np.argmax(teacher[x].sum(axis=1), axis=1).astype("int32")
        return x, y

    def init_weights(self, rng):
        """Keras-ordered weights per layer name."""
        weights = {"embedding": [rng.uniform(-0.05, 0.05, (VOCAB, D)).astype("float32")]}
        for b in range(BLOCKS):
            mha = []
            for _ in range(3):  # query, key, value
                mha += [common.glorot_uniform(rng, (D, HEADS, KEY_DIM), D, D),
                        np.zeros((HEADS, KEY_DIM), "float32")]
            mha += [common.glorot_uniform(rng, (HEADS, KEY_DIM, D), D, D),
                    np.zeros((D,), "float32")]
            weights[f"b{b}_mha"] = mha
            weights[f"b{b}_ln1"] = [np.ones(D, "float32"), np.zeros(D, "float32")]
            weights[f"b{b}_ffn1"] = common.dense_weights(rng, D, FFN)
            weights[f"b{b}_ffn2"] = common.dense_weights(rng, FFN, D)
            weights[f"b{b}_ln2"] = [np.ones(D, "float32"), np.zeros(D, "float32")]
        weights["head"] = common.dense_weights(rng, D, 10)
        return weights

    def build_keras(self, k, weights):
        """The Functional model of lamina or Keras 3 (``k``), weights set."""
        layers = k.layers
        inputs = k.Input(shape=(SEQ,), dtype="int32")
        h = layers.Embedding(VOCAB, D, name="embedding")(inputs)
        for b in range(BLOCKS):
            a = layers.MultiHeadAttention(num_heads=HEADS, key_dim=KEY_DIM,
                                          name=f"b{b}_mha")(h, h)
            h = layers.LayerNormalization(name=f"b{b}_ln1")(layers.Add()([h, a]))
            f = layers.Dense(FFN, activation="relu", name=f"b{b}_ffn1")(h)
            f = layers.Dense(D, name=f"b{b}_ffn2")(f)
            h = layers.LayerNormalization(name=f"b{b}_ln2")(layers.Add()([h, f]))
        h = layers.GlobalAveragePooling1D()(h)
        outputs = layers.Dense(10, activation="softmax", name="head")(h)
        model = k.Model(inputs, outputs)
        for name, arrays in weights.items():
            model.get_layer(name).set_weights(arrays)
        return model

    def build_torch(self, torch, weights):
        """An nn.Module encoder with fused scaled-dot-product attention, producing logits."""
        nn = torch.nn
        functional = torch.nn.functional

        def linear(n_in, n_out, arrays):
            module = nn.Linear(n_in, n_out)
            common.torch_set_linear(torch, module, arrays)
            return module

        def layer_norm(arrays):
            module = nn.LayerNorm(D, eps=LN_EPSILON)
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(arrays[0]))
                module.bias.copy_(torch.from_numpy(arrays[1]))
            return module

        class Block(nn.Module):
            def __init__(self, b):
                super().__init__()
                m = weights[f"b{b}_mha"]
                # Keras's (D, heads, key_dim) kernels are (D, D) matrices, heads major.
                self.q, self.k, self.v = (
                    linear(D, D, [m[2 * j].reshape(D, D), m[2 * j + 1].reshape(D)])
                    for j in range(3))
                self.o = linear(D, D, [m[6].reshape(D, D), m[7]])
                self.ln1 = layer_norm(weights[f"b{b}_ln1"])
                self.ffn1 = linear(D, FFN, weights[f"b{b}_ffn1"])
                self.ffn2 = linear(FFN, D, weights[f"b{b}_ffn2"])
                self.ln2 = layer_norm(weights[f"b{b}_ln2"])

            def forward(self, h):
                batch, steps, _ = h.shape

                def heads(t):
                    return t.view(batch, steps, HEADS, KEY_DIM).transpose(1, 2)

                a = functional.scaled_dot_product_attention(heads(self.q(h)), heads(self.k(h)),
                                                            heads(self.v(h)))
                a = self.o(a.transpose(1, 2).reshape(batch, steps, D))
                h = self.ln1(h + a)
                return self.ln2(h + self.ffn2(functional.relu(self.ffn1(h))))

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(VOCAB, D)
                with torch.no_grad():
                    self.embedding.weight.copy_(torch.from_numpy(weights["embedding"][0]))
                self.blocks = nn.Sequential(*(Block(b) for b in range(BLOCKS)))
                self.head = linear(D, 10, weights["head"])

            def forward(self, x):
                return self.head(self.blocks(self.embedding(x)).mean(dim=1))

        return Encoder()

    def torch_loss(self, torch):
        """Cross-entropy on logits."""
        return torch.nn.functional.cross_entropy

    def jax_apply(self, params, x):
        """Logits of the encoder, written with einsum in Keras's weight layouts."""
        import jax
        import jax.numpy as jnp

        def layer_norm(h, gamma, beta):
            mean = h.mean(axis=-1, keepdims=True)
            var = ((h - mean) ** 2).mean(axis=-1, keepdims=True)
            return (h - mean) * jax.lax.rsqrt(var + LN_EPSILON) * gamma + beta

        h = params["embedding"][0][x]
        for b in range(BLOCKS):
            qk, qb, kk, kb, vk, vb, ok, ob = params[f"b{b}_mha"]
            q = jnp.einsum("btd,dnh->btnh", h, qk) + qb
            k = jnp.einsum("btd,dnh->btnh", h, kk) + kb
            v = jnp.einsum("btd,dnh->btnh", h, vk) + vb
            a = jax.nn.dot_product_attention(q, k, v)
            a = jnp.einsum("btnh,nhd->btd", a, ok) + ob
            h = layer_norm(h + a, *params[f"b{b}_ln1"])
            f = jax.nn.relu(h @ params[f"b{b}_ffn1"][0] + params[f"b{b}_ffn1"][1])
            f = f @ params[f"b{b}_ffn2"][0] + params[f"b{b}_ffn2"][1]
            h = layer_norm(h + f, *params[f"b{b}_ln2"])
        return h.mean(axis=1) @ params["head"][0] + params["head"][1]

    def jax_loss(self, logits, y):
        """Mean softmax cross-entropy with integer labels."""
        import optax

        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


WORKLOAD = Transformer()

if __name__ == "__main__":
    common.main(WORKLOAD)

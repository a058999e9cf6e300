"""A Transformer encoder block (MultiHeadAttention + feed-forward, residuals and
LayerNormalization) classifying token sequences.

The data is made here: a sequence is positive when token 1 comes before token 2.
"""

import numpy as np

import lamina as keras
from lamina import layers
from lamina import ops

VOCAB = 30
MAX_LEN = 16


class TokenAndPositionEmbedding(layers.Layer):
    """Token embeddings plus learned position embeddings."""

    def __init__(self, max_len, vocab, dim, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layers.Embedding(vocab, dim)
        self.positions = layers.Embedding(max_len, dim)

    def call(self, x):
        positions = ops.arange(ops.shape(x)[-1])
        return self.tokens(x) + self.positions(positions)


def encoder_block(x, dim, heads, ff_dim, rate=0.1):
    """Self-attention and feed-forward sublayers, each with a residual and LayerNorm."""
    attention = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(rate)(attention))
    ff = layers.Dense(ff_dim, activation="relu")(x)
    ff = layers.Dense(dim)(ff)
    return layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(rate)(ff))


def make_sequences(n, seed=0):
    """Sequences holding tokens 1 and 2 once each; label 1 when 1 comes first."""
    rng = np.random.default_rng(seed)
    x = rng.integers(3, VOCAB, size=(n, MAX_LEN)).astype("int32")
    y = np.zeros(n, dtype="int64")
    for i in range(n):
        a, b = rng.choice(MAX_LEN, size=2, replace=False)
        x[i, a], x[i, b] = 1, 2
        y[i] = int(a < b)
    return x, y


def build_model(dim=32, heads=2, ff_dim=64):
    """Embedding -> encoder block -> average pooling -> Dense classifier."""
    inputs = keras.Input((MAX_LEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAX_LEN, VOCAB, dim)(inputs)
    x = encoder_block(x, dim, heads, ff_dim)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(32, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(2, activation="softmax")(x))


def main(epochs=10, samples=1500, verbose=1):
    """Train the Transformer classifier; return the History."""
    keras.utils.set_random_seed(0)
    x, y = make_sequences(samples)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.1,
                        verbose=verbose)
    if verbose:
        print("validation accuracy:", history.history["val_accuracy"][-1])
    return history


if __name__ == "__main__":
    main()

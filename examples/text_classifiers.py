"""Text classifiers over padded token sequences: an LSTM and a Bidirectional GRU, both on
``Embedding(mask_zero=True)`` so the padding (token 0) is masked out.

The data is made here: a sequence is positive when it contains the token 1 ("good").
"""

import numpy as np

import lamina as keras
from lamina import layers

VOCAB = 50
MAX_LEN = 20


def make_sequences(n, seed=0):
    """Padded token sequences of random lengths, labelled 1 when they contain token 1."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, MAX_LEN), dtype="int32")
    y = rng.integers(0, 2, size=n)
    for i in range(n):
        length = rng.integers(5, MAX_LEN + 1)
        tokens = rng.integers(2, VOCAB, size=length)
        if y[i]:
            tokens[rng.integers(0, length)] = 1
        x[i, :length] = tokens
    return x, y.astype("float32")


def build_lstm():
    """Embedding(mask_zero=True) -> LSTM(32) -> Dense(1, sigmoid)."""
    return keras.Sequential([
        keras.Input((MAX_LEN,), dtype="int32"),
        layers.Embedding(VOCAB, 16, mask_zero=True),
        layers.LSTM(32),
        layers.Dense(1, activation="sigmoid"),
    ])


def build_bidirectional_gru():
    """Embedding(mask_zero=True) -> Bidirectional(GRU(16)) -> Dense(1, sigmoid)."""
    inputs = keras.Input((MAX_LEN,), dtype="int32")
    h = layers.Embedding(VOCAB, 16, mask_zero=True)(inputs)
    h = layers.Bidirectional(layers.GRU(16))(h)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(h))


def main(kind="lstm", epochs=8, samples=800, verbose=1):
    """Train one of the classifiers (``"lstm"`` or ``"bigru"``); return the History."""
    keras.utils.set_random_seed(0)
    x, y = make_sequences(samples)
    model = build_lstm() if kind == "lstm" else build_bidirectional_gru()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.2,
                        verbose=verbose)
    if verbose:
        print(kind, "validation accuracy:", history.history["val_accuracy"][-1])
    return history


if __name__ == "__main__":
    main("lstm")
    main("bigru")

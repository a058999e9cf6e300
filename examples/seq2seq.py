"""A sequence-to-sequence encoder-decoder with LSTMs: the encoder's ``return_state`` gives
the decoder its initial state (teacher forcing while training).

The task is made here: copy a sequence of digits in reverse order.
"""

import numpy as np

import lamina as keras
from lamina import layers

DIGITS = 10
LENGTH = 6
START = DIGITS  # the decoder's start token


def make_pairs(n, seed=0):
    """Encoder inputs, decoder inputs (start + shifted target) and targets (reversed)."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, DIGITS, size=(n, LENGTH))
    target = source[:, ::-1]
    decoder_in = np.concatenate([np.full((n, 1), START), target[:, :-1]], axis=1)
    one_hot = np.eye(DIGITS + 1, dtype="float32")
    return one_hot[source], one_hot[decoder_in], target


def build_model(units=64):
    """Encoder LSTM(return_state) -> decoder LSTM(initial_state) -> Dense softmax."""
    encoder_in = keras.Input((LENGTH, DIGITS + 1), name="encoder_in")
    _, state_h, state_c = layers.LSTM(units, return_state=True)(encoder_in)
    decoder_in = keras.Input((LENGTH, DIGITS + 1), name="decoder_in")
    decoded = layers.LSTM(units, return_sequences=True)(decoder_in,
                                                         initial_state=[state_h, state_c])
    outputs = layers.Dense(DIGITS, activation="softmax")(decoded)
    return keras.Model([encoder_in, decoder_in], outputs)


def main(epochs=15, samples=2000, verbose=1):
    """Train the encoder-decoder; return the History."""
    keras.utils.set_random_seed(0)
    source, decoder_in, target = make_pairs(samples)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(5e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([source, decoder_in], target, epochs=epochs, batch_size=64,
                        validation_split=0.1, verbose=verbose)
    if verbose:
        print("validation accuracy:", history.history["val_accuracy"][-1])
    return history


if __name__ == "__main__":
    main()

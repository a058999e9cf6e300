"""A convolutional autoencoder on scikit-learn's 8x8 digits: Conv2D encoder, Conv2DTranspose
decoder, trained to reconstruct its input."""

import numpy as np
from sklearn.datasets import load_digits

import lamina as keras
from lamina import layers


def load_images():
    """The 1797 digits as (n, 8, 8, 1) float32 images scaled to [0, 1]."""
    return (load_digits().images / 16.0).astype("float32")[..., None]


def build_model():
    """Conv2D(16, stride 2) -> Conv2D(8, stride 2) -> Conv2DTranspose x2 -> Conv2D(1)."""
    inputs = keras.Input((8, 8, 1))
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(x)
    outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def main(epochs=20, verbose=1):
    """Train the autoencoder; return the History."""
    keras.utils.set_random_seed(0)
    images = load_images()
    model = build_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(images, images, epochs=epochs, batch_size=64, validation_split=0.1,
                        verbose=verbose)
    if verbose:
        error = np.mean((model.predict(images[:100], verbose=0) - images[:100]) ** 2)
        print(f"reconstruction MSE on 100 images: {error:.4f}")
    return history


if __name__ == "__main__":
    main()

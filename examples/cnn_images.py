"""A small CNN on 32x32 colour images: Conv2D(32) - MaxPooling2D - Conv2D(64) - MaxPooling2D -
Flatten - Dense(64) - Dense(10), the classic Keras image classifier.

The images are made here (no download): each class is a coloured shape at a random place,
with noise, so the network has to learn local patterns.
"""

import numpy as np

import lamina as keras
from lamina import layers


def make_images(n, seed=0):
    """``n`` noisy 32x32x3 images of 10 classes (a square of a class-specific colour/size)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    images = rng.normal(0.0, 0.1, size=(n, 32, 32, 3)).astype("float32")
    colours = rng.uniform(0.2, 1.0, size=(10, 3))
    for i, label in enumerate(labels):
        size = 4 + (label % 5) * 2
        top, left = rng.integers(0, 32 - size, size=2)
        images[i, top:top + size, left:left + size] += colours[label]
    return images, labels


def build_model():
    """The Keras CNN for 32x32x3 images and 10 classes."""
    return keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ])


def main(epochs=5, samples=1200, verbose=1):
    """Train the CNN; return the History."""
    keras.utils.set_random_seed(0)
    x, y = make_images(samples)
    model = build_model()
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, validation_split=0.1,
                        verbose=verbose)
    if verbose:
        print("validation accuracy:", history.history["val_accuracy"][-1])
    return history


if __name__ == "__main__":
    main()

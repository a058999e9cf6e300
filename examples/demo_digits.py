"""`make demo`: train an MLP and then a CNN on scikit-learn's bundled 8x8 digits (no
download needed), show the Keras progress bar, and print each test accuracy.

Run with LAMINA_BACKEND=jax to use JAX instead of PyTorch.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import lamina as keras
from lamina import layers


def main():
    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")  # 1797 images of 8x8 pixels, values 0..16
    y = digits.target
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y)

    model = keras.Sequential([
        keras.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print(f"lamina on backend: {keras.backend.backend()}")
    model.summary()
    model.fit(x_train, y_train, epochs=30, batch_size=32, validation_split=0.1, verbose=1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    predictions = np.argmax(model.predict(x_test[:10], verbose=0), axis=1)
    print(f"First predictions: {predictions.tolist()}  labels: {y_test[:10].tolist()}")

    # The same data as 8x8x1 images, through a small CNN.
    images_train = x_train.reshape(-1, 8, 8, 1)
    images_test = x_test.reshape(-1, 8, 8, 1)
    cnn = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ])
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cnn.summary()
    cnn.fit(images_train, y_train, epochs=20, batch_size=32, validation_split=0.1, verbose=2)
    _, cnn_accuracy = cnn.evaluate(images_test, y_test, verbose=0)
    print(f"CNN test accuracy: {cnn_accuracy:.4f}")


if __name__ == "__main__":
    main()

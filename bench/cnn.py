"""Workload ``cnn``: 10,000x28x28x1 -> Conv 32 -> pool -> Conv 64 -> pool -> Dense 10, batch 128.

Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten ->
Dense(10, softmax); Adam, sparse categorical cross-entropy. lamina, Keras and native JAX run
channels-last (Keras's default); native PyTorch runs channels-first as torch users do, its
input copied to (N, 1, 28, 28) once and the Dense kernel's rows permuted to match, so all
three compute the same function from the same weights.

Example:
    >>> # python bench/cnn.py --impl native --backend jax --epochs 3
"""

import common
import numpy as np

FLAT = (5, 5, 64)  # 28 -conv3-> 26 -pool-> 13 -conv3-> 11 -pool-> 5


class CNN:
    """The cnn workload described for every implementation."""

    name = "cnn"
    kind = "train"
    batch_size = 128
    default_samples = 10_000
    loss = "sparse_categorical_crossentropy"

    def make_data(self, n, rng):
        """Images in [0, 1) and labels from a random linear teacher on the pixels."""
        x = rng.random((n, 28, 28, 1), dtype=np.float32)
        teacher = rng.standard_normal((784, 10)).astype("float32")
        y = np.argmax((x.reshape(n, 784) - 0.5) @ teacher, axis=1).astype("int32")
        return x, y

    def init_weights(self, rng):
        """Keras-ordered weights per layer name."""
        return {
            "conv_1": [common.glorot_uniform(rng, (3, 3, 1, 32)), np.zeros(32, "float32")],
            "conv_2": [common.glorot_uniform(rng, (3, 3, 32, 64)), np.zeros(64, "float32")],
            "head": common.dense_weights(rng, int(np.prod(FLAT)), 10),
        }

    def build_keras(self, k, weights):
        """The Sequential model of lamina or Keras 3 (``k``), weights set."""
        layers = k.layers
        model = k.Sequential([
            k.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", name="conv_1"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", name="conv_2"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax", name="head"),
        ])
        for name, arrays in weights.items():
            model.get_layer(name).set_weights(arrays)
        return model

    def torch_inputs(self, x):
        """(N, H, W, C) -> (N, C, H, W), the layout torch convolutions use."""
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    def build_torch(self, torch, weights):
        """Channels-first nn.Sequential producing logits."""
        nn = torch.nn
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(int(np.prod(FLAT)), 10),
        )
        common.torch_set_conv2d(torch, model[0], weights["conv_1"])
        common.torch_set_conv2d(torch, model[3], weights["conv_2"])
        kernel, bias = weights["head"]
        # Keras flattens (h, w, c); torch flattens (c, h, w): reorder the kernel's rows.
        kernel = kernel.reshape(*FLAT, 10).transpose(2, 0, 1, 3).reshape(-1, 10)
        common.torch_set_linear(torch, model[7], [kernel, bias])
        return model

    def torch_loss(self, torch):
        """Cross-entropy on logits."""
        return torch.nn.functional.cross_entropy

    def jax_apply(self, params, x):
        """Logits of the cnn, NHWC with HWIO kernels (Keras's layouts)."""
        import jax
        from jax import lax

        def conv(h, kernel, bias):
            out = lax.conv_general_dilated(h, kernel, (1, 1), "VALID",
                                           dimension_numbers=("NHWC", "HWIO", "NHWC"))
            return jax.nn.relu(out + bias)

        def pool(h):
            return lax.reduce_window(h, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

        h = pool(conv(x, *params["conv_1"]))
        h = pool(conv(h, *params["conv_2"]))
        h = h.reshape(h.shape[0], -1)
        return h @ params["head"][0] + params["head"][1]

    def jax_loss(self, logits, y):
        """Mean softmax cross-entropy with integer labels."""
        import optax

        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


WORKLOAD = CNN()

if __name__ == "__main__":
    common.main(WORKLOAD)

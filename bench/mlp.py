"""Workload ``mlp``: 60,000x784 -> Dense 512 relu -> Dense 512 relu -> Dense 10 softmax.

Adam, sparse categorical cross-entropy, batch 128. The labels come from a fixed random
linear teacher, so the loss falls from about 2.3 as the model learns.

Example:
    >>> # python bench/mlp.py --impl native --backend torch --epochs 3
"""

import common
import numpy as np

LAYERS = (("dense_1", 784, 512), ("dense_2", 512, 512), ("dense_3", 512, 10))


class MLP:
    """The mlp workload described for every implementation."""

    name = "mlp"
    kind = "train"
    batch_size = 128
    default_samples = 60_000
    loss = "sparse_categorical_crossentropy"

    def make_data(self, n, rng):
        """Pixels in [0, 1) and labels from a random linear teacher."""
        x = rng.random((n, 784), dtype=np.float32)
        teacher = rng.standard_normal((784, 10)).astype("float32")
        y = np.argmax((x - 0.5) @ teacher, axis=1).astype("int32")
        return x, y

    def init_weights(self, rng):
        """Keras-ordered weights per layer name."""
        return {name: common.dense_weights(rng, n_in, n_out) for name, n_in, n_out in LAYERS}

    def build_keras(self, k, weights):
        """The Sequential model of lamina or Keras 3 (``k``), weights set."""
        model = k.Sequential([
            k.Input(shape=(784,)),
            k.layers.Dense(512, activation="relu", name="dense_1"),
            k.layers.Dense(512, activation="relu", name="dense_2"),
            k.layers.Dense(10, activation="softmax", name="dense_3"),
        ])
        for name, arrays in weights.items():
            model.get_layer(name).set_weights(arrays)
        return model

    def build_torch(self, torch, weights):
        """nn.Sequential producing logits (the softmax lives in the loss, as usual in torch)."""
        nn = torch.nn
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                              nn.Linear(512, 10))
        linears = [m for m in model if isinstance(m, nn.Linear)]
        for linear, (name, _, _) in zip(linears, LAYERS):
            common.torch_set_linear(torch, linear, weights[name])
        return model

    def torch_loss(self, torch):
        """Cross-entropy on logits."""
        return torch.nn.functional.cross_entropy

    def torch_predict(self, logits):
        """Probabilities, as Keras's softmax layer returns."""
        return logits.softmax(-1)

    def jax_apply(self, params, x):
        """Logits of the mlp from a params dict of [kernel, bias] lists."""
        import jax

        h = jax.nn.relu(x @ params["dense_1"][0] + params["dense_1"][1])
        h = jax.nn.relu(h @ params["dense_2"][0] + params["dense_2"][1])
        return h @ params["dense_3"][0] + params["dense_3"][1]

    def jax_loss(self, logits, y):
        """Mean softmax cross-entropy with integer labels."""
        import optax

        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    def jax_predict(self, logits):
        """Probabilities."""
        import jax

        return jax.nn.softmax(logits, axis=-1)


WORKLOAD = MLP()

if __name__ == "__main__":
    common.main(WORKLOAD)

"""Workload ``tiny``: 20,000x20 -> Dense 32 relu -> Dense 1 sigmoid, batch 32.

A model so small that per-step overhead (Python, dispatch, host syncs) is all that is
measured. Binary cross-entropy, Adam; labels from a noisy random linear teacher.

Example:
    >>> # python bench/tiny.py --impl keras --backend jax --epochs 3
"""


import common


class Tiny:
    """The tiny workload described for every implementation."""

    name = "tiny"
    kind = "train"
    batch_size = 32
    default_samples = 20_000
    loss = "binary_crossentropy"

    def make_data(self, n, rng):
        """Gaussian features and 0/1 labels of a noisy linear teacher, shape (n, 1)."""
        x = rng.standard_normal((n, 20)).astype("float32")
        teacher = rng.standard_normal((20,)).astype("float32")
        logits = x @ teacher + 0.5 * rng.standard_normal(n).astype("float32")
        return x, (logits > 0).astype("float32")[:, None]

    def init_weights(self, rng):
        """Keras-ordered weights per layer name."""
        return {"hidden": common.dense_weights(rng, 20, 32),
                "out": common.dense_weights(rng, 32, 1)}

    def build_keras(self, k, weights):
        """The Sequential model of lamina or Keras 3 (``k``), weights set."""
        model = k.Sequential([
            k.Input(shape=(20,)),
            k.layers.Dense(32, activation="relu", name="hidden"),
            k.layers.Dense(1, activation="sigmoid", name="out"),
        ])
        for name, arrays in weights.items():
            model.get_layer(name).set_weights(arrays)
        return model

    def build_torch(self, torch, weights):
        """nn.Sequential producing a logit (the sigmoid lives in the loss)."""
        nn = torch.nn
        model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 1))
        common.torch_set_linear(torch, model[0], weights["hidden"])
        common.torch_set_linear(torch, model[2], weights["out"])
        return model

    def torch_loss(self, torch):
        """Binary cross-entropy on logits."""
        return torch.nn.functional.binary_cross_entropy_with_logits

    def jax_apply(self, params, x):
        """The logit of the tiny model."""
        import jax

        h = jax.nn.relu(x @ params["hidden"][0] + params["hidden"][1])
        return h @ params["out"][0] + params["out"][1]

    def jax_loss(self, logits, y):
        """Mean sigmoid binary cross-entropy on logits."""
        import optax

        return optax.sigmoid_binary_cross_entropy(logits, y).mean()


WORKLOAD = Tiny()

if __name__ == "__main__":
    common.main(WORKLOAD)

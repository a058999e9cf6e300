"""Workload ``lstm``: 10,000 sequences of 50x32 -> LSTM 64 -> Dense 1, MSE, batch 128.

Adam; the target is a smooth function of the sequence (tanh of the time-mean of a random
projection), so the loss falls steadily. The LSTM uses Keras's defaults (tanh, sigmoid
recurrent activation, forget-gate bias 1); native PyTorch uses ``nn.LSTM`` (its second bias
set to zero) and native JAX a ``lax.scan`` over time.

Example:
    >>> # python bench/lstm.py --impl lamina --backend jax --epochs 3
"""

import common
import numpy as np

STEPS, FEATURES, UNITS = 50, 32, 64


class LSTM:
    """The lstm workload described for every implementation."""

    name = "lstm"
    kind = "train"
    batch_size = 128
    default_samples = 10_000
    loss = "mse"

    def make_data(self, n, rng):
        """Gaussian sequences and a bounded regression target of shape (n, 1)."""
        x = rng.standard_normal((n, STEPS, FEATURES)).astype("float32")
        v = rng.standard_normal((FEATURES,)).astype("float32")
        y = np.tanh((x @ v).mean(axis=1) * 2.0).astype("float32")[:, None]
        return x, y

    def init_weights(self, rng):
        """Keras-ordered weights per layer name (gates i, f, c, o)."""
        bias = np.zeros(4 * UNITS, "float32")
        bias[UNITS:2 * UNITS] = 1.0  # unit_forget_bias=True
        return {
            "lstm": [common.glorot_uniform(rng, (FEATURES, 4 * UNITS)),
                     common.orthogonal(rng, (UNITS, 4 * UNITS)), bias],
            "head": common.dense_weights(rng, UNITS, 1),
        }

    def build_keras(self, k, weights):
        """The Sequential model of lamina or Keras 3 (``k``), weights set."""
        model = k.Sequential([
            k.Input(shape=(STEPS, FEATURES)),
            k.layers.LSTM(UNITS, name="lstm"),
            k.layers.Dense(1, name="head"),
        ])
        for name, arrays in weights.items():
            model.get_layer(name).set_weights(arrays)
        return model

    def build_torch(self, torch, weights):
        """nn.LSTM (batch first) followed by nn.Linear on the last hidden state."""
        nn = torch.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(FEATURES, UNITS, batch_first=True)
                self.head = nn.Linear(UNITS, 1)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.head(h[-1])

        model = Model()
        kernel, recurrent, bias = weights["lstm"]
        with torch.no_grad():  # torch's gate order i, f, g, o is Keras's i, f, c, o
            model.lstm.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            model.lstm.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(recurrent.T)))
            model.lstm.bias_ih_l0.copy_(torch.from_numpy(bias))
            model.lstm.bias_hh_l0.zero_()
        common.torch_set_linear(torch, model.head, weights["head"])
        return model

    def torch_loss(self, torch):
        """Mean squared error."""
        return torch.nn.functional.mse_loss

    def jax_apply(self, params, x):
        """The LSTM's last hidden state through the Dense head; time as a ``lax.scan``."""
        import jax
        import jax.numpy as jnp
        from jax import lax

        kernel, recurrent, bias = params["lstm"]

        # The input projection stays inside the step: hoisting it out of the scan as one big
        # matmul measured ~3x slower on XLA:CPU (its backward pass), so no native loop would.
        def cell(carry, x_t):
            h, c = carry
            z = x_t @ kernel + h @ recurrent + bias
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((x.shape[0], UNITS), x.dtype)
        (h, _), _ = lax.scan(cell, (zeros, zeros), jnp.swapaxes(x, 0, 1))
        return h @ params["head"][0] + params["head"][1]

    def jax_loss(self, prediction, y):
        """Mean squared error."""
        return ((prediction - y) ** 2).mean()


WORKLOAD = LSTM()

if __name__ == "__main__":
    common.main(WORKLOAD)

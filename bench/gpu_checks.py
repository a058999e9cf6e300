"""Checks of the GPU-only fast paths, on a CUDA machine (bench/gpu.sh, phase ``checks``).

- torch: an LSTM's Variables packed into cuDNN's flat weight buffer
  (``backend.rnn.pack_lstm_weights``): packed at build, accepted by cuDNN without its
  per-call copy (torch warns "RNN module weights are not part of single contiguous chunk of
  memory" when it copies), and training as the unpacked layer does.
- JAX: fit's training arrays kept on the device, each step gathering its rows inside the
  compiled step (``DeviceRows``): used on the GPU, and training as host batches do.

Prints one PASS / FAIL line per check and exits non-zero on a failure.

Example:
    >>> # LAMINA_BACKEND=torch python bench/gpu_checks.py; LAMINA_BACKEND=jax python ...
"""

import os
import sys
import warnings

import numpy as np

import lamina as k
from lamina import backend

FAILED = []


def check(name, ok, detail=""):
    """Print one check's result and remember a failure."""
    print(f"{'PASS' if ok else 'FAIL'} {backend.backend()}: {name} {detail}".rstrip())
    if not ok:
        FAILED.append(name)


def _lstm_model():
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((20, 8)), k.layers.LSTM(16, name="lstm"), k.layers.Dense(1)])
    model.compile(k.optimizers.Adam(0.01), "mse")
    return model


def torch_checks():
    """The LSTM weight packing on cuDNN."""
    import torch

    from lamina.backend.torch import rnn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 20, 8)).astype("float32")
    y = rng.normal(size=(256, 1)).astype("float32")
    model = _lstm_model()
    cell = model.get_layer("lstm").cell
    bias = cell.bias.value
    packed = hasattr(bias, "_lamina_recurrent_bias")
    check("LSTM weights packed at build", packed, f"(device {bias.device})")
    if packed:
        zero = bias._lamina_recurrent_bias
        params = [cell.kernel.value.t(), cell.recurrent_kernel.value.t(), bias, zero]
        xb = torch.from_numpy(x[:32]).cuda()
        h0 = torch.zeros(1, 32, 16, device="cuda")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch._VF.lstm(xb, (h0, h0), params, True, 1, 0.0, True, False, True)
        copied = [w for w in caught if "single contiguous chunk" in str(w.message)]
        check("cuDNN reads the packed buffer without copying", not copied,
              str(copied[0].message)[:100] if copied else "")
    model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    still = cell.kernel.value.untyped_storage().data_ptr() == \
        cell.bias.value.untyped_storage().data_ptr()
    check("weights stay in the buffer after fit", still or not packed)
    original = rnn._cudnn_usable
    rnn._cudnn_usable = lambda: False
    try:
        plain = _lstm_model()
        plain.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    finally:
        rnn._cudnn_usable = original
    diff = max(float(np.abs(a - b).max())
               for a, b in zip(model.get_weights(), plain.get_weights()))
    check("packed and unpacked LSTMs train alike", diff < 1e-4, f"(max diff {diff:.2e})")


def jax_checks():
    """The device-resident training data."""
    from lamina.backend.jax import core

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 32)).astype("float32")
    y = rng.integers(0, 10, 1000)
    results = []
    for mode in ("auto", False):
        core.DEVICE_DATA = mode
        k.utils.set_random_seed(0)
        np.random.seed(0)
        model = k.Sequential([k.Input((32,)), k.layers.Dense(64, activation="relu"),
                              k.layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=64, epochs=3, verbose=0)
        keys = list(model._step_functions["train"].compiled)
        results.append((model.get_weights(), history.history["loss"], keys))
    core.DEVICE_DATA = "auto"
    (weights, loss, keys), (host_weights, host_loss, _) = results
    check("fit gathers batches on the device", any(isinstance(key, tuple) for key in keys),
          f"(compiled: {keys}; device {core.get_device()})")
    diff = max(float(np.abs(a - b).max()) for a, b in zip(weights, host_weights))
    check("device-gathered and host batches train alike", diff < 1e-4,
          f"(max weight diff {diff:.2e}; losses {loss[-1]:.5f} / {host_loss[-1]:.5f})")


def main():
    """Run the active backend's checks."""
    (torch_checks if backend.backend() == "torch" else jax_checks)()
    return 1 if FAILED else 0


if __name__ == "__main__":
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    sys.exit(main())

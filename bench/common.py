"""Shared benchmark machinery: arguments, weight init, the three training loops, timing, RSS.

Each workload script (``bench/<workload>.py``) describes its data and its model three ways
(Keras-style for lamina and Keras 3, an ``nn.Module`` for native PyTorch, a pure function for
native JAX) and hands itself to :func:`main`, which runs ONE implementation on ONE backend in
this process and prints a ``RESULT {json}`` line (and writes ``--json PATH`` if asked).

All three implementations start from the same NumPy weights (glorot-uniform kernels, zero
biases, orthogonal recurrent kernels, seeded), see the same NumPy data, train with Adam
(learning rate 1e-3, epsilon 1e-7) at the same batch size and shuffle by index every epoch,
so their losses land close together: a cheap check that every run trains the same model.

Timing: ``first_epoch_s`` runs from the start of training (``fit()`` / the native loop,
converting the NumPy arrays to device tensors included) to the end of epoch 1, so it holds
compilation. Steady state is the median over the later epochs of samples per second.
Peak RSS is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end of the run.

The native PyTorch loop uses ``torch.optim.Adam`` with the implementation torch picks for the
device (on CPU the per-tensor loop); ``BENCH_TORCH_ADAM=foreach`` or ``fused`` selects the
multi-tensor or fused one instead, to see how much a tuned loop gains.

Example:
    >>> # python bench/mlp.py --impl lamina --backend jax --epochs 3
"""

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np

IMPLS = ("lamina", "native", "keras")
BACKENDS = ("torch", "jax")
LEARNING_RATE = 1e-3
ADAM_EPSILON = 1e-7  # Keras's Adam default; torch and optax are set to it too.
SEED = 0


# -- initial weights (NumPy, shared by every implementation) ------------------------------

def glorot_uniform(rng, shape, fan_in=None, fan_out=None):
    """Glorot-uniform array; fans default to Keras's rule for dense and conv kernels."""
    if fan_in is None:
        receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype("float32")


def orthogonal(rng, shape):
    """Orthogonal matrix of ``shape`` (rows >= cols or not), as Keras's Orthogonal init."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return q[:rows, :cols].astype("float32")


def dense_weights(rng, n_in, n_out):
    """[kernel (n_in, n_out), bias (n_out,)] in Keras's Dense order."""
    return [glorot_uniform(rng, (n_in, n_out)), np.zeros((n_out,), "float32")]


def torch_set_linear(torch, linear, arrays):
    """Copy a Keras Dense [kernel (in, out), bias] into an ``nn.Linear`` (weight is (out, in))."""
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(arrays[0].T)))
        linear.bias.copy_(torch.from_numpy(arrays[1]))


def torch_set_conv2d(torch, conv, arrays):
    """Copy a Keras Conv2D [kernel (kh, kw, in, out), bias] into an ``nn.Conv2d``."""
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(
            arrays[0].transpose(3, 2, 0, 1))))
        conv.bias.copy_(torch.from_numpy(arrays[1]))


# -- results ------------------------------------------------------------------------------

def peak_rss_mb():
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def versions(impl, backend):
    """Versions of the libraries this run imported."""
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "jax", "jaxlib", "optax", "keras", "lamina"):
        module = sys.modules.get(name)
        if module is not None:
            out[name] = getattr(module, "__version__", "?")
    return out


def compute_device(backend):
    """What the run computed on, e.g. ``"cpu"`` or ``"cuda: NVIDIA H200"``."""
    if backend == "torch":
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            return f"cuda: {torch.cuda.get_device_name(0)}"
        return "cpu"
    jax = sys.modules.get("jax")
    if jax is None:
        return "?"
    device = jax.devices()[0]
    return f"{device.platform}: {getattr(device, 'device_kind', '?')}"


def summarize(workload, impl, backend, n, epoch_times, first_epoch_s, final_loss, build_s,
              load_start, extra=None):
    """The result record of one run."""
    steady = [n / t for t in epoch_times[1:]] or [n / epoch_times[0]]
    record = {
        "workload": workload.name,
        "impl": impl,
        "backend": backend,
        "samples": n,
        "batch_size": workload.batch_size,
        "epochs": len(epoch_times),
        "epoch_times_s": [round(t, 4) for t in epoch_times],
        "first_epoch_s": round(first_epoch_s, 4),
        "steady_samples_per_s": round(statistics.median(steady), 1),
        # Slowest over fastest timed epoch: near 1 on a quiet machine.
        "epoch_spread": round(max(epoch_times[1:] or epoch_times)
                              / min(epoch_times[1:] or epoch_times), 2),
        "final_loss": None if final_loss is None else float(final_loss),
        "build_s": round(build_s, 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "loadavg_start": load_start,
        "loadavg_end": list(os.getloadavg()),
        "versions": versions(impl, backend),
        "device": compute_device(backend),
    }
    record.update(extra or {})
    return record


# -- lamina and Keras 3: the same Keras-style code, two libraries ---------------------------

def run_keras_style(workload, k, x, y, epochs, verbose):
    """Build, compile and fit (or predict with) the Keras-style model of ``k``."""
    started = time.perf_counter()
    model = workload.build_keras(k, workload.init_weights(np.random.default_rng(SEED)))
    if workload.kind == "predict":
        build_s = time.perf_counter() - started
        times, checksum = [], None
        for _ in range(epochs):
            t0 = time.perf_counter()
            out = model.predict(x, batch_size=workload.batch_size, verbose=verbose)
            times.append(time.perf_counter() - t0)
            checksum = float(np.asarray(out, dtype="float64").mean(axis=0) @ np.arange(
                out.shape[-1]))
        return times, times[0], checksum, build_s, {"output_checksum": checksum}

    model.compile(optimizer=k.optimizers.Adam(learning_rate=LEARNING_RATE,
                                              epsilon=ADAM_EPSILON),
                  loss=workload.loss)
    build_s = time.perf_counter() - started
    ends, times, starts = [], [], []

    class EpochTimer(k.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            starts.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            # Reading the loss waits for the device (on a GPU the epoch's last steps may
            # still be queued); Keras hands over floats, lamina may hand over lazy logs.
            if logs and "loss" in logs:
                float(logs["loss"])
            now = time.perf_counter()
            times.append(now - starts[-1])
            ends.append(now)

    fit_start = time.perf_counter()
    history = model.fit(x, y, batch_size=workload.batch_size, epochs=epochs,
                        verbose=verbose, callbacks=[EpochTimer()])
    losses = history.history["loss"]
    return times, ends[0] - fit_start, losses[-1], build_s, {"epoch_losses": losses}


# -- native PyTorch ------------------------------------------------------------------------

def run_torch_native(workload, x_np, y_np, epochs):
    """Idiomatic PyTorch: pre-made tensors, nn.Module, torch.optim.Adam, index shuffling."""
    import torch

    torch.manual_seed(SEED)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    started = time.perf_counter()
    model = workload.build_torch(torch, workload.init_weights(np.random.default_rng(SEED)))
    model = model.to(device)
    build_s = time.perf_counter() - started
    n, bs = len(x_np), workload.batch_size
    # Channels-first models get their (N, C, H, W) copy here, once, like any other tensor.
    torch_inputs = getattr(workload, "torch_inputs", lambda a: a)

    if workload.kind == "predict":
        x = torch.from_numpy(torch_inputs(x_np)).to(device)
        model.eval()
        times, checksum = [], None
        for _ in range(epochs):
            t0 = time.perf_counter()
            with torch.inference_mode():
                out = torch.cat([workload.torch_predict(model(x[i:i + bs]))
                                 for i in range(0, n, bs)]).cpu().numpy()
            times.append(time.perf_counter() - t0)
            checksum = float(out.astype("float64").mean(axis=0) @ np.arange(out.shape[-1]))
        return times, times[0], checksum, build_s, {"output_checksum": checksum}

    # torch's default Adam implementation for the device (on CPU: the per-tensor loop);
    # BENCH_TORCH_ADAM=foreach|fused picks another one, to compare.
    variant = os.environ.get("BENCH_TORCH_ADAM", "default")
    options = {} if variant == "default" else {variant: True}
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, eps=ADAM_EPSILON,
                                 **options)
    loss_fn = workload.torch_loss(torch)
    fit_start = time.perf_counter()
    x = torch.from_numpy(torch_inputs(x_np)).to(device)
    # torch's cross-entropy wants int64 class indices.
    y = torch.from_numpy(y_np.astype("int64") if y_np.dtype.kind == "i" else y_np).to(device)
    times, losses, first = [], [], None
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total.add_(loss.detach(), alpha=len(idx))
        losses.append(total.item() / n)  # the only host sync of the epoch
        now = time.perf_counter()
        times.append(now - t0)
        first = now - fit_start if first is None else first
    return times, first, losses[-1], build_s, {"epoch_losses": losses}


# -- native JAX ----------------------------------------------------------------------------

def run_jax_native(workload, x_np, y_np, epochs):
    """Idiomatic JAX: one jitted, buffer-donating optax step; device arrays made once."""
    import functools

    import jax
    import jax.numpy as jnp
    import optax

    started = time.perf_counter()
    params = {name: [jnp.asarray(a) for a in arrays] for name, arrays in
              workload.init_weights(np.random.default_rng(SEED)).items()}
    apply = workload.jax_apply
    build_s = time.perf_counter() - started
    n, bs = len(x_np), workload.batch_size

    if workload.kind == "predict":
        x = jax.device_put(x_np)
        forward = jax.jit(lambda p, xb: workload.jax_predict(apply(p, xb)))
        times, checksum = [], None
        for _ in range(epochs):
            t0 = time.perf_counter()
            out = np.concatenate(jax.device_get([forward(params, x[i:i + bs])
                                                 for i in range(0, n, bs)]))
            times.append(time.perf_counter() - t0)
            checksum = float(out.astype("float64").mean(axis=0) @ np.arange(out.shape[-1]))
        return times, times[0], checksum, build_s, {"output_checksum": checksum}

    optimizer = optax.adam(LEARNING_RATE, eps=ADAM_EPSILON)
    loss_of = workload.jax_loss

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def train_step(params, opt_state, x, y, idx):
        xb, yb = x[idx], y[idx]

        def loss_fn(p):
            return loss_of(apply(p, xb), yb)

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(SEED)
    fit_start = time.perf_counter()
    x, y = jax.device_put(x_np), jax.device_put(y_np)
    opt_state = optimizer.init(params)
    times, losses, first = [], [], None
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = rng.permutation(n).astype("int32")
        step_losses, sizes = [], []
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            params, opt_state, loss = train_step(params, opt_state, x, y, idx)
            step_losses.append(loss)
            sizes.append(len(idx))
        # One host sync per epoch: fetch every step's loss at once.
        losses.append(float(np.dot(np.asarray(jax.device_get(step_losses)), sizes) / n))
        now = time.perf_counter()
        times.append(now - t0)
        first = now - fit_start if first is None else first
    return times, first, losses[-1], build_s, {"epoch_losses": losses}


# -- entry point ---------------------------------------------------------------------------

def parse_args(workload, argv=None):
    """Command-line arguments of a workload script."""
    parser = argparse.ArgumentParser(description=f"Benchmark workload {workload.name!r}.")
    parser.add_argument("--impl", choices=IMPLS, required=True)
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs (predict passes); the first one is the warm-up")
    parser.add_argument("--samples", type=int, default=workload.default_samples)
    parser.add_argument("--verbose", type=int, default=0, help="fit/predict verbose for "
                        "lamina and Keras (0: no progress bar, the same for every impl)")
    parser.add_argument("--json", help="also write the result record to this path")
    return parser.parse_args(argv)


def main(workload, argv=None):
    """Run one (impl, backend) of ``workload`` in this process and report it."""
    args = parse_args(workload, argv)
    load_start = list(os.getloadavg())
    # Each library reads its backend at import time: set both before any import.
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ["LAMINA_BACKEND"] = args.backend
    x, y = workload.make_data(args.samples, np.random.default_rng(SEED))
    wall = time.perf_counter()
    if args.impl == "native":
        runner = run_torch_native if args.backend == "torch" else run_jax_native
        times, first, loss, build_s, extra = runner(workload, x, y, args.epochs)
    else:
        if args.impl == "lamina":
            import lamina as k
        else:
            import keras as k
        times, first, loss, build_s, extra = run_keras_style(workload, k, x, y, args.epochs,
                                                             args.verbose)
    extra["wall_s"] = round(time.perf_counter() - wall, 3)
    record = summarize(workload, args.impl, args.backend, len(x), times, first, loss,
                       build_s, load_start, extra)
    label = "checksum" if workload.kind == "predict" else "final loss"
    print(f"{workload.name} {args.impl}-{args.backend}: "
          f"{record['steady_samples_per_s']:.0f} samples/s, first epoch "
          f"{record['first_epoch_s']:.2f} s, {label} {loss:.4f}, "
          f"peak RSS {record['peak_rss_mb']:.0f} MiB")
    print("RESULT " + json.dumps(record))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)
    return record

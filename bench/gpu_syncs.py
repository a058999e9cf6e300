"""Where lamina's torch loops wait for the GPU: run fit / predict under
``torch.cuda.set_sync_debug_mode("warn")`` and print each synchronizing call site with its
count per step; then profile 20 training steps of the mlp in lamina and in a hand-written
loop (torch.profiler: ops, their CPU time and kernel launches per step); then the Python
functions that take the host's time in 200 such steps (cProfile), for both. Run on a CUDA
machine (bench/gpu.sh, phase ``syncs``).

Example:
    >>> # LAMINA_BACKEND=torch python bench/gpu_syncs.py
"""

import collections
import functools
import os
import sys
import time
import traceback
import warnings

import numpy as np
import torch

os.environ.setdefault("LAMINA_BACKEND", "torch")
import lamina as k  # noqa: E402

SITES = collections.Counter()
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def _sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _record(message, category, filename, lineno, file=None, line=None):
    frames = [f for f in traceback.extract_stack()[:-1] if "/lamina/" in f.filename
              or "gpu_syncs" in f.filename][-4:]
    SITES[" <- ".join(f"{f.filename.split('/')[-1]}:{f.lineno}" for f in reversed(frames))] += 1


def _model(kind):
    if kind == "lstm":
        return k.Sequential([k.Input((50, 32)), k.layers.LSTM(64), k.layers.Dense(1)]), "mse"
    return k.Sequential([k.Input((784,)), k.layers.Dense(512, activation="relu"),
                         k.layers.Dense(512, activation="relu"),
                         k.layers.Dense(10, activation="softmax")]), \
        "sparse_categorical_crossentropy"


def main():
    """Print the synchronizing call sites of fit and predict for the mlp and the LSTM."""
    if not torch.cuda.is_available():
        print("no CUDA device: only the profiles, on the CPU")
        profile_mlp()
        python_profile_mlp()
        return 0
    rng = np.random.default_rng(0)
    for kind in ("mlp", "lstm"):
        n = 128 * 20
        x = rng.normal(size=(n, 50, 32) if kind == "lstm" else (n, 784)).astype("float32")
        y = rng.normal(size=(n, 1)).astype("float32") if kind == "lstm" else \
            rng.integers(0, 10, n)
        model, loss = _model(kind)
        model.compile(k.optimizers.Adam(1e-3), loss)
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        model.predict(x, batch_size=128, verbose=0)
        fit = functools.partial(model.fit, x, y, batch_size=128, epochs=1, verbose=0)
        predict = functools.partial(model.predict, x, batch_size=128, verbose=0)
        for what, call in (("fit", fit), ("predict", predict)):
            SITES.clear()
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            call()
            torch.cuda.synchronize()
            plain = time.perf_counter() - t0
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.showwarning = _record
                torch.cuda.set_sync_debug_mode("warn")
                try:
                    call()
                finally:
                    torch.cuda.set_sync_debug_mode("default")
            print(f"{kind} {what}: {plain / 20 * 1e3:.3f} ms per batch; "
                  f"{sum(SITES.values())} synchronizing calls in 20 batches")
            for site, count in SITES.most_common(12):
                print(f"   {count:4d}  {site}")
    profile_mlp()
    python_profile_mlp()
    return 0


def _native_mlp():
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10)).to(DEVICE)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def steps(x, y):
        for i in range(0, len(x), 128):
            optimizer.zero_grad()
            loss = loss_fn(model(x[i:i + 128]), y[i:i + 128])
            loss.backward()
            optimizer.step()
        _sync()
    return steps


def _mlp_runs(steps):
    """``{"lamina": fit, "native": loop}``: callables that each train the mlp for ``steps``
    batches of 128 on the same random data (one lamina epoch, one pass of the native loop)."""
    rng = np.random.default_rng(0)
    n = 128 * steps
    x = rng.normal(size=(n, 784)).astype("float32")
    y = rng.integers(0, 10, n)
    model, loss = _model("mlp")
    model.compile(k.optimizers.Adam(1e-3), loss)
    native = _native_mlp()
    xt, yt = torch.from_numpy(x).to(DEVICE), torch.from_numpy(y).to(DEVICE)
    return {"lamina": functools.partial(model.fit, x, y, batch_size=128, epochs=1, verbose=0,
                                        shuffle=False),
            "native": functools.partial(native, xt, yt)}


def profile_mlp():
    """Per-step op counts and CPU time of lamina's fit and a native loop (20 steps each)."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile

    for name, call in _mlp_runs(20).items():
        call()
        call()
        _sync()
        t0 = time.perf_counter()
        call()
        _sync()
        wall = (time.perf_counter() - t0) / 20
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if DEVICE == "cuda"
                                               else [])
        with profile(activities=activities) as prof:
            call()
            _sync()
        events = prof.key_averages()
        launches = sum(e.count for e in events if e.key in ("cudaLaunchKernel",
                                                             "cuLaunchKernel",
                                                             "cudaLaunchKernelExC"))
        copies = sum(e.count for e in events if "Memcpy" in e.key)
        syncs = sum(e.count for e in events if "Synchronize" in e.key)
        gpu_us = sum(getattr(e, "self_device_time_total", 0) or 0 for e in events
                     if e.device_type == torch.autograd.DeviceType.CUDA)
        print(f"profile {name}: {wall * 1e3:.3f} ms per step unprofiled; per step: "
              f"{launches / 20:.1f} kernel launches, {copies / 20:.1f} memcpy, "
              f"{syncs / 20:.1f} synchronize, GPU busy {gpu_us / 20:.0f} us")
        print(events.table(sort_by="self_cpu_time_total", row_limit=30, max_name_column_width=40))


def python_profile_mlp(steps=200, rows=25):
    """cProfile of ``steps`` mlp training steps in lamina's fit and in the native loop: which
    Python functions (and which torch calls, by their own time) the host spends each step
    on. On a GPU every loop here is bound by this host time."""
    import cProfile
    import pstats

    for name, call in _mlp_runs(steps).items():
        call()
        _sync()
        profiler = cProfile.Profile()
        profiler.enable()
        call()
        _sync()
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"python profile {name}: {stats.total_tt / steps * 1e3:.3f} ms per step "
              f"(profiled), functions by own time:")
        stats.sort_stats("tottime").print_stats(rows)


if __name__ == "__main__":
    sys.exit(main())

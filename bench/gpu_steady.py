"""Steady-state GPU step anatomy: lamina's torch ``fit`` against the native loop, one
epoch after warm-up, for the benchmark workloads named (default: transformer).

``gpu_profile.py`` traces whole runs, model building included; this traces only the
third epoch of each loop (lamina: from a callback; native: the benchmark's loop written
out), so its per-step counts are the steady state's. Per step: wall time (an unprofiled
epoch), kernel launches, host-device copies and stream synchronizations with the Python
lines they come from, then each loop's heaviest Python functions (cProfile, own time).

Example:
    >>> # LAMINA_BACKEND=torch python bench/gpu_steady.py transformer cnn
"""

import collections
import cProfile
import importlib
import io
import os
import pstats
import sys
import time

import numpy as np
import torch
from torch.profiler import ProfilerActivity
from torch.profiler import profile as torch_profile

os.environ.setdefault("LAMINA_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import lamina  # noqa: E402

SAMPLES = int(os.environ.get("STEADY_SAMPLES", 2048))
WATCHED = ("cudaMemcpyAsync", "cudaStreamSynchronize", "cudaDeviceSynchronize",
           "cudaEventSynchronize")
LAUNCHES = ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC")


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


class Probe:
    """Runs ``hook(kind)`` around the third epoch: "time", "trace" or "cprofile"."""

    def __init__(self):
        self.kind, self.result = None, None

    def start(self):
        _sync()
        if self.kind == "trace":
            self.prof = torch_profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA],
                                      with_stack=True)
            self.prof.__enter__()
        elif self.kind == "cprofile":
            self.prof = cProfile.Profile()
            self.prof.enable()
        self.t0 = time.perf_counter()

    def stop(self):
        _sync()
        elapsed = time.perf_counter() - self.t0
        if self.kind == "trace":
            self.prof.__exit__(None, None, None)
            self.result = self.prof
        elif self.kind == "cprofile":
            self.prof.disable()
            self.result = self.prof
        else:
            self.result = elapsed


def lamina_run(workload, x, y, probe):
    model = workload.build_keras(lamina, workload.init_weights(np.random.default_rng(0)))
    model.compile(optimizer=lamina.optimizers.Adam(common.LEARNING_RATE,
                                                   epsilon=common.ADAM_EPSILON),
                  loss=workload.loss)

    class Hook(lamina.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                probe.start()

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                probe.stop()

    model.fit(x, y, batch_size=workload.batch_size, epochs=3, verbose=0, callbacks=[Hook()])


def native_run(workload, x_np, y_np, probe):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = workload.build_torch(torch, workload.init_weights(np.random.default_rng(0)))
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=common.LEARNING_RATE,
                                 eps=common.ADAM_EPSILON)
    loss_fn = workload.torch_loss(torch)
    inputs = getattr(workload, "torch_inputs", lambda a: a)
    x = torch.from_numpy(inputs(x_np)).to(device)
    y = torch.from_numpy(y_np.astype("int64") if y_np.dtype.kind == "i" else y_np).to(device)
    n, bs = len(x_np), workload.batch_size
    for epoch in range(3):
        if epoch == 2:
            probe.start()
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total.add_(loss.detach(), alpha=len(idx))
        total.item()
        if epoch == 2:
            probe.stop()


def _site(event):
    """The innermost Python lines above a CUDA runtime call (through its parent ops)."""
    node = event
    while node is not None:
        lines = [line for line in (node.stack or []) if ".py(" in line]
        if lines:
            keep = [line.split("/")[-1] for line in lines
                    if "site-packages/torch" not in line][:3]
            return " <- ".join(keep or [lines[0].split("/")[-1]])
        node = node.cpu_parent
    return "?"


def anatomy(name, run, workload, x, y, steps):
    probe = Probe()
    report = {}
    for kind in ("time", "trace", "cprofile"):
        probe.kind = kind
        run(workload, x, y, probe)
        report[kind] = probe.result
    events = report["trace"].events()
    counts = collections.Counter(e.name for e in events)
    launches = sum(counts[k] for k in LAUNCHES)
    print(f"  {name}: {report['time'] / steps * 1e3:.2f} ms/step, launches "
          f"{launches / steps:.1f}, " + ", ".join(
              f"{k} {counts[k] / steps:.1f}" for k in WATCHED if counts[k]) + " per step")
    sites = collections.Counter((e.name, _site(e)) for e in events if e.name in WATCHED)
    for (kind, site), count in sites.most_common(10):
        print(f"     {count / steps:5.2f}/step {kind:22s} {site[:150]}")
    out = io.StringIO()
    pstats.Stats(report["cprofile"], stream=out).sort_stats("tottime").print_stats(14)
    rows = [line for line in out.getvalue().splitlines() if line.strip()[:1].isdigit()]
    for line in rows[1:15]:
        print("     " + line.replace(os.path.dirname(os.path.dirname(lamina.__file__)), "")[:150])


def main(names):
    for name in names or ["transformer"]:
        workload = importlib.import_module(name).WORKLOAD
        x, y = workload.make_data(SAMPLES, np.random.default_rng(common.SEED))
        steps = -(-SAMPLES // workload.batch_size)
        print(f"== {name}: {steps} steps per epoch, third epoch", flush=True)
        anatomy("lamina", lamina_run, workload, x, y, steps)
        anatomy("native", native_run, workload, x, y, steps)
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])

"""Where lamina's torch training steps spend more than the native loop, per benchmark
workload, on a CUDA machine (bench/gpu.sh, phase ``profile``): for each workload, one
torch.profiler trace of lamina's ``fit`` and one of the native loop (the benchmark's own
code, ``common.run_keras_style`` / ``common.run_torch_native``, 2 epochs of ``STEPS``
steps), and per step: kernel launches, host-device copies, synchronizations, then the
operators whose calls per step differ most between the two. A sync-debug pass lists the
lamina call sites that wait for the device.

Example:
    >>> # LAMINA_BACKEND=torch python bench/gpu_profile.py cnn transformer
"""

import collections
import functools
import importlib
import os
import sys
import traceback
import warnings

import numpy as np
import torch

os.environ.setdefault("LAMINA_BACKEND", "torch")
os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import lamina  # noqa: E402

STEPS = int(os.environ.get("PROFILE_STEPS", 20))
LAUNCHES = ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC")


def _counts(events):
    return {e.key: e.count for e in events}


def profile(workload, run):
    """Per-step totals and per-op call counts of ``run()`` (2 epochs of STEPS steps)."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    activities = [ProfilerActivity.CPU] + (
        [ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    epoch_times = run()[0]  # warm up: compilation, allocator, cuDNN plans
    with torch_profile(activities=activities) as prof:
        run()
    events = prof.key_averages()
    steps = 2 * STEPS
    counts = _counts(events)
    gpu_us = sum(getattr(e, "self_device_time_total", 0) or 0 for e in events
                 if e.device_type == torch.autograd.DeviceType.CUDA)
    totals = {
        "wall_ms": epoch_times[-1] / STEPS * 1e3,  # the second epoch, unprofiled
        "gpu_ms": gpu_us / 1e3 / steps,
        "launches": sum(counts.get(k, 0) for k in LAUNCHES) / steps,
        "memcpy": sum(c for k, c in counts.items() if "Memcpy" in k) / steps,
        "sync": sum(c for k, c in counts.items() if "Synchronize" in k) / steps,
        "cpu_ms": sum(e.self_cpu_time_total for e in events) / 1e3 / steps,
    }
    return totals, counts


def sync_sites(run):
    """The lamina call sites that synchronize with the device during ``run()``."""
    sites = collections.Counter()

    def record(message, category, filename, lineno, file=None, line=None):
        frames = [f for f in traceback.extract_stack()[:-1] if "/lamina/" in f.filename][-4:]
        sites[" <- ".join(f"{f.filename.split('/')[-1]}:{f.lineno}"
                          for f in reversed(frames)) or f"{filename}:{lineno}"] += 1

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = record
        torch.cuda.set_sync_debug_mode("warn")
        try:
            run()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return sites


def python_profile(runs, rows=30):
    """cProfile of each run (2 epochs): the Python functions by their own time."""
    import cProfile
    import pstats

    for impl, run in runs.items():
        profiler = cProfile.Profile()
        profiler.enable()
        run()
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"   python profile {impl}: {stats.total_tt / (2 * STEPS) * 1e3:.3f} ms per step "
              "(profiled, set-up included)")
        stats.sort_stats("tottime").print_stats(rows)


def main(names):
    """Profile each named workload (default: every training workload)."""
    names = names or ["mlp", "cnn", "lstm", "tiny", "transformer"]
    for name in names:
        workload = importlib.import_module(name).WORKLOAD
        n = workload.batch_size * STEPS
        x, y = workload.make_data(n, np.random.default_rng(common.SEED))
        runs = {"lamina": functools.partial(common.run_keras_style, workload, lamina, x, y,
                                            2, 0),
                "native": functools.partial(common.run_torch_native, workload, x, y, 2)}
        results = {impl: profile(workload, run) for impl, run in runs.items()}
        (lt, lc), (nt, nc) = results["lamina"], results["native"]
        print(f"== {name}: per step, lamina / native: "
              + ", ".join(f"{k} {lt[k]:.1f} / {nt[k]:.1f}" for k in lt))
        keys = set(lc) | set(nc)
        diffs = sorted(keys, key=lambda k: -abs(lc.get(k, 0) - nc.get(k, 0)))
        for key in diffs[:25]:
            a, b = lc.get(key, 0) / (2 * STEPS), nc.get(key, 0) / (2 * STEPS)
            if abs(a - b) >= 0.5:
                print(f"   {key[:60]:60s} lamina {a:7.1f}  native {b:7.1f}")
        if os.environ.get("PROFILE_PYTHON"):
            python_profile(runs)
        if torch.cuda.is_available():
            sites = sync_sites(runs["lamina"])
            print(f"   lamina sync sites ({sum(sites.values())} in 2 epochs of {STEPS} steps "
                  "plus set-up):")
            for site, count in sites.most_common(8):
                print(f"   {count:5d}  {site}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Per-step host overhead: lamina's fit() against the native torch loop on tiny shapes.

On a GPU these benchmark models keep the device busy for well under a millisecond per
step, so the loops are bound by host time per step (Python and kernel launches). This
script reproduces that regime on the CPU: the same models with sequences, batch and width
shrunk until the arithmetic is negligible, so the per-step time is the loop's own cost.
Both run in one process, alternating; the first epoch is not timed.

Example:
    >>> # .venv-bench/bin/python bench/overhead.py lstm transformer --rounds 3
"""

import argparse
import os
import statistics
import sys


def shrink(name):
    """The workload ``name`` with its shapes made tiny; returns (workload, samples)."""
    import importlib

    module = importlib.import_module(name)
    workload = module.WORKLOAD
    workload.batch_size = 4
    if name == "lstm":
        module.STEPS, module.FEATURES, module.UNITS = 4, 4, 4
    elif name == "transformer":
        module.SEQ, module.D, module.KEY_DIM, module.FFN = 4, 8, 2, 8
    return workload, 2_000


def main(argv=None):
    """Print lamina's and the native loop's microseconds per step, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ["KERAS_BACKEND"] = os.environ["LAMINA_BACKEND"] = "torch"
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import common
    import numpy as np

    import lamina

    for name in args.workloads:
        workload, samples = shrink(name)
        x, y = workload.make_data(samples, np.random.default_rng(common.SEED))
        steps = -(-samples // workload.batch_size)
        runs = {"lamina": lambda w=workload, x=x, y=y: common.run_keras_style(w, lamina, x, y,
                                                                            3, 0),
                "native": lambda w=workload, x=x, y=y: common.run_torch_native(w, x, y, 3)}
        times = {key: [] for key in runs}
        for round_index in range(args.rounds):
            for key in (list(runs) if round_index % 2 == 0 else list(runs)[::-1]):
                times[key] += list(runs[key]()[0][1:])
        per_step = {key: statistics.median(t) / steps * 1e6 for key, t in times.items()}
        print(f"{name}: lamina {per_step['lamina']:.0f} us/step, native "
              f"{per_step['native']:.0f} us/step, lamina/native speed "
              f"{per_step['native'] / per_step['lamina']:.3f}x", flush=True)


if __name__ == "__main__":
    main()

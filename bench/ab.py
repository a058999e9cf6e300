"""In-process A/B: lamina against the native loop in ONE process, alternating rounds.

``make bench`` runs every implementation in its own process, and on this VM a process's
speed varies by up to ~15% from one start to the next, which hides differences of a few
percent. Running both in one process, alternating which goes first, cancels that: use this
to check whether a change to lamina moves a workload by 1-5% before a full ``make bench``.
It reuses the benchmark's own loops (``common.run_keras_style`` / ``run_*_native``); each
round builds fresh models and its first epoch (compilation) is not timed.

Example:
    >>> # .venv-bench/bin/python bench/ab.py lstm --backend torch --rounds 4
"""

import argparse
import importlib
import os
import statistics
import sys

import numpy as np


def main(argv=None):
    """Parse arguments, run the alternating rounds, print both medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("--backend", choices=("torch", "jax"), default="torch")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3, help="per round; the first untimed")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--against", choices=("native", "keras"), default="native",
                        help="the other implementation (keras: Keras 3 on the same backend)")
    args = parser.parse_args(argv)
    os.environ["KERAS_BACKEND"] = os.environ["LAMINA_BACKEND"] = args.backend
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import common

    import lamina

    workload = importlib.import_module(args.workload).WORKLOAD
    samples = args.samples or workload.default_samples
    x, y = workload.make_data(samples, np.random.default_rng(common.SEED))
    if args.against == "keras":
        import keras

        other = lambda: common.run_keras_style(workload, keras, x, y, args.epochs, 0)  # noqa: E731
    else:
        native = common.run_torch_native if args.backend == "torch" else common.run_jax_native
        other = lambda: native(workload, x, y, args.epochs)  # noqa: E731
    runs = {"lamina": lambda: common.run_keras_style(workload, lamina, x, y, args.epochs, 0),
            args.against: other}
    epoch_times = {name: [] for name in runs}
    for round_index in range(args.rounds):
        order = list(runs) if round_index % 2 == 0 else list(runs)[::-1]
        for name in order:
            times = runs[name]()[0]
            epoch_times[name] += list(times[1:])
    medians = {name: statistics.median(times) for name, times in epoch_times.items()}
    for name, median in medians.items():
        print(f"{args.workload} {name}-{args.backend}: {samples / median:,.0f} samples/s "
              f"(median of {len(epoch_times[name])} epochs)")
    print(f"lamina/{args.against}: {medians[args.against] / medians['lamina']:.3f}x")


if __name__ == "__main__":
    main()

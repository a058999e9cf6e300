"""Where lamina's torch loops wait for the GPU: run fit / predict under
``torch.cuda.set_sync_debug_mode("warn")`` and print each synchronizing call site with its
count per step. Run on a CUDA machine (bench/gpu.sh, phase ``syncs``).

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
        print("no CUDA device: nothing to check")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())

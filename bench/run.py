"""Run every benchmark, one process per (workload, backend, implementation); write BENCHMARKS.md.

Each run is ``python bench/<workload>.py --impl I --backend B`` in a fresh process with
``KERAS_BACKEND`` and ``LAMINA_BACKEND`` set to B, so no library state, compile cache or
allocator carries from one run to the next. The three implementations of one workload and
backend run back to back so they see the same machine conditions. Around every run this
script also measures how much CPU OTHER processes used meanwhile (from /proc/stat, less the
run's own CPU time), because on a shared machine that is what makes numbers noisy.

Raw records go to ``bench/results/latest.json``; the report to ``BENCHMARKS.md``.

Example:
    >>> # .venv-bench/bin/python bench/run.py --workloads tiny mlp --backends torch
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

import report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = ("mlp", "cnn", "lstm", "tiny", "transformer", "predict")
IMPLS = ("lamina", "native", "keras")
BACKENDS = ("torch", "jax")

# (samples, epochs) per workload: the sizes (it names none for the transformer, whose
# Keras run would take minutes at 10,000), and more epochs where an epoch lasts well under a
# second (tiny, predict), so that the median is over more than two.
PLAN = {
    "mlp": (60_000, 3),
    "cnn": (10_000, 3),
    "lstm": (10_000, 3),
    "tiny": (20_000, 5),
    "transformer": (4_096, 3),
    "predict": (60_000, 5),
}
QUICK = {"mlp": (4_096, 2), "cnn": (1_024, 2), "lstm": (512, 2), "tiny": (2_048, 2),
         "transformer": (256, 2), "predict": (4_096, 2)}
RUN_TIMEOUT_S = 300
# Workloads run for more rounds than --repeats: `tiny` measures per-step overhead, so its
# speed swings most with the machine (on JAX, async dispatch hands every step to a second
# thread, which a busy core delays by up to 2x), and one of its runs takes only seconds.
# `mlp`, `lstm` and `predict` are compute-bound and close to the native loop, where the
# VM's process-to-process spread (about +-5-15%) decides the fastest of 5 rounds; their
# runs are short, so 7 rounds cost about 4 minutes more. `transformer` is compute-bound too,
# and on JAX lamina and Keras compile nearly the same program: 7 rounds (about 4 minutes).
MIN_ROUNDS = {"tiny": 7, "mlp": 7, "lstm": 7, "predict": 7, "transformer": 7}


def busy_jiffies():
    """Total non-idle CPU time of the machine so far, in clock ticks (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle


def children_cpu_s():
    """CPU seconds (user + system) used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def thread_env(threads):
    """Environment variables that cap torch's and XLA's CPU thread pools at ``threads``."""
    if not threads:
        return {}
    flags = os.environ.get("XLA_FLAGS", "")
    if threads == 1:
        flags += " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
            "XLA_FLAGS": flags.strip()}


def run_one(python, workload, impl, backend, samples, epochs, threads=None,
            timeout=RUN_TIMEOUT_S):
    """Run one benchmark process; return its record (with an ``error`` on failure)."""
    env = dict(os.environ, KERAS_BACKEND=backend, LAMINA_BACKEND=backend,
               **thread_env(threads))
    command = [python, os.path.join(HERE, f"{workload}.py"), "--impl", impl, "--backend",
               backend, "--epochs", str(epochs), "--samples", str(samples)]
    busy0, own0, t0 = busy_jiffies(), children_cpu_s(), time.perf_counter()
    try:
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as e:
        stdout, stderr, code = e.stdout or "", (e.stderr or "") + "\nTIMEOUT", -1
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
        stderr = stderr.decode() if isinstance(stderr, bytes) else stderr
    wall = time.perf_counter() - t0
    busy1, own1 = busy_jiffies(), children_cpu_s()
    record = None
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            record = json.loads(line[len("RESULT "):])
    if record is None or code != 0:
        record = {"workload": workload, "impl": impl, "backend": backend,
                  "error": "\n".join((stderr or stdout).strip().splitlines()[-40:])
                  or f"exit code {code}"}
    record["process_wall_s"] = round(wall, 2)
    if busy0 is not None and busy1 is not None:
        ticks = os.sysconf("SC_CLK_TCK")
        other = (busy1 - busy0) / ticks - (own1 - own0)
        record["other_cpu_pct"] = round(max(0.0, 100.0 * other / (wall * os.cpu_count())), 1)
    return record


def time_imports(python, repeats=5):
    """Median and min wall time of ``python -c "import X"`` for lamina, keras and torch."""
    cases = [("lamina (torch backend)", "import lamina", {"LAMINA_BACKEND": "torch"}),
             ("lamina (jax backend)", "import lamina", {"LAMINA_BACKEND": "jax"}),
             ("keras 3 (torch backend)", "import keras", {"KERAS_BACKEND": "torch"}),
             ("keras 3 (jax backend)", "import keras", {"KERAS_BACKEND": "jax"}),
             ("torch alone", "import torch", {}),
             ("jax alone", "import jax", {})]
    out = []
    for label, code, extra in cases:
        env = dict(os.environ, **extra)
        subprocess.run([python, "-c", code], env=env, cwd=ROOT, capture_output=True)  # warm
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            done = subprocess.run([python, "-c", code], env=env, cwd=ROOT,
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if done.returncode:
                times = None
                break
        out.append({"label": label, "code": code,
                    "median_s": None if times is None else round(statistics.median(times), 3),
                    "min_s": None if times is None else round(min(times), 3)})
    return out


def machine():
    """CPU model, cores, memory, OS and Python of this machine."""
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory": memory,
            "os": platform.platform(), "python": platform.python_version(), "gpu": gpus()}


def gpus():
    """The CUDA GPUs ``nvidia-smi`` lists (name, memory, driver), or None without one."""
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                               "--format=csv,noheader"], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return "; ".join(names) if done.returncode == 0 and names else None


def library_versions():
    """Installed versions of the libraries compared."""
    out = {}
    for name in ("lamina", "torch", "jax", "jaxlib", "optax", "keras", "numpy"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    if out["lamina"] == "not installed":  # run from a checkout (PYTHONPATH=src)
        try:
            with open(os.path.join(ROOT, "src", "lamina", "__init__.py")) as f:
                found = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
            if found:
                out["lamina"] = found.group(1) + " (source tree)"
        except OSError:
            pass
    return out


def git_revision():
    """The lamina commit measured, with ``+dirty`` when the work tree had changes."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty (uncommitted changes in src/)" if dirty else "")
    except OSError:
        return "?"


def faster(record, other):
    """Whether ``record`` should replace ``other`` as an implementation's kept run."""
    if other is None:
        return True
    if "error" in record:
        return False
    return "error" in other or (record["steady_samples_per_s"]
                                > other["steady_samples_per_s"])


def merge(old, new):
    """``old`` records with those that ``new`` re-ran replaced, in workload order."""
    key = lambda r: (r.get("workload"), r.get("backend"), r.get("impl"))  # noqa: E731
    fresh = {key(r): r for r in new}
    merged = [fresh.pop(key(r), r) for r in old]
    merged += list(fresh.values())
    order = {w: i for i, w in enumerate(WORKLOADS)}
    return sorted(merged, key=lambda r: order.get(r.get("workload"), len(order)))


def describe(record):
    """One progress line for a finished run."""
    name = f"{record['workload']} {record['impl']}-{record['backend']}"
    if "error" in record:
        return f"{name}: FAILED\n{record['error']}"
    return (f"{name}: {record['steady_samples_per_s']:.0f} samples/s, first epoch "
            f"{record['first_epoch_s']:.2f} s, loss {record['final_loss']:.4f}, RSS "
            f"{record['peak_rss_mb']:.0f} MiB, other CPU {record.get('other_cpu_pct', '?')}%")


def main(argv=None):
    """Parse arguments, run the benchmarks, write the JSON records and BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--impls", nargs="+", choices=IMPLS, default=list(IMPLS))
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes: checks that the harness runs, measures nothing")
    parser.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--results", default=os.path.join(HERE, "results", "latest.json"))
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter of the benchmark processes")
    parser.add_argument("--repeats", type=int, default=5,
                        help="run each (workload, backend) round-robin this many times, the "
                        "order reversed every other round, and keep each implementation's "
                        "fastest run (filters out interference and the VM's speed drift)")
    parser.add_argument("--threads", type=int, default=None,
                        help="cap the CPU threads of torch and XLA (default: all cores)")
    parser.add_argument("--exact-rounds", action="store_true",
                        help="run every workload exactly --repeats rounds (no extra rounds "
                        "for tiny)")
    parser.add_argument("--run-timeout", type=float, default=RUN_TIMEOUT_S,
                        help="seconds after which one benchmark process is stopped")
    parser.add_argument("--skip-imports", action="store_true",
                        help="do not time `import` (e.g. on a GPU machine, whose report "
                        "only adds a GPU section to the CPU one)")
    parser.add_argument("--update", action="store_true",
                        help="re-run only the selected runs and merge them into the existing "
                        "results file (keeping its import times), then rewrite the report")
    args = parser.parse_args(argv)
    previous = None
    if args.update and os.path.exists(args.results):
        with open(args.results) as f:
            previous = json.load(f)

    plan = QUICK if args.quick else PLAN
    started = time.time()
    revision = git_revision()  # the code measured; src/ may change while the runs go
    print(f"machine: {machine()}", flush=True)
    if previous:
        imports = previous["meta"]["imports"]
    else:
        imports = [] if args.skip_imports else time_imports(args.python)
    for item in imports:
        print(f"import {item['label']}: median {item['median_s']} s", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    # This run's own file (a later run, e.g. --update into the same results, keeps it).
    partial = f"{args.results}.{int(started)}.partial"
    records = []
    for workload in args.workloads:
        samples, epochs = plan[workload]
        for backend in args.backends:
            best, firsts, peaks, speeds = {}, {}, {}, {}
            rounds = args.repeats if args.quick or args.exact_rounds else max(
                args.repeats, MIN_ROUNDS.get(workload, 0))
            for repeat in range(rounds):
                # Every other round runs the implementations in reverse order, so a machine
                # that slows down (or speeds up) during a round favours none of them.
                order = args.impls if repeat % 2 == 0 else list(reversed(args.impls))
                for impl in order:
                    record = run_one(args.python, workload, impl, backend, samples, epochs,
                                     args.threads, args.run_timeout)
                    record["repeat"] = repeat
                    print(describe(record), flush=True)
                    if faster(record, best.get(impl)):
                        best[impl] = record
                    if "error" not in record:
                        firsts.setdefault(impl, []).append(record["first_epoch_s"])
                        peaks.setdefault(impl, []).append(record["peak_rss_mb"])
                        speeds.setdefault(impl, []).append(record["steady_samples_per_s"])
            for impl in args.impls:
                record = best[impl]
                record["repeats"] = rounds
                if "error" not in record and firsts.get(impl):
                    # The first epoch is filtered like the steady speed: its fastest round
                    # (the kept run's own first epoch stays in first_epoch_kept_run_s).
                    record["first_epoch_kept_run_s"] = record["first_epoch_s"]
                    record["first_epoch_s"] = min(firsts[impl])
                    record["peak_rss_rounds_mb"] = peaks[impl]  # the report takes the median
                    # Every round's steady speed, in round order: the report's spread table.
                    record["steady_rounds"] = speeds[impl]
                records.append(record)
            # What has finished so far, in case the whole run is stopped (a GPU lease ends).
            with open(partial, "w") as f:
                json.dump(records, f)
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "duration_s": round(time.time() - started, 1), "machine": machine(),
            "versions": library_versions(), "revision": revision,
            "revision_end": git_revision(), "plan": plan,
            "quick": args.quick, "imports": imports, "repeats": args.repeats,
            "threads": args.threads,
            "min_rounds": {} if args.quick or args.exact_rounds else MIN_ROUNDS}
    if previous:
        records = merge(previous["records"], records)
        meta["updated"] = previous["meta"].get("updated", []) + [
            {"date": meta["date"], "workloads": args.workloads, "backends": args.backends,
             "impls": args.impls, "revision": revision}]
        for name in ("date", "duration_s", "revision", "revision_end"):
            meta[name] = previous["meta"].get(name)
        if previous["meta"].get("notes"):  # what a session wrote about the earlier runs
            meta["notes"] = previous["meta"]["notes"]
    with open(args.results, "w") as f:
        json.dump({"meta": meta, "records": records}, f, indent=1)
    if os.path.exists(partial):
        os.remove(partial)
    with open(args.output, "w") as f:
        # A CPU run's report carries the last GPU run's section (bench/results/gpu.json).
        f.write(report.render(meta, records, None if meta["machine"].get("gpu")
                              else report.load_gpu()))
    print(f"wrote {args.output} and {args.results} in {meta['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Render BENCHMARKS.md from the records of ``bench/run.py``.

``python bench/report.py`` re-renders BENCHMARKS.md from ``bench/results/latest.json``
without running anything (useful after editing this file).

Example:
    >>> # python bench/report.py bench/results/latest.json BENCHMARKS.md
"""

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMPLS = ("lamina", "native", "keras")
BACKENDS = ("torch", "jax")
NOISY_PCT = 10.0  # other processes' CPU share above which a run is flagged as noisy
UNSTABLE_SPREAD = 1.3  # slowest / fastest timed epoch above which a run is flagged
ISSUE_SAMPLES = {"mlp": 60_000, "cnn": 10_000, "lstm": 10_000, "tiny": 20_000,
                 "transformer": None, "predict": 60_000}
DESCRIPTION = {
    "mlp": "784 -> Dense 512 relu -> Dense 512 relu -> Dense 10 softmax; Adam, batch 128",
    "cnn": "28x28x1 -> Conv 32 -> pool -> Conv 64 -> pool -> Dense 10; Adam, batch 128",
    "lstm": "50x32 sequences -> LSTM 64 -> Dense 1, MSE; Adam, batch 128",
    "tiny": "20 -> Dense 32 relu -> Dense 1 sigmoid; Adam, batch 32 (per-step overhead)",
    "transformer": "tokens (64) -> Embedding 128 -> 2 encoder blocks (4 heads, FFN 256) -> "
                   "Dense 10; Adam, batch 32",
    "predict": "inference with the mlp, batch 128 (one 'epoch' = one predict pass)",
}


def _extra_rounds_sentence(meta):
    """" `a` and `b` ran N rounds ..." for workloads given more rounds than the others."""
    extra = {w: n for w, n in meta.get("min_rounds", {}).items() if n > meta["repeats"]}
    if not extra:
        return ""
    names = ", ".join(f"`{w}` ({n})" for w, n in extra.items())
    return (f" More rounds for {names}: their runs are short, and the VM's "
            "process-to-process spread (about +-5-15%; most on `tiny`, whose per-step "
            "speed swings with the machine's load) decides which round is fastest where "
            "lamina and the native loop run at about the same speed.")


def peak_rss(record):
    """A run's peak RSS in MiB: the median over its rounds where they were recorded (the
    same code's peak varies by tens of MiB from one process to the next), else the kept
    run's own."""
    rounds = record.get("peak_rss_rounds_mb")
    return statistics.median(rounds) if rounds else record["peak_rss_mb"]


def _find(records, workload, backend, impl):
    for record in records:
        if (record.get("workload"), record.get("backend"), record.get("impl")) == (
                workload, backend, impl):
            return record
    return None


def _ok(record):
    return record is not None and "error" not in record


def _ratio(a, b):
    if not (_ok(a) and _ok(b)) or not b["steady_samples_per_s"]:
        return None
    return a["steady_samples_per_s"] / b["steady_samples_per_s"]


def _fmt_ratio(value, target=None):
    if value is None:
        return "n/a"
    text = f"{value:.2f}x"
    if target is not None and value < target:
        return f"**{text}**"
    return text


def _fmt_num(value, digits=0):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _workloads(records):
    seen = []
    for record in records:
        if record.get("workload") not in seen:
            seen.append(record.get("workload"))
    return seen


def _summary(records, workloads):
    lines = ["| workload | torch: lamina/native | torch: lamina/keras "
             "| jax: lamina/native | jax: lamina/keras |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for workload in workloads:
        cells = []
        for backend in BACKENDS:
            lamina = _find(records, workload, backend, "lamina")
            cells.append(_fmt_ratio(_ratio(lamina, _find(records, workload, backend, "native")),
                                    0.95))
            cells.append(_fmt_ratio(_ratio(lamina, _find(records, workload, backend, "keras")),
                                    1.0))
        lines.append(f"| {workload} | " + " | ".join(cells) + " |")
    return lines


def _acceptance(meta, records, workloads):
    """The issue's acceptance criteria, each checked against this run's numbers."""
    lines = []

    def check(label, failures, missing):
        status = "PASS" if not failures and not missing else (
            "FAIL" if failures else "INCOMPLETE")
        text = f"- **{status}** {label}"
        if failures:
            text += ": " + "; ".join(failures)
        if missing:
            text += " (not measured: " + ", ".join(missing) + ")"
        lines.append(text)

    fails, missing = [], []
    for workload in workloads:
        for backend in BACKENDS:
            r = _ratio(_find(records, workload, backend, "lamina"),
                       _find(records, workload, backend, "native"))
            if r is None:
                missing.append(f"{workload}/{backend}")
            elif r < 1.0:
                fails.append(f"{workload}/{backend} {r:.3f}x" + (" (< 0.95: a bug)"
                                                                    if r < 0.95 else ""))
    check("lamina >= 1.0x native steady-state samples/s on every workload and backend",
          fails, missing)

    fails, missing = [], []
    for workload in ("tiny", "mlp"):
        if workload not in workloads:
            continue
        r = _ratio(_find(records, workload, "torch", "lamina"),
                   _find(records, workload, "torch", "keras"))
        if r is None:
            missing.append(workload)
        elif r < 2.0:
            fails.append(f"{workload} {r:.2f}x")
    check("lamina-torch >= 2x Keras 3 on torch on tiny and mlp", fails, missing)

    fails, missing = [], []
    for workload in workloads:
        for backend in BACKENDS:
            r = _ratio(_find(records, workload, backend, "lamina"),
                       _find(records, workload, backend, "keras"))
            if r is None:
                missing.append(f"{workload}/{backend}")
            elif r < 1.0:
                fails.append(f"{workload}/{backend} {r:.2f}x")
    check("lamina >= Keras 3 on each backend on every workload", fails, missing)

    fails, missing = [], []
    for workload in workloads:
        lamina = _find(records, workload, "jax", "lamina")
        keras = _find(records, workload, "jax", "keras")
        if not (_ok(lamina) and _ok(keras)):
            missing.append(workload)
        elif lamina["first_epoch_s"] > keras["first_epoch_s"]:
            fails.append(f"{workload} {lamina['first_epoch_s']:.2f} s vs "
                         f"{keras['first_epoch_s']:.2f} s")
    check("lamina's first epoch (compilation included) no slower than Keras 3's on JAX",
          fails, missing)

    fails, missing = [], []
    for workload in workloads:
        for backend in BACKENDS:
            lamina = _find(records, workload, backend, "lamina")
            keras = _find(records, workload, backend, "keras")
            if not (_ok(lamina) and _ok(keras)):
                missing.append(f"{workload}/{backend}")
            elif peak_rss(lamina) > peak_rss(keras):
                fails.append(f"{workload}/{backend} {peak_rss(lamina):.0f} MiB vs "
                             f"{peak_rss(keras):.0f} MiB")
    check("lamina's peak RSS no higher than Keras 3's (same workload and backend)",
          fails, missing)

    lamina_import = next((i for i in meta.get("imports", [])
                          if i["label"] == "lamina (torch backend)"), None)
    if lamina_import is None or lamina_import["median_s"] is None:
        check("`python -c \"import lamina\"` under 1.0 s with torch as backend", [],
              ["import time"])
    else:
        t = lamina_import["median_s"]
        check("`python -c \"import lamina\"` under 1.0 s with torch as backend",
              [] if t < 1.0 else [f"median {t:.2f} s"], [])
    lines.append("- Not measured by `make bench`: mixed-precision accuracy on the digits demo "
                 "and the fast-path-equals-eager-step test (both live in the test suite).")
    return lines


def _rounds_section(records, workloads):
    """Each implementation's spread over its rounds and lamina/native as the ratio of the
    fastest rounds (what the tables keep) beside the ratio of the median rounds: where the
    two disagree on a verdict, the VM's process-to-process spread decided it."""
    rows = []
    for workload in workloads:
        for backend in BACKENDS:
            lamina = _find(records, workload, backend, "lamina")
            native = _find(records, workload, backend, "native")
            if not (_ok(lamina) and _ok(native)) or not (
                    lamina.get("steady_rounds") and native.get("steady_rounds")):
                continue
            spans = []
            for record in (lamina, native):
                speeds = record["steady_rounds"]
                spans.append(f"{_fmt_num(min(speeds))} / {_fmt_num(statistics.median(speeds))}"
                             f" / {_fmt_num(max(speeds))}")
            median_ratio = (statistics.median(lamina["steady_rounds"])
                            / statistics.median(native["steady_rounds"]))
            rows.append(f"| {workload} | {backend} | {len(lamina['steady_rounds'])} | "
                        f"{spans[0]} | {spans[1]} | {_fmt_ratio(_ratio(lamina, native))} | "
                        f"{_fmt_ratio(median_ratio)} |")
    if not rows:
        return []
    return ["## Round to round", "",
            "Each implementation's steady samples/s over its rounds (slowest / median / "
            "fastest; each round is a fresh process) and lamina/native computed from the "
            "fastest rounds (the tables above) and from the median rounds. Where the two "
            "disagree about a threshold, the VM's process-to-process spread decided it, not "
            "the code; `bench/ab.py` runs both loops in one process, alternating, for a "
            "comparison free of that spread.", "",
            "| workload | backend | rounds | lamina slowest / median / fastest "
            "| native slowest / median / fastest | ratio of fastest | ratio of medians |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"] + rows + [""]


def _workload_table(records, workload):
    lines = ["| backend | impl | samples/s | lamina/native | lamina/keras | first epoch (s) "
             "| peak RSS (MiB) | final loss | epoch spread | other CPU | load avg start -> end |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for backend in BACKENDS:
        lamina = _find(records, workload, backend, "lamina")
        for impl in IMPLS:
            record = _find(records, workload, backend, impl)
            if record is None:
                continue
            if "error" in record:
                lines.append(f"| {backend} | {impl} | FAILED (see Failures) | | | | | | | | |")
                continue
            vs_native = vs_keras = ""
            if impl == "lamina":
                vs_native = _fmt_ratio(_ratio(lamina, _find(records, workload, backend,
                                                             "native")), 0.95)
                vs_keras = _fmt_ratio(_ratio(lamina, _find(records, workload, backend,
                                                           "keras")), 1.0)
            if record.get("output_checksum") is not None:
                loss = f"checksum {record['output_checksum']:.4f}"
            else:
                loss = _fmt_num(record.get("final_loss"), 4)
            other = record.get("other_cpu_pct")
            other = "?" if other is None else f"{other:.0f}%"
            start, end = record.get("loadavg_start"), record.get("loadavg_end")
            load = f"{start[0]:.2f} -> {end[0]:.2f}" if start and end else "?"
            spread = record.get("epoch_spread")
            spread = "?" if spread is None else (
                f"**{spread:.2f}**" if spread > UNSTABLE_SPREAD else f"{spread:.2f}")
            lines.append(
                f"| {backend} | {impl} | {_fmt_num(record['steady_samples_per_s'])} | "
                f"{vs_native} | {vs_keras} | {record['first_epoch_s']:.2f} | "
                f"{peak_rss(record):.0f} | {loss} | {spread} | {other} | {load} |")
    return lines


def _load_section(records):
    good = [r for r in records if "other_cpu_pct" in r]
    lines = []
    if not good:
        return ["Other processes' CPU use was not measured (no /proc/stat)."]
    shares = [r["other_cpu_pct"] for r in good]
    noisy = [r for r in good if r["other_cpu_pct"] > NOISY_PCT]
    starts = [r["loadavg_start"][0] for r in good if r.get("loadavg_start")]
    median = statistics.median(shares)
    lines.append(f"While the runs went, other processes used a median {median:.0f}% "
                 f"and at most {max(shares):.0f}% of the machine's CPU (measured per run from "
                 "/proc/stat, less the run's own CPU time). The 1-minute load average at the "
                 f"start of a run ranged {min(starts):.2f} - {max(starts):.2f} on "
                 "this 2-core machine (it includes the tail of the previous benchmark run).")
    if noisy:
        lines.append("")
        lines.append(f"**The machine was shared during this run: {len(noisy)} of {len(good)} runs "
                     f"saw other processes take more than {NOISY_PCT:.0f}% of the CPU** "
                     "(other sessions were running test suites). Their samples/s are lower than "
                     "on a quiet machine, and ratios between runs that saw different load "
                     "are uncertain by tens of percent: "
                     + ", ".join(f"{r['workload']} {r['impl']}-{r['backend']} "
                                 f"({r['other_cpu_pct']:.0f}%)" for r in noisy) + ".")
    unstable = [r for r in records if r.get("epoch_spread", 1.0) > UNSTABLE_SPREAD]
    if unstable:
        runs = f"{len(unstable)} run{'s' if len(unstable) > 1 else ''}"
        lines += ["", f"{runs} had timed epochs differing by more than "
                  f"{UNSTABLE_SPREAD:.1f}x (\"epoch spread\" in the tables; a quiet machine "
                  "gives about 1.05): "
                  + ", ".join(f"{r['workload']} {r['impl']}-{r['backend']} "
                              f"({r['epoch_spread']:.1f}x)" for r in unstable) + "."]
    if not noisy:
        return lines
    lines += ["", "Why a shared 2-core machine hurts torch this much: its OpenMP pool splits "
              "ops across both cores; when another process holds one core, a parallel op "
              "waits for the descheduled thread, so steps that take microseconds alone take "
              "a scheduler time slice. Measured here under such load with the native torch "
              "loop: an epoch of tiny or mlp varied by up to 35x between runs with two threads, "
              "and by under 10% with `--threads 1` (`make bench BENCH_ARGS=\"--threads 1\"`)."
              " The JAX runs varied far less."]
    return lines


def device_line(meta):
    """The "Device" line of a run's machine description."""
    gpu = meta["machine"].get("gpu")
    if gpu:
        return (f"- Device: GPU ({gpu}); each run's own device is in "
                "`bench/results/*.json` (`device`).")
    return "- Device: CPU only (see the GPU section)."


def _gpu_section(gpu):
    """The GPU section: the summary and per-workload tables of a run on a GPU machine."""
    if gpu is None:
        return ["## GPU: no GPU was measured", "",
                "This run had no GPU: every number above is on the CPU named at the top. "
                "When `make bench` runs on a machine with a CUDA GPU, the native PyTorch loop "
                "places its tensors on it; the GPU table belongs here.", ""]
    meta, records = gpu["meta"], gpu["records"]
    m, v = meta["machine"], meta["versions"]
    workloads = _workloads(records)
    devices = sorted({r.get("device", "?") for r in records if "error" not in r})
    out = [f"## GPU: {m.get('gpu') or 'unknown'}", "",
           f"A separate run of `bench/run.py` ({meta.get('repeats', 1)} round"
           f"{'s' if meta.get('repeats', 1) > 1 else ''} per implementation, fastest kept) on "
           f"a lent GPU machine on {meta['date']}, revision {meta['revision']}, "
           f"{meta['duration_s'] / 60:.1f} minutes; results in `bench/results/gpu.json`. "
           "Same workloads, sizes and code as above; every implementation uses its engine's "
           "defaults on the GPU (torch: TF32 off for matrix products, on for cuDNN "
           "convolutions; XLA: its default float32 precision).", "",
           f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} memory; {m['os']}; "
           f"Python {m['python']}",
           f"- torch {v['torch']}, jax {v['jax']} (jaxlib {v['jaxlib']}), optax {v['optax']}, "
           f"keras {v['keras']}, numpy {v['numpy']}",
           f"- Devices the runs computed on: {', '.join(devices) or 'none'}", ""]
    for update in meta.get("updated", []):
        out += [f"Re-run on {update['date']} at revision {update.get('revision', '?')} and "
                f"merged: {', '.join(update['workloads'])} on {', '.join(update['backends'])} "
                f"({', '.join(update['impls'])}).", ""]
    out += [
           "The issue's acceptance criteria are read on the CPU run above; on the GPU these "
           "workloads are small (a step takes well under a millisecond of GPU time), so they "
           "measure the per-step overhead of each loop.", ""]
    out += _summary(records, workloads) + [""]
    for note in meta.get("notes", []):  # what the session that ran it found
        out += [note, ""]
    for workload in workloads:
        samples, epochs = meta["plan"][workload]
        out += [f"### {workload} (GPU)", "", f"{samples:,} samples, {epochs} epochs.", ""]
        out += _workload_table(records, workload) + [""]
    failures = [r for r in records if "error" in r]
    for r in failures:
        out += [f"#### Failed on the GPU: {r['workload']} {r['impl']}-{r['backend']}", "",
                "```", r["error"], "```", ""]
    return out


def render(meta, records, gpu=None):
    """The text of BENCHMARKS.md; ``gpu`` (a GPU run's results) fills the GPU section."""
    workloads = _workloads(records)
    m, v = meta["machine"], meta["versions"]
    plan = meta["plan"]
    out = ["# Benchmarks", ""]
    out.append(f"Written by `make bench` (`bench/run.py`) on {meta['date']}, in "
               f"{meta['duration_s'] / 60:.1f} minutes. Do not edit by hand: rerun `make bench`.")
    for update in meta.get("updated", []):
        out += ["", f"Re-run on {update['date']} (`--update`, revision "
                f"{update.get('revision', '?')}) and merged into this report: "
                f"{', '.join(update['workloads'])} on {', '.join(update['backends'])} "
                f"({', '.join(update['impls'])})."]
    if meta.get("repeats", 1) > 1:
        out += ["", f"Each implementation ran {meta['repeats']} times round-robin (every other "
                "round in reverse order, so the VM's speed drift favours no implementation); "
                "the tables keep its fastest run."
                + _extra_rounds_sentence(meta)]
    if meta.get("threads"):
        out += ["", f"CPU threads of torch and XLA capped at {meta['threads']} "
                "(`--threads`)."]
    if meta.get("quick"):
        out += ["", "**QUICK RUN (`--quick`): tiny sizes, for checking the harness only; "
                "these numbers measure nothing.**"]
    out += ["", "## Machine and versions", "",
            f"- CPU: {m['cpu']}, {m['cores']} cores, {m['memory']} memory; {m['os']}; "
            f"Python {m['python']}",
            f"- lamina {v['lamina']} at revision {meta['revision']}"
            + (f" (at the end of the run: {meta['revision_end']})"
               if meta.get("revision_end") not in (None, meta["revision"]) else ""),
            f"- torch {v['torch']}, jax {v['jax']} (jaxlib {v['jaxlib']}), optax {v['optax']}, "
            f"keras {v['keras']}, numpy {v['numpy']}",
            device_line(meta), ""]
    out += ["## What is measured", "",
            "Every workload runs three implementations on each backend, each in its own "
            "process: **lamina** (`model.fit` / `model.predict`), **native** (a hand-written "
            "loop on the same engine: idiomatic PyTorch with pre-made tensors, an `nn.Module`, "
            "`torch.optim.Adam` with its default implementation, `zero_grad/backward/step` and "
            "`randperm` index shuffling per epoch; idiomatic JAX with one `jax.jit`-ed optax "
            "Adam step that donates the parameter and optimizer buffers and gathers the batch "
            "on device from pre-made device arrays) and **keras** (Keras 3 on the same engine, "
            "same code as lamina with `import keras`). Same NumPy data (fixed seed), same "
            "initial weights, same model, Adam (learning rate 1e-3, epsilon 1e-7) and batch "
            "size; lamina and Keras use `verbose=0` and default `compile()` settings. The "
            "native loops compute the loss from logits (`cross_entropy`, "
            "`*_with_logits`), as users of those libraries do.", "",
            "- **samples/s**: steady state, the median over the epochs after the first.",
            "- **first epoch**: from the start of training (`fit()`, or the native loop "
            "including its conversion of the NumPy arrays to tensors) to the end of epoch 1: "
            "compilation included. For `predict`, the first pass. With several rounds, the "
            "fastest round's first epoch (filtered like the steady speed).",
            "- **peak RSS**: `ru_maxrss` of the benchmark process at its end (data included, "
            "identical for the three); with several rounds, the median over the rounds (the "
            "same code's peak varies by tens of MiB between processes, so the fastest run's "
            "own peak would be a draw).",
            "- **final loss**: the last epoch's mean training loss; the three implementations "
            "start from the same weights, so they must land close together (they differ by "
            "shuffling order and rounding). For `predict`, a checksum of the outputs (the mean "
            "predicted class index), which must agree to about 4 decimals.",
            "- **other CPU**: the share of the machine's CPU that OTHER processes used during "
            "the run: the noise level. **epoch spread**: slowest over fastest timed epoch.",
            "",
            "The native PyTorch loop uses `torch.optim.Adam`'s default implementation (on CPU "
            "the per-tensor loop), as most PyTorch code does. `fused=True` is faster: "
            "measured single-threaded on this machine, 1.4x on tiny and 1.3x on mlp for the "
            "whole native loop; `BENCH_TORCH_ADAM=fused make bench` uses it.", "",
            "On JAX, lamina's `fit()` runs 16 steps per compiled call from the second epoch "
            "on when the first epoch's steps took under 0.5 ms (here: `tiny`), as "
            "`steps_per_execution=16` would; the second epoch compiles that function, so "
            "its epoch spread is large, while the median over the timed epochs is not "
            "affected.", ""]
    sizes = []
    for workload in workloads:
        samples, epochs = plan[workload]
        issue = "" if meta.get("quick") else _size_note(workload, samples)
        sizes.append(f"- `{workload}`: {DESCRIPTION.get(workload, workload)}; {samples:,} samples, "
                     f"{epochs} epochs (1 warm-up + {epochs - 1} timed){issue}")
    out += ["Sizes:", ""] + sizes + [""]
    out += ["## Machine load during this run", ""] + _load_section(records) + [""]
    out += ["## Summary: lamina's speed ratios", "",
            "Steady-state samples/s of lamina divided by that of the native loop and of "
            "Keras 3 on the same backend (bold: below 0.95x native, or below 1.0x Keras).", ""]
    out += _summary(records, workloads) + [""]
    out += ["## Acceptance criteria of issue 5, checked on this run", ""]
    out += _acceptance(meta, records, workloads) + [""]
    out += _rounds_section(records, workloads)
    out += ["## Per workload", ""]
    for workload in workloads:
        samples, epochs = plan[workload]
        out += [f"### {workload}", "",
                f"{DESCRIPTION.get(workload, workload)}. {samples:,} samples, {epochs} epochs.", ""]
        out += _workload_table(records, workload) + [""]
    out += ["## `import` time", "",
            "Wall time of `python -c \"import X\"` in a fresh process (5 runs after one "
            "warm-up run).", "", "| what | median (s) | min (s) |", "| --- | ---: | ---: |"]
    for item in meta.get("imports", []):
        median = "failed" if item["median_s"] is None else f"{item['median_s']:.2f}"
        least = "failed" if item["min_s"] is None else f"{item['min_s']:.2f}"
        out.append(f"| {item['label']} | {median} | {least} |")
    out.append("")
    failures = [r for r in records if "error" in r]
    if failures:
        out += ["## Failures", ""]
        for r in failures:
            out += [f"### {r['workload']} {r['impl']}-{r['backend']}", "", "```",
                    r["error"], "```", ""]
    if not meta["machine"].get("gpu"):
        out += _gpu_section(gpu)
    out += ["## Reproduce", "", "```",
            "make bench    # everything: ~7 min on a quiet 2-core CPU, 15+ when shared",
            "make bench BENCH_ARGS=\"--workloads tiny mlp --backends torch\"",
            ".venv-bench/bin/python bench/mlp.py --impl lamina --backend jax --epochs 3",
            "```", ""]
    return "\n".join(out)


def _size_note(workload, samples):
    """A note when the sample count differs from the issue's."""
    issue = ISSUE_SAMPLES.get(workload)
    if issue is None:
        return " (the issue names no size)"
    if issue != samples:
        return (f" (**reduced from the issue's {issue:,}** to keep `make bench` short; "
                "samples/s is per sample, so still comparable)")
    return ""


def load_gpu(path=os.path.join(HERE, "results", "gpu.json")):
    """The records of the last GPU run (copied here from the GPU machine), or None."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def main(argv=None):
    """Re-render BENCHMARKS.md from a results file."""
    argv = sys.argv[1:] if argv is None else argv
    source = argv[0] if argv else os.path.join(HERE, "results", "latest.json")
    target = argv[1] if len(argv) > 1 else os.path.join(ROOT, "BENCHMARKS.md")
    with open(source) as f:
        data = json.load(f)
    with open(target, "w") as f:
        f.write(render(data["meta"], data["records"], load_gpu()))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Side-by-side benchmark: classify vs scikit-learn and fastText.

usage: python3 bench/run.py DATASETS [--out BENCHMARKS.md] [--repeat 3]
                            [--datasets bbc,agnews,...] [--skip-baselines] [--big-gb 1]

DATASETS is the folder holding bbc/, agnews/, 20newsgroups/, newsmtsc/ and
allsides/ (../shared/datasets here). For each dataset it trains classify
with its defaults (no per-dataset options), evaluates it on the test split,
times labeling the test split as a JSON Lines stream on one core
(taskset -c 0) and on all cores, and runs ../shared/bench/baselines.py
(found beside DATASETS, as ../shared/bench/baselines.py; scikit-learn and fastText; one system per process so each peak memory is
its own) on the same split. Python packages go into a virtual environment
under target/bench-venv. Times are medians of --repeat runs, wall clock,
whole processes for classify (reading, model load and writing included),
and in-process label throughput (the same minus a one-document run: process
start and model load). Also: a 1 GB JSON Lines stream's peak memory, model
loading, and the issue-10 targets as met or not. Writes BENCHMARKS.md. Not
run in CI.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "classify")
VENV = os.path.join(ROOT, "target", "bench-venv")
WORK = os.path.join(ROOT, "target", "bench")

DATASETS = [
    # name, train file, test file, label field
    ("bbc", "bbc/train.jsonl", "bbc/test.jsonl", "label"),
    ("agnews", "agnews/train.jsonl", "agnews/test.jsonl", "label"),
    ("20newsgroups", "20newsgroups/train.jsonl", "20newsgroups/test.jsonl", "label"),
    ("newsmtsc", "newsmtsc/train.jsonl", "newsmtsc/test.jsonl", "label"),
    ("allsides", "allsides/train.jsonl", "allsides/test.jsonl", "bias"),
]
SYSTEMS = [
    "sklearn-tfidf-logreg", "sklearn-tfidf12-logreg", "sklearn-tfidf-linearsvc",
    "sklearn-tfidf12-linearsvc", "sklearn-tfidf-complementnb",
    "fasttext-uni", "fasttext-bi", "fasttext-bi-e25",
]


def run_timed(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time (for its peak memory); returns (wall
    seconds, measured here to the microsecond, peak MB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + cmd
        t0 = time.perf_counter()
        out = subprocess.run(full, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, check=False)
        secs = time.perf_counter() - t0
        if out.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stderr.decode()[-2000:]}")
        kb = tf.read().split()[-1]
        return secs, int(kb) / 1024, out.stdout


def median_run(cmd, repeat, **kw):
    runs = [run_timed(cmd, **kw) for _ in range(repeat)]
    secs = statistics.median(r[0] for r in runs)
    mem = max(r[1] for r in runs)
    return secs, mem, runs[-1][2]


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    probe = subprocess.run([py, "-c", "import sklearn, fasttext"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "-q", "scikit-learn", "fasttext-numpy2"], check=True)
    return py


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def bench_classify(name, train, test, label, repeat, cores):
    os.makedirs(WORK, exist_ok=True)
    model = os.path.join(WORK, f"{name}.model")
    train_s, train_mb, _ = median_run([BIN, "train", train, "--label", label, "--out", model, "-q", "--force"], repeat)
    _, _, out = run_timed([BIN, "eval", test, "--model", model, "--label", label, "--format", "json", "-q"],
                          stdout=subprocess.PIPE)
    head = json.loads(out)["heads"][0]
    size = os.path.getsize(test)
    docs = sum(1 for _ in open(test, encoding="utf-8"))
    label_cmd = [BIN, "label", "--jsonl", "--format", "jsonl", "--model", model]
    one_s, one_mb, _ = median_run(["taskset", "-c", "0"] + label_cmd + [test], repeat)
    all_s, all_mb, _ = median_run(label_cmd + [test], repeat)
    # What a run costs before and after the work: process start, model
    # load, reading and writing one document. In-process throughput is the
    # test file's bytes over the rest.
    first = os.path.join(WORK, f"{name}.first.jsonl")
    with open(test, encoding="utf-8") as f, open(first, "w", encoding="utf-8") as out:
        out.write(f.readline())
    start_1, _, _ = median_run(["taskset", "-c", "0"] + label_cmd + [first], max(repeat, 5))
    start_all, _, _ = median_run(label_cmd + [first], max(repeat, 5))
    return {
        "system": "classify", "accuracy": head["accuracy"], "macro_f1": head["macro_f1"],
        "fit_s": train_s, "train_peak_mb": train_mb,
        "label_s_1core": one_s, "label_s": all_s, "label_peak_mb": max(one_mb, all_mb),
        "docs_per_s": docs / all_s, "mb_per_s_1core": size / 1e6 / one_s, "mb_per_s": size / 1e6 / all_s,
        "start_s_1core": start_1, "start_s": start_all,
        "mb_per_s_1core_in": size / 1e6 / max(one_s - start_1, 1e-9),
        "mb_per_s_in": size / 1e6 / max(all_s - start_all, 1e-9),
        "test_mb": size / 1e6, "test_docs": docs,
    }


def bench_baselines(py, script, train, test, label, systems):
    rows = []
    for system in systems:
        out = subprocess.run([py, script, train, test, label, "--systems", system],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"bench: {system} failed: {out.stderr[-500:]}", file=sys.stderr)
            continue
        row = json.loads(out.stdout.strip().splitlines()[-1])
        size = os.path.getsize(test)
        row["mb_per_s"] = size / 1e6 / max(row["predict_s"], 1e-9)
        rows.append(row)
    return rows


def big_stream(test, gb):
    """Peak memory of labeling a JSON Lines stream of about `gb` GB."""
    model = os.path.join(WORK, "20newsgroups.model")
    with open(test, "rb") as f:
        chunk = f.read()
    reps = max(1, int(gb * 1e9 / len(chunk)))
    label = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", BIN, "label", "--jsonl", "--format", "jsonl",
                              "--model", model, "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    for _ in range(reps):
        label.stdin.write(chunk)
    label.stdin.close()
    err = label.stderr.read().decode()
    label.wait()
    secs, kb = err.split()[-2:]
    return {"bytes": reps * len(chunk), "seconds": float(secs), "peak_mb": int(kb) / 1024}


def process_ms(cmd, repeat):
    """Median wall time of a whole process, in ms."""
    times = []
    for _ in range(max(repeat, 9)):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def model_load_ms(repeat):
    """Whole-process times of labeling one short document: with the shipped
    model, with the 20newsgroups model if it was trained, and of `classify
    --version` (process start alone)."""
    text = "The senate voted on the budget after a long debate about schools."
    doc = os.path.join(WORK, "one.txt")
    with open(doc, "w", encoding="utf-8") as f:
        f.write(text)
    out = {"start": process_ms([BIN, "--version"], repeat),
           "shipped": process_ms([BIN, "label", doc, "-q"], repeat)}
    big = os.path.join(WORK, "20newsgroups.model")
    if os.path.exists(big):
        out["20newsgroups"] = process_ms([BIN, "label", "--model", big, doc, "-q"], repeat)
    return out


def fmt(x, digits=3):
    return f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("datasets")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--datasets", dest="only", default="")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--big-gb", type=float, default=1.0)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    py = None if a.skip_baselines else ensure_venv()
    chosen = [d for d in DATASETS if not a.only or d[0] in a.only.split(",")]
    results = {}
    for name, train, test, label in chosen:
        train, test = os.path.join(a.datasets, train), os.path.join(a.datasets, test)
        print(f"bench: {name}: classify", file=sys.stderr)
        mine = bench_classify(name, train, test, label, a.repeat, os.cpu_count())
        script = os.path.join(os.path.dirname(os.path.abspath(a.datasets)), "bench", "baselines.py")
        peers = [] if py is None else bench_baselines(py, script, train, test, label, a.systems.split(","))
        results[name] = (mine, peers)
        print(f"bench: {name}: classify acc {mine['accuracy']:.3f} fit {mine['fit_s']:.2f}s; "
              + ", ".join(f"{p['system']} {p['accuracy']:.3f} {p['fit_s']:.2f}s" for p in peers), file=sys.stderr)
    big = None
    if a.big_gb > 0 and "20newsgroups" in results:
        print("bench: 1 GB stream", file=sys.stderr)
        big = big_stream(os.path.join(a.datasets, "20newsgroups/test.jsonl"), a.big_gb)
    load_ms = model_load_ms(a.repeat)

    lines = ["# Benchmarks: classify beside scikit-learn and fastText", ""]
    lines.append(f"Generated by `python3 bench/run.py {a.datasets}` on {datetime.date.today().isoformat()}; "
                 f"machine: {machine()}.")
    lines.append("")
    lines.append("Each dataset: train on `train.jsonl`, evaluate on `test.jsonl`, same label field for every "
                 "system. classify runs with its defaults (no per-dataset options). classify times are whole "
                 f"processes (reading JSONL, model load and write included), medians of {a.repeat} runs; "
                 "peer times are the in-process `fit` and `predict` of ../shared/bench/baselines.py. Label "
                 "throughput is over the test file's bytes; classify streams it with `classify label --jsonl`.")
    lines.append("")
    speed_rows = []
    for name, (mine, peers) in results.items():
        lines.append(f"## {name}")
        lines.append("")
        lines.append("| system | accuracy | macro-F1 | train s | label s | docs/s | MB/s | peak MB |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        lines.append(f"| **classify** | **{fmt(mine['accuracy'])}** | **{fmt(mine['macro_f1'])}** | "
                     f"{fmt(mine['fit_s'], 2)} | {fmt(mine['label_s'], 2)} (1 core {fmt(mine['label_s_1core'], 2)}) | "
                     f"{mine['docs_per_s']:.0f} | {fmt(mine['mb_per_s'], 1)} (1 core {fmt(mine['mb_per_s_1core'], 1)}) | "
                     f"train {mine['train_peak_mb']:.0f}, label {mine['label_peak_mb']:.0f} |")
        speed_rows.append((name, mine))
        for p in peers:
            lines.append(f"| {p['system']} | {fmt(p['accuracy'])} | {fmt(p['macro_f1'])} | {fmt(p['fit_s'], 2)} | "
                         f"{fmt(p['predict_s'], 2)} | {p['predict_docs_per_s']:.0f} | {fmt(p['mb_per_s'], 1)} | "
                         f"{p['peak_rss_mb']:.0f} |")
        if peers:
            best = max(peers, key=lambda p: p["accuracy"])
            best_f1 = max(peers, key=lambda p: p["macro_f1"])
            fastest = min(peers, key=lambda p: p["fit_s"])
            same = [p for p in peers if p["system"] == "sklearn-tfidf12-linearsvc"]
            lines.append("")
            lines.append(f"Ratios classify/peer: accuracy {fmt(mine['accuracy'] / best['accuracy'])} vs best "
                         f"({best['system']}), macro-F1 {fmt(mine['macro_f1'] / best_f1['macro_f1'])} vs best "
                         f"({best_f1['system']}); train time {fmt(mine['fit_s'] / fastest['fit_s'], 2)}x the fastest "
                         f"fit ({fastest['system']})"
                         + (f", {fmt(mine['fit_s'] / same[0]['fit_s'], 2)}x sklearn TF-IDF 1-2gram + LinearSVC"
                            if same else "") + ".")
        lines.append("")
    if big:
        lines.append("## Streaming a large JSON Lines input")
        lines.append("")
        lines.append(f"`classify label --jsonl -` on {big['bytes'] / 1e9:.2f} GB (20newsgroups test repeated): "
                     f"{big['seconds']:.1f} s, {big['bytes'] / 1e6 / big['seconds']:.1f} MB/s, peak memory "
                     f"{big['peak_mb']:.0f} MB.")
        lines.append("")
    lines.append("## Label throughput")
    lines.append("")
    lines.append("`classify label --jsonl --format jsonl --model DATASET.model test.jsonl`, MB of the test file per "
                 "second. Whole process: the wall time of the run. In-process: the same minus a run on the test "
                 "file's first line alone (process start, model load, one document), which leaves reading, "
                 "cleaning, vectorizing, predicting and writing.")
    lines.append("")
    lines.append("| dataset | MB | 1 core, whole | 1 core, in-process | all cores, whole | all cores, in-process | start + load (1 core / all) |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for name, mine in speed_rows:
        lines.append(f"| {name} | {mine['test_mb']:.2f} | {fmt(mine['mb_per_s_1core'], 1)} | "
                     f"{fmt(mine['mb_per_s_1core_in'], 1)} | {fmt(mine['mb_per_s'], 1)} | {fmt(mine['mb_per_s_in'], 1)} | "
                     f"{mine['start_s_1core'] * 1000:.0f} / {mine['start_s'] * 1000:.0f} ms |")
    lines.append("")
    lines.append("## Model loading")
    lines.append("")
    row = (f"Whole process, labeling one short document, medians: process start alone (`classify --version`) "
           f"{load_ms['start']:.1f} ms; with the shipped model {load_ms['shipped']:.1f} ms")
    if "20newsgroups" in load_ms:
        row += f"; with the 20newsgroups model (20 classes, 1-2-grams) {load_ms['20newsgroups']:.1f} ms"
    lines.append(row + ". The load alone is measured by `cargo bench --bench pipeline` (model group).")
    lines.append("")
    lines.append("## Targets (issue 10)")
    lines.append("")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")

    def target(what, value, ok):
        lines.append(f"| {what} | {value} | {'yes' if ok else 'no'} |")

    for name, mine in speed_rows:
        if name in ("20newsgroups", "allsides"):
            target(f"label {name}, whole process, >= 50 MB/s on 1 core", f"{fmt(mine['mb_per_s_1core'], 1)} MB/s",
                   mine["mb_per_s_1core"] >= 50)
            target(f"label {name}, whole process, >= 90 MB/s on {os.cpu_count()} cores",
                   f"{fmt(mine['mb_per_s'], 1)} MB/s", mine["mb_per_s"] >= 90)
    if "20newsgroups" in results:
        mine, peers = results["20newsgroups"]
        same = [p for p in peers if p["system"] == "sklearn-tfidf12-linearsvc"]
        if same:
            ratio = mine["fit_s"] / same[0]["fit_s"]
            target("train 20newsgroups <= 0.25x sklearn 1-2-gram TF-IDF + LinearSVC fit",
                   f"{fmt(mine['fit_s'], 2)} s vs {fmt(same[0]['fit_s'], 2)} s = {fmt(ratio, 2)}x", ratio <= 0.25)
        target("train 20newsgroups peak RSS <= 250 MB", f"{mine['train_peak_mb']:.0f} MB", mine["train_peak_mb"] <= 250)
    if big:
        target("1 GB JSON Lines stream, peak RSS <= 80 MB", f"{big['peak_mb']:.0f} MB", big["peak_mb"] <= 80)
    lines.append("")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"bench: wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

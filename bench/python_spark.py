#!/usr/bin/env python3
"""classify from Python and on Spark, beside the CLI and beside what a data
team would write without classify.

usage: python3 bench/python_spark.py [DATASETS] [--limit N] [--train-limit N]
                                     [--repeat 3] [--copies 1] [--datasets a,b]
                                     [--out FILE.md] [--json FILE]

DATASETS is the folder holding 20newsgroups/ and allsides/
(../shared/datasets by default). For each of 20newsgroups/test.jsonl (label
field `label`) and allsides/test.jsonl (`bias`), after training a classify
model on the matching train.jsonl with `classify train --label FIELD`, it
times labeling the test split four ways, in one sitting:

  (a) the CLI: `classify label --jsonl --format jsonl --model M TEST`, the
      whole process (start, model load, reading, writing), all cores;
  (b) Python: `model.label(texts)` in one process, texts already in memory,
      all cores (the GIL released, batches in parallel);
  (c) Spark local[2]: classify_news.spark.label on a cached DataFrame of the
      test split, written to Spark's `noop` sink (labels computed, nothing
      stored), 2 task slots, one thread per task;
  (d) Spark local[2] the way a data team would do it without classify:
      scikit-learn TfidfVectorizer(sublinear_tf, min_df=2, 1-2-grams) +
      LinearSVC fit on the same train split on the driver, broadcast, and
      `predict` inside a pandas UDF over the same cached DataFrame.

Documents/s and MB/s are over the test file's documents and bytes
(--copies N: the test split N times over, ids made unique, for every way;
fixed costs such as process or job start-up then weigh less, as they do
on millions of articles). Times
are medians of --repeat runs; each Spark job runs once untimed first (JVM
and Python worker start-up, model load). Peak RSS of the Spark Python
workers is sampled (psutil, every 50 ms) over all their processes during
one more run of each Spark job (not a timed one: sampling costs CPU). Accuracy against the gold labels is printed as a check that
each way does the same job.

Python packages (the pinned test requirements, scikit-learn, psutil) and
the classify-news wheel go into target/bench-py-venv; the measuring runs in
that environment. Prints a Markdown table (with the machine) and writes it
to --out, and the numbers as JSON to --json. A fifth row, the floor, is the Spark
job of (c) with the labeling left out (ids straight back): what Spark and
Arrow cost by themselves. --limit takes the first N test
documents (and --train-limit the first N training documents): for a quick
check that the script runs, not for numbers. Not run in CI.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "classify")
VENV = os.path.join(ROOT, "target", "bench-py-venv")
WORK = os.path.join(ROOT, "target", "bench-py")

DATASETS = [
    # name, train, test, label field
    ("20newsgroups", "20newsgroups/train.jsonl", "20newsgroups/test.jsonl", "label"),
    ("allsides", "allsides/train.jsonl", "allsides/test.jsonl", "bias"),
]


def machine() -> str:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {model}{mem}, {platform.system()} {platform.release()}"


def head(src: str, dst: str, limit: int, copies: int = 1) -> str:
    """The first `limit` lines of src, `copies` times over (ids made unique
    with `#k`), in dst; src itself when there is nothing to change."""
    if not limit and copies == 1:
        return src
    with open(src, encoding="utf-8") as f:
        lines = [line for i, line in enumerate(f) if not limit or i < limit]
    with open(dst, "w", encoding="utf-8") as out:
        for k in range(copies):
            for line in lines:
                if k == 0:
                    out.write(line)
                    continue
                record = json.loads(line)
                record["id"] = f"{record.get('id')}#{k}"
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return dst


# -- outer: build, environment, the CLI -----------------------------------


def ensure_venv() -> str:
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    req = os.path.join(ROOT, "python", "requirements-test.txt")
    probe = subprocess.run([py, "-c", "import sklearn, psutil, pyspark, pandas, pyarrow, maturin"],
                           capture_output=True)
    if probe.returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "-q", "-r", req, "scikit-learn", "psutil"], check=True)
    wheels = os.path.join(WORK, "wheels")
    subprocess.run(["rm", "-rf", wheels], check=True)
    subprocess.run([os.path.join(VENV, "bin", "maturin"), "build", "--release", "--quiet", "-m",
                    os.path.join(ROOT, "python", "Cargo.toml"), "-i", py, "-o", wheels], check=True)
    wheel = [os.path.join(wheels, w) for w in os.listdir(wheels) if w.endswith(".whl")][0]
    subprocess.run([py, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", wheel], check=True)
    return py


def run_timed(cmd):
    """Runs cmd under /usr/bin/time: (seconds, peak MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + cmd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if out.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stderr.decode()[-2000:]}")
        secs, kb = tf.read().split()[-2:]
    return float(secs), int(kb) / 1024


def outer(a) -> None:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "classify"], cwd=ROOT, check=True)
    py = ensure_venv()
    os.makedirs(WORK, exist_ok=True)
    results = []
    for name, train, test, field in DATASETS:
        if a.only and name not in a.only.split(","):
            continue
        train = head(os.path.join(a.datasets, train), os.path.join(WORK, f"{name}-train.jsonl"), a.train_limit)
        test = head(os.path.join(a.datasets, test), os.path.join(WORK, f"{name}-test.jsonl"), a.limit,
                    a.copies)
        model = os.path.join(WORK, f"{name}.model")
        print(f"bench: {name}: training classify", file=sys.stderr)
        subprocess.run([BIN, "train", train, "--label", field, "--out", model, "--force", "-q"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"bench: {name}: (a) CLI", file=sys.stderr)
        runs = [run_timed([BIN, "label", "--jsonl", "--format", "jsonl", "--model", model, test])
                for _ in range(a.repeat)]
        cli = {"seconds": statistics.median(r[0] for r in runs), "peak_mb": max(r[1] for r in runs)}
        print(f"bench: {name}: (b)-(d) Python and Spark", file=sys.stderr)
        spec = json.dumps({"name": name, "train": train, "test": test, "field": field, "model": model,
                           "repeat": a.repeat})
        done = subprocess.run([py, os.path.abspath(__file__), "--inner", spec], stdout=subprocess.PIPE)
        if done.returncode != 0:
            sys.exit(f"bench: {name}: the Python/Spark part failed")
        inner_result = json.loads(done.stdout.decode().strip().splitlines()[-1])
        inner_result["cli"] = cli
        results.append(inner_result)
    report(a, results)


# -- inner: Python and Spark, in the bench environment ---------------------


class RssSampler:
    """Peak resident memory of each Spark Python worker process."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.peak = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            for p in self.psutil.process_iter(["pid", "cmdline", "memory_info"]):
                cmd = " ".join(p.info.get("cmdline") or [])
                if "pyspark.daemon" in cmd or "pyspark.worker" in cmd:
                    mem = p.info.get("memory_info")
                    if mem is not None:
                        self.peak[p.info["pid"]] = max(self.peak.get(p.info["pid"], 0), mem.rss)
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def max_mb(self) -> float:
        return max(self.peak.values(), default=0) / 1e6


def timed_median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def inner(spec_json: str) -> None:
    spec = json.loads(spec_json)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    import classify_news as cn
    import classify_news.spark as cs

    with open(spec["test"], encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    texts = [r["text"] for r in records]
    gold = {r["id"]: str(r[spec["field"]]) for r in records}
    out = {"name": spec["name"], "docs": len(texts), "bytes": os.path.getsize(spec["test"]), "cores": os.cpu_count()}
    repeat = spec["repeat"]
    field = spec["field"]

    # (b) model.label in one process.
    model = cn.Model.load(spec["model"])
    model.label(texts[:100])
    out["python"] = {"seconds": timed_median(lambda: model.label(texts), repeat)}
    labels = model.label(texts)
    out["python"]["accuracy"] = sum(l[field] == gold[r["id"]] for l, r in zip(labels, records)) / len(records)

    # (c) and (d): Spark local[2] on the same cached DataFrame.
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("classify-bench")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "4g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.schema("id STRING, text STRING").json(spec["test"])
    df = df.repartition(4).cache()
    df.count()

    # The floor: the same job with the labeling left out (each batch's ids
    # straight back), to see what Spark and Arrow cost by themselves.
    def ids_only(batches):
        for frame in batches:
            yield frame[["id"]]

    floor = df.mapInPandas(ids_only, "id STRING")
    job = lambda: floor.write.format("noop").mode("overwrite").save()  # noqa: E731
    job()
    out["spark_floor"] = {"seconds": timed_median(job, repeat)}

    labeled = cs.label(df, model=spec["model"], id_col="id")
    job = lambda: labeled.write.format("noop").mode("overwrite").save()  # noqa: E731
    job()
    seconds = timed_median(job, repeat)
    with RssSampler() as rss:  # a run of its own: sampling costs CPU
        job()
    rows = labeled.select("id", field).collect()
    out["spark_classify"] = {"seconds": seconds, "worker_peak_mb": rss.max_mb(), "workers": len(rss.peak),
                             "accuracy": sum(r[field] == gold[r["id"]] for r in rows) / len(rows)}

    import pandas as pd
    from pyspark.sql.functions import pandas_udf
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    with open(spec["train"], encoding="utf-8") as f:
        train = [json.loads(line) for line in f if line.strip()]
    train = [r for r in train if r.get(field) not in (None, "")]
    t0 = time.perf_counter()
    pipe = make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)), LinearSVC(C=1.0))
    pipe.fit([r["text"] for r in train], [str(r[field]) for r in train])
    fit_s = time.perf_counter() - t0
    pipe.steps[0][1].stop_words_ = None  # features cut by min_df: not needed to predict, large to ship
    shipped = spark.sparkContext.broadcast(pipe)

    # (No `from __future__ import annotations` in this file: pandas_udf
    # reads these type hints.)
    @pandas_udf("string")
    def predict(texts: pd.Series) -> pd.Series:
        return pd.Series(shipped.value.predict(texts.fillna("")))

    baseline = df.select("id", predict("text").alias(field))
    job = lambda: baseline.write.format("noop").mode("overwrite").save()  # noqa: E731
    job()
    seconds = timed_median(job, repeat)
    with RssSampler() as rss:
        job()
    rows = baseline.collect()
    out["spark_sklearn"] = {"seconds": seconds, "worker_peak_mb": rss.max_mb(), "workers": len(rss.peak),
                            "fit_s": fit_s, "accuracy": sum(r[field] == gold[r["id"]] for r in rows) / len(rows)}
    spark.stop()
    print(json.dumps(out))


# -- the report ------------------------------------------------------------


def report(a, results) -> None:
    lines = ["## classify from Python and on Spark", ""]
    cmd = "python3 bench/python_spark.py"
    smoke = [f"--limit {a.limit}"] * bool(a.limit) + [f"--train-limit {a.train_limit}"] * bool(a.train_limit)
    if a.only:
        cmd += f" --datasets {a.only}"
    if a.copies != 1:
        cmd += f" --copies {a.copies}"
    cmd += "".join(" " + s for s in smoke)
    lines.append(f"Generated by `{cmd}` on {datetime.date.today().isoformat()}; machine: {machine()}. "
                 f"Medians of {a.repeat} runs. (a) and (b) use every core; (c) and (d) run Spark "
                 "`local[2]` (2 task slots) on the same cached DataFrame, written to the `noop` sink.")
    if smoke:
        lines.append("")
        lines.append(f"**Smoke run on a subset ({', '.join(smoke)}): not numbers to quote.**")
    lines.append("")
    lines.append("| dataset | way | docs | seconds | docs/s | MB/s | docs/s per core | accuracy | peak RSS |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        mb = r["bytes"] / 1e6
        ways = [
            ("(a) CLI `classify label --jsonl`", r["cli"]["seconds"], r["cores"], None,
             f"{r['cli']['peak_mb']:.0f} MB (process)"),
            ("(b) Python `model.label`", r["python"]["seconds"], r["cores"], r["python"]["accuracy"], ""),
            ("(c) Spark local[2] + classify_news.spark.label", r["spark_classify"]["seconds"], 2,
             r["spark_classify"]["accuracy"], f"{r['spark_classify']['worker_peak_mb']:.0f} MB per worker"),
            ("(d) Spark local[2] + scikit-learn TF-IDF/LinearSVC pandas UDF", r["spark_sklearn"]["seconds"], 2,
             r["spark_sklearn"]["accuracy"], f"{r['spark_sklearn']['worker_peak_mb']:.0f} MB per worker"),
            ("(floor) Spark local[2], the same job without labeling", r["spark_floor"]["seconds"], 2, None, ""),
        ]
        for way, secs, cores, acc, mem in ways:
            dps = r["docs"] / secs
            lines.append(f"| {r['name']} | {way} | {r['docs']:,} | {secs:.3f} | {dps:,.0f} | {mb / secs:.2f} | "
                         f"{dps / cores:,.0f} | {'' if acc is None else f'{acc:.3f}'} | {mem} |")
    lines.append("")
    lines.append("| dataset | (b) / (a) (target >= 0.90) | (c) / (d) (target >= 5) |")
    lines.append("|---|---:|---:|")
    for r in results:
        ba = r["cli"]["seconds"] / r["python"]["seconds"]
        cd = r["spark_sklearn"]["seconds"] / r["spark_classify"]["seconds"]
        lines.append(f"| {r['name']} | {ba:.2f} | {cd:.2f} |")
    lines.append("")
    lines.append("Cost model: core-hours for N documents = N / (docs/s per core of (c)) / 3600. "
                 "(b)'s docs/s excludes loading the model; (a)'s includes process start and model load.")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"machine": machine(), "repeat": a.repeat, "limit": a.limit,
                       "train_limit": a.train_limit, "results": results}, f, indent=2)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--inner":
        inner(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("datasets", nargs="?", default=os.path.join(os.path.dirname(ROOT), "shared", "datasets"))
    ap.add_argument("--limit", type=int, default=0, help="first N test documents (a smoke run)")
    ap.add_argument("--train-limit", type=int, default=0, help="first N training documents (a smoke run)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--copies", type=int, default=1,
                    help="label the test split N times over (every way), so fixed costs weigh less")
    ap.add_argument("--datasets", dest="only", default="", help="e.g. allsides")
    ap.add_argument("--out", default=os.path.join(WORK, "python_spark.md"))
    ap.add_argument("--json", default=os.path.join(WORK, "python_spark.json"))
    a = ap.parse_args()
    outer(a)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""HTTP benchmark: `classify serve` beside a FastAPI + scikit-learn service.

usage: python3 bench/serve.py [--duration 10] [--batch-duration 30] [--clients 1,8,64]
                              [--workers N] [--out-json target/bench/serve/serve.json] [--skip-fastapi]

Starts `classify serve` (shipped model, default options) and the service a
data team would write without classify (bench/fastapi_app.py: FastAPI on
uvicorn, one worker per core, scikit-learn TF-IDF + LinearSVC trained on the
same training-data/ articles), each alone, on 127.0.0.1. For each it runs
wrk (bench/serve.lua) per cell for --duration seconds with single ~5 KB
articles, and for --batch-duration seconds with batches of 100 such
articles (a slow server shares its cores among 64 batches at once, so a
cell must be much longer than one request's latency under load, or it
counts almost nothing), at each number of concurrent
clients (connections; wrk threads = min(clients, cores)). It reports
requests/s, documents/s, p50/p99 latency, failed requests, and the peak
resident memory of each server (all its processes) after start and during
each workload, and prints a Markdown
table for BENCHMARKS.md and the same numbers as JSON.

Bounded: every wrk run stops itself after its duration (plus a 1 s
warm-up per workload), and only loopback is used; with the defaults a run
takes about 5 minutes. Needs wrk (Debian package
`wrk`; installed with apt-get when missing and run as root) and, for the
baseline, Python packages fastapi, uvicorn, scikit-learn and joblib in
target/bench-venv (installed when missing). Not run in CI. On a small
machine wrk shares the cores with the server it measures; the table says
how many cores there were.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "classify"
VENV = ROOT / "target" / "bench-venv"
WORK = ROOT / "target" / "bench" / "serve"
LUA = ROOT / "bench" / "serve.lua"
ARTICLE_BYTES = 5 * 1024
BATCH = 100
N_ARTICLES = 64
N_BATCHES = 8


def die(message):
    sys.exit(f"bench/serve.py: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_classify():
    if not BIN.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not shutil.which("wrk"):
        die("wrk not found: install it (Debian: apt-get install wrk)")


def ensure_venv():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(py), "-c", "import fastapi, uvicorn, sklearn, joblib"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "fastapi", "uvicorn", "scikit-learn", "joblib"],
                       check=True)
    return py


def article_bodies():
    """Texts of about 5 KB: articles of one folder of training-data/, joined."""
    sys.path.insert(0, str(ROOT / "bench"))
    from articles import read_articles  # the reader the baseline trains with

    texts = [t for t, _ in read_articles(ROOT / "training-data")]
    out, current = [], ""
    for t in texts:
        current = f"{current}\n\n{t}" if current else t
        if len(current.encode()) >= ARTICLE_BYTES:
            cut = current.encode()[:ARTICLE_BYTES].decode("utf-8", "ignore")
            out.append(cut[: cut.rfind(" ")])
            current = ""
        if len(out) == N_ARTICLES * 4:
            break
    # Spread over topics: take every fourth.
    return out[::4][:N_ARTICLES]


def write_workloads():
    WORK.mkdir(parents=True, exist_ok=True)
    articles = article_bodies()
    single = WORK / "single.jsonl"
    with open(single, "w") as f:
        for i, text in enumerate(articles):
            f.write(json.dumps({"id": f"a{i}", "text": text}) + "\n")
    batch = WORK / "batch.jsonl"
    with open(batch, "w") as f:
        for b in range(N_BATCHES):
            docs = [{"id": f"b{b}-{i}", "text": articles[(b * 7 + i) % len(articles)]} for i in range(BATCH)]
            f.write(json.dumps({"documents": docs}) + "\n")
    sizes = [len(a.encode()) for a in articles]
    return {"single": single, "batch": batch}, sum(sizes) / len(sizes)


def wait_ready(port, proc, what):
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            die(f"{what} exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    die(f"{what} did not answer /healthz within 120 s")


def post(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/label", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def check_answers(port, workloads, what):
    one = post(port, workloads["single"].read_text().splitlines()[0])
    batch = post(port, workloads["batch"].read_text().splitlines()[0])
    if not (isinstance(one.get("topic"), dict) and len(batch) == BATCH and "topic" in batch[0]):
        die(f"{what} answered unexpectedly: {json.dumps(one)[:300]}")


def drain(port, bodies):
    """Waits until the server has worked off what wrk left in flight: a
    server that goes on with abandoned requests (a thread pool does) would
    otherwise slow the next cell down."""
    post(port, Path(bodies).read_text().splitlines()[0])
    time.sleep(0.5)


def tree_pids(pid):
    """pid and all its descendants (uvicorn workers)."""
    out = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    for k in kids:
        out += tree_pids(int(k))
    return out


def reset_peak_rss(pid):
    """Resets the peak (VmHWM) of the process tree (Linux: clear_refs 5)."""
    for p in tree_pids(pid):
        try:
            Path(f"/proc/{p}/clear_refs").write_text("5")
        except OSError:
            pass


def peak_rss_mb(pid):
    """Peak resident memory (VmHWM) summed over the process tree, MB."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_wrk(port, bodies, clients, seconds):
    threads = max(1, min(clients, os.cpu_count() or 1))
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s",
           "-s", str(LUA), f"http://127.0.0.1:{port}/v1/label"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "BENCH_BODIES": str(bodies)},
                         timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH ")), None)
    if out.returncode != 0 or line is None:
        die(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")
    r = json.loads(line[6:])
    secs = r["duration_us"] / 1e6
    errors = sum(r["errors"].values())
    return {
        "clients": clients,
        "requests": r["requests"],
        "rps": r["requests"] / secs if secs else 0.0,
        "p50_ms": r["p50_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "max_ms": r["max_us"] / 1000,
        "errors": errors,
        "error_detail": r["errors"],
    }


def measure(name, cmd, port, workloads, clients, durations, env=None):
    print(f"bench: starting {name}", file=sys.stderr)
    log = open(WORK / f"{name}.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    try:
        wait_ready(port, proc, name)
        check_answers(port, workloads, name)
        results, rss = {}, {"startup": peak_rss_mb(proc.pid)}
        for workload, bodies in workloads.items():
            reset_peak_rss(proc.pid)
            run_wrk(port, bodies, 1, 1)  # warm-up
            drain(port, bodies)
            results[workload] = []
            for c in clients:
                r = run_wrk(port, bodies, c, durations[workload])
                drain(port, bodies)
                per = BATCH if workload == "batch" else 1
                r["docs_per_s"] = r["rps"] * per
                print(f"bench: {name} {workload} c={c}: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, "
                      f"p99 {r['p99_ms']:.2f} ms, {r['errors']} errors", file=sys.stderr)
                results[workload].append(r)
            rss[workload] = peak_rss_mb(proc.pid)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    return {"results": results, "peak_rss_mb": rss}


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "unknown"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "os": platform.platform(),
        "rustc": version(["rustc", "--version"]),
        "wrk": version(["wrk", "--version"]) if shutil.which("wrk") else "none",
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt_rate(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def markdown(report):
    m = report["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB), {m['os']}; "
        f"{m['rustc']}, Python {m['python']}, {m['wrk']}. Loopback, wrk with keep-alive connections "
        f"(threads = min(clients, cores), so the load generator shares the cores), "
        f"{report['duration_s']['single']} s per single-article cell, {report['duration_s']['batch']} s per batch cell; "
        f"uvicorn with {report['systems'].get(FASTAPI, {}).get('workers', '-')} workers; articles of {report['article_bytes']:.0f} bytes on average.",
        "",
    ]
    systems = list(report["systems"])
    head = "| workload | clients |"
    rule = "|---|---:|"
    for s in systems:
        head += f" {s} req/s | docs/s | p50 ms | p99 ms |"
        rule += "---:|---:|---:|---:|"
    if len(systems) == 2:
        head += " req/s ratio |"
        rule += "---:|"
    lines += [head, rule]
    for workload, label in [("single", "one 5 KB article"), ("batch", f"batch of {BATCH}")]:
        rows = [report["systems"][s]["results"][workload] for s in systems]
        for i, c in enumerate(report["clients"]):
            line = f"| {label} | {c} |"
            for r in rows:
                cell = r[i]
                err = f" ({cell['errors']} failed)" if cell["errors"] else ""
                line += (f" {fmt_rate(cell['rps'])}{err} | {fmt_rate(cell['docs_per_s'])} | "
                         f"{cell['p50_ms']:.2f} | {cell['p99_ms']:.2f} |")
            if len(rows) == 2:
                a, b = rows[0][i]["rps"], rows[1][i]["rps"]
                line += f" {a / b:.1f}x |" if b else " - |"
            lines.append(line)
    lines.append("")
    lines.append("| peak resident memory (all processes) | " + " | ".join(systems) + " |")
    lines.append("|---|" + "---:|" * len(systems))
    for key, label in [("startup", "after start"), ("single", "during the single-article cells"),
                       ("batch", f"during the batch-of-{BATCH} cells")]:
        lines.append(f"| {label} | " + " | ".join(
            f"{report['systems'][s]['peak_rss_mb'][key]:.0f} MB" for s in systems) + " |")
    lines.append("")
    c = report["systems"].get("classify serve")
    f = report["systems"].get(FASTAPI)
    if c:
        checks = []
        ci = report["clients"]
        if f and 64 in ci:
            i = ci.index(64)
            for w in ("single", "batch"):
                base = f["results"][w][i]["rps"]
                if not base:
                    checks.append(f"- {w}, 64 clients: the FastAPI service completed no request in the cell")
                    continue
                ratio = c["results"][w][i]["rps"] / base
                checks.append(f"- {w}, 64 clients: {ratio:.1f}x the FastAPI service's requests/s "
                              f"(target >= 10x): {'met' if ratio >= 10 else 'NOT met'}")
        if 8 in ci:
            p99 = c["results"]["single"][ci.index(8)]["p99_ms"]
            checks.append(f"- one 5 KB article, 8 clients: p99 {p99:.2f} ms (target < 5 ms): "
                          f"{'met' if p99 < 5 else 'NOT met'}")
        for key in ("single", "batch"):
            rss = c["peak_rss_mb"][key]
            checks.append(f"- classify serve peak RSS in the {key} cells {rss:.0f} MB with the shipped model "
                          f"(target < 100 MB): {'met' if rss < 100 else 'NOT met'}")
        lines += ["Targets:", ""] + checks + [""]
    return "\n".join(lines)


FASTAPI = "FastAPI + scikit-learn"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds per single-article cell (default 10)")
    ap.add_argument("--batch-duration", type=int, default=30, help="seconds per batch cell (default 30)")
    ap.add_argument("--clients", default="1,8,64", help="concurrent clients, comma-separated (default 1,8,64)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="uvicorn worker processes (default: one per core)")
    ap.add_argument("--skip-fastapi", action="store_true", help="measure classify serve only")
    ap.add_argument("--out-json", default=str(WORK / "serve.json"))
    a = ap.parse_args()
    if not (1 <= a.duration <= 120 and 1 <= a.batch_duration <= 300):
        die("--duration must be 1 to 120 seconds, --batch-duration 1 to 300")
    durations = {"single": a.duration, "batch": a.batch_duration}
    clients = [int(c) for c in a.clients.split(",")]
    if any(c < 1 or c > 512 for c in clients):
        die("--clients must be 1 to 512")

    ensure_classify()
    ensure_wrk()
    workloads, article_bytes = write_workloads()
    systems = {}
    port = free_port()
    systems["classify serve"] = measure(
        "classify-serve", [str(BIN), "serve", "--addr", f"127.0.0.1:{port}"], port, workloads, clients, durations)
    if not a.skip_fastapi:
        py = ensure_venv()
        model = WORK / "fastapi-model.joblib"
        if not model.exists():
            print("bench: training the scikit-learn baseline", file=sys.stderr)
            subprocess.run([str(py), str(ROOT / "bench" / "fastapi_app.py"), "train", str(model)], check=True)
        port = free_port()
        cmd = [str(VENV / "bin" / "uvicorn"), "fastapi_app:app", "--app-dir", str(ROOT / "bench"),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(a.workers)]
        systems[FASTAPI] = measure("fastapi", cmd, port, workloads, clients, durations,
                                   env={**os.environ, "FASTAPI_MODEL": str(model)})
        systems[FASTAPI]["workers"] = a.workers

    report = {
        "machine": machine(),
        "duration_s": durations,
        "clients": clients,
        "article_bytes": article_bytes,
        "batch": BATCH,
        "systems": systems,
    }
    Path(a.out_json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out_json).write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    print(f"bench: JSON in {a.out_json}", file=sys.stderr)


if __name__ == "__main__":
    main()

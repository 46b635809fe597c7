#!/usr/bin/env python3
"""How honest can the stance head's confidence be on real news?

usage: python3 bench/stance_calibration.py ../shared/datasets/allsides_stance_dev.jsonl
                                          [--seed 7] [--target 0.8] [--work target/stance-cal]

Splits the labeled real articles in two halves with a seeded shuffle,
calibrates the shipped model's stance head on one half (`classify
calibrate`: temperature refitted, recommended threshold for the target
accuracy), and evaluates on the other half, before and after, printing the
Markdown that README.md shows: the risk-coverage table of the held-out half
and the accuracy and share labeled at the recommended threshold. Uses the
release binary (cargo build --release first). Not run in CI.
"""
import argparse
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "classify")


def run(args):
    out = subprocess.run([BIN] + args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"stance_calibration: classify {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def stance(report):
    return next(h for h in json.loads(report)["heads"] if h["head"] == "stance")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--target", type=float, default=0.8)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "stance-cal"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rows = [json.loads(l) for l in open(a.data, encoding="utf-8") if l.strip()]
    random.Random(a.seed).shuffle(rows)
    half = len(rows) // 2
    fit, held = rows[:half], rows[half:]
    paths = {}
    for name, part in (("calibrate", fit), ("report", held)):
        paths[name] = os.path.join(a.work, f"{name}.jsonl")
        with open(paths[name], "w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    model = os.path.join(a.work, "calibrated.model")
    summary = run(["calibrate", paths["calibrate"], "--out", model, "--force",
                   "--label", "stance", "--target-accuracy", str(a.target)])
    before = stance(run(["eval", paths["report"], "--label", "stance", "--format", "json",
                         "--target-accuracy", str(a.target)]))
    after = stance(run(["eval", paths["report"], "--model", model, "--label", "stance",
                        "--format", "json", "--target-accuracy", str(a.target)]))
    info = json.loads(run(["info", model, "--format", "json"]))
    cal = next(h for h in info["heads"] if h["name"] == "stance")["calibration"]
    t = cal["threshold"]
    print(f"Seed {a.seed}: {len(fit)} articles to calibrate on, {len(held)} held out.\n")
    print("```text\n" + summary.strip() + "\n```\n")
    print("Held-out half, stance head (probabilities before and after calibration):\n")
    print("| threshold | labeled before | accuracy before | labeled after | accuracy after | macro-F1 after |")
    print("|---:|---:|---:|---:|---:|---:|")
    for b, c in zip(before["risk_coverage"], after["risk_coverage"]):
        print(f"| {c['threshold']:.2f} | {b['labeled']} ({b['coverage']:.2f}) | {b['accuracy']:.3f} "
              f"| {c['labeled']} ({c['coverage']:.2f}) | {c['accuracy']:.3f} | {c['macro_f1']:.3f} |")
    if t is None:
        print(f"\nNo threshold reached accuracy {a.target} on the calibration half.")
        return
    out = run(["label", "--model", model, "--jsonl", "--format", "jsonl",
               "--min-confidence", "auto", paths["report"]])
    labeled = [json.loads(line) for line in out.splitlines()]
    gold = {r["id"]: r["stance"] for r in held}
    kept = [d for d in labeled if not d["stance"]["uncertain"]]
    right = sum(1 for d in kept if d["stance"]["label"] == gold[d["id"]])
    print(f"\nRecommended threshold (chosen on the calibration half): {t:.2f}. On the held-out half "
          f"`--min-confidence auto` labels {len(kept)} of {len(held)} articles "
          f"({len(kept) / len(held):.2f}), accuracy {right / max(len(kept), 1):.3f}; "
          f"without a threshold the accuracy is {after['accuracy']:.3f} on all {len(held)}.")


if __name__ == "__main__":
    main()

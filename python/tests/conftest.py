"""Shared helpers: the repository's fixtures, the `classify` binary the
Python results are compared with, and a Spark session in local mode.

A tool a test needs (the CLI binary, Java, pyspark) that is missing makes
the test skip with a message, unless CI is set (.ci/run sets it): then it
fails, so CI cannot pass without running every test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The tests are of the installed package (the wheel), never of the source
# folder python/classify_news, which `python -m pytest` run from python/
# would otherwise import first (it has no compiled extension in it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "python"]
EVAL_SAMPLE = ROOT / "docs" / "eval-sample.jsonl"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
UNLABELED = ROOT / "tests" / "fixtures" / "unlabeled"


def missing(what: str) -> None:
    """Skips the test, or fails it under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set, so this fails instead of skipping)")
    pytest.skip(what)


def cli_path() -> Path:
    path = Path(os.environ.get("CLASSIFY_BIN", ROOT / "target" / "release" / "classify"))
    if not path.is_file():
        missing(f"no classify binary at {path}: run `cargo build --release` or set CLASSIFY_BIN")
    return path


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs `classify ARGS` from the repository root."""
    done = subprocess.run(
        [str(cli_path()), "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"classify {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done


def cli_error(*args: str) -> str:
    """The one-line message of a failing `classify ARGS`, without the
    `classify: ` prefix."""
    done = run_cli(*args, check=False)
    assert done.returncode != 0, f"classify {' '.join(args)} should fail"
    lines = [l for l in done.stderr.splitlines() if l.startswith("classify: ")]
    assert lines, done.stderr
    return lines[0][len("classify: ") :]


def flat(doc: dict) -> Dict[str, object]:
    """A document of `classify label --format json` as the Python package's
    flat result: `topic`, `topic_probability`, `topic_uncertain`, ..."""
    out: Dict[str, object] = {}
    out["reason"] = doc.get("reason")
    for head, value in doc.items():
        if head in ("id", "path", "reason"):
            continue
        for field, v in value.items():
            out[head if field == "label" else f"{head}_{field}"] = v
    return out


def cli_label_jsonl(path: Path, *extra: str) -> Tuple[Dict[str, dict], List[str]]:
    """Labels a JSON Lines file with the CLI: (flat result by id, in order;
    the error lines of stderr)."""
    done = run_cli("label", "--jsonl", "--format", "jsonl", *extra, str(path), check=False)
    assert done.returncode in (0, 1), done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        doc = json.loads(line)
        rows[doc["id"]] = flat(doc)
    errors = [
        l[len("classify: ") :]
        for l in done.stderr.splitlines()
        if l.startswith("classify: ") and "could not be labeled" not in l
    ]
    return rows, errors


def assert_same_labels(py: dict, cli: dict, where: str = "") -> None:
    """Python's result equals the CLI's: every label equal, every number
    within 1e-6 (probabilities, explain weights)."""
    assert py.get("error") is None, f"{where}: {py.get('error')}"
    for name, want in cli.items():
        assert name in py, f"{where}: no {name} in {sorted(py)}"
        got = py[name]
        if isinstance(want, float) or isinstance(got, float):
            assert want is not None and got is not None, f"{where}: {name} {got} != {want}"
            assert abs(got - want) <= 1e-6, f"{where}: {name} {got} != {want}"
        elif isinstance(want, list):
            assert len(got) == len(want), f"{where}: {name} {got} != {want}"
            for g, w in zip(got, want):
                assert set(g) == set(w), f"{where}: {name} {got} != {want}"
                for key, wv in w.items():
                    if isinstance(wv, float):
                        assert abs(g[key] - wv) <= 1e-6, f"{where}: {name} {got} != {want}"
                    else:
                        assert g[key] == wv, f"{where}: {name} {got} != {want}"
        else:
            assert got == want, f"{where}: {name} {got!r} != {want!r}"


def read_jsonl(path: Path) -> List[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def spark():
    """A SparkSession in local mode on 2 cores, with small file splits and
    Arrow batches so that one test file makes many partitions and batches."""
    try:
        import pyspark  # noqa: F401
        import pyarrow  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as e:
        missing(f"pyspark, pandas and pyarrow are needed for the Spark tests ({e})")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing("no Java runtime (java) for Spark: install openjdk-17-jre-headless")
    # The executors' Python workers must be this interpreter (the one with
    # classify_news installed), not whatever `python3` is on the PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("classify-news-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.files.maxPartitionBytes", "1m")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

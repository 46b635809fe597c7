"""classify_news.spark.label on a local Spark (local[2]): every row equals
what `classify label --jsonl` gives for the same text, in the same order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

import classify_news as cn
import classify_news.spark as cs
from conftest import CORPUS, EVAL_SAMPLE, ROOT, assert_same_labels, cli_label_jsonl, read_jsonl, run_cli

ROWS = 20_000


def base_texts() -> List[str]:
    """Texts we wrote: the evaluation sample and the fixture corpus (raw
    Markdown with front matter)."""
    texts = [r["text"] for r in read_jsonl(EVAL_SAMPLE)]
    texts += [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.md"))]
    texts += [r["text"] for r in read_jsonl(ROOT / "tests" / "fixtures" / "sample.jsonl")]
    return texts


def variant(texts: List[str], i: int) -> Optional[str]:
    """Row i's text: one of the base texts, changed in a way that depends
    on i (cut, joined with another, wrapped in HTML, numbered), or now and
    then a text that cannot be labeled."""
    special = {0: None, 1: "", 2: "   \n", 3: "<html><body><script>x()</script></body></html>"}
    if i % 997 in special:
        return special[i % 997]
    base = texts[i % len(texts)]
    other = texts[(i * 7 + 3) % len(texts)]
    kind = (i // len(texts)) % 5
    if kind == 0:
        return base
    if kind == 1:
        sentences = base.split(". ")
        return ". ".join(sentences[: max(1, len(sentences) - 1 - i % 3)])
    if kind == 2:
        return f"{base}\n\n{other.split('. ')[0]}."
    if kind == 3:
        return f"<html><body><nav>Home | News</nav><p>{base}</p><p>Share this article</p></body></html>"
    return f"{base} (Report {i}, page {i % 13}.)"


def write_rows(path: Path, n: int) -> List[dict]:
    texts = base_texts()
    rows = [{"id": f"doc-{i:05d}", "text": variant(texts, i)} for i in range(n)]
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def check_against_cli(rows: List[dict], labeled: List[dict], path: Path, *cli_flags: str) -> None:
    """Every Spark row equals the CLI's result for its text; the rows the
    CLI could not label are the rows with `error` set; ids and order kept."""
    cli, _ = cli_label_jsonl(path, *cli_flags)
    assert [r["id"] for r in labeled] == [r["id"] for r in rows]
    # The CLI leaves out what it cannot label (and names it on stderr).
    failed = {r["id"] for r in rows} - set(cli)
    assert failed
    for row, out in zip(rows, labeled):
        if row["id"] in failed:
            assert out["error"], f"{row['id']}: the CLI failed, Spark labeled it: {out}"
            assert out["topic"] is None and out["topic_probability"] is None
        else:
            assert_same_labels(out, cli[row["id"]], row["id"])


def collect(df) -> List[dict]:
    return [r.asDict(recursive=True) for r in df.collect()]


def test_spark_labels_20000_rows_like_the_cli(spark, tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = write_rows(path, ROWS)
    df = spark.read.schema("id STRING, text STRING").json(str(path))
    assert df.rdd.getNumPartitions() >= 2
    labeled_df = cs.label(df, id_col="id")
    assert labeled_df.columns == [
        "id", "topic", "topic_probability", "stance", "stance_probability", "reason", "error",
    ]
    labeled = collect(labeled_df)
    assert len(labeled) == ROWS
    check_against_cli(rows, labeled, path)
    errors = [r for r in labeled if r["error"]]
    assert {r["error"] for r in errors} >= {
        "no text (None)",
        "empty file",
        "no text: the document is whitespace only",
        "no text left after removing markup and boilerplate",
    }
    assert len(errors) == 4 * (ROWS // 997 + 1)


def test_spark_with_a_model_file_and_options(spark, tmp_path):
    """A model file (shipped as bytes), explain, evidence and min_confidence, every
    column kept, and a prefix for a frame that has gold labels already."""
    model_path = tmp_path / "fixture.model"
    run_cli("train", "tests/fixtures/corpus", "--out", str(model_path), "--min-df", "1")
    path = tmp_path / "rows.jsonl"
    rows = write_rows(path, 2_000)
    for i, row in enumerate(rows):
        row["topic"] = "gold"  # a column the labels would clash with
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    df = spark.read.schema("id STRING, text STRING, topic STRING").json(str(path))
    with pytest.raises(cn.ClassifyValueError, match="already has column"):
        cs.label(df, model=str(model_path))
    with pytest.raises(cn.ClassifyValueError, match="no column 'body'"):
        cs.label(df, text_col="body")
    with pytest.raises(cn.ClassifyValueError, match="--min-confidence"):
        cs.label(df, min_confidence=2.0, prefix="p_")
    out = cs.label(
        df, model=str(model_path), explain=2, evidence=1, min_confidence=0.7, prefix="p_"
    )
    assert out.columns[:3] == ["id", "text", "topic"]
    labeled = collect(out)
    assert all(r["topic"] == "gold" for r in labeled)
    assert [r["text"] for r in labeled] == [r["text"] for r in rows]
    unprefixed = [
        {k[2:]: v for k, v in r.items() if k.startswith("p_")} | {"id": r["id"]} for r in labeled
    ]
    check_against_cli(
        rows,
        unprefixed,
        path,
        "--model",
        str(model_path),
        "--explain",
        "2",
        "--evidence",
        "1",
        "--min-confidence",
        "0.7",
    )


def test_model_is_loaded_once_per_python_worker(spark, tmp_path):
    """The executor code of spark.label, run on many small batches in many
    tasks: each Python worker process loads the model once."""
    model = cn.train(str(EVAL_SAMPLE), min_df=1)
    _, key, origin, data = cs._ship(model)
    texts = [r["text"] for r in read_jsonl(EVAL_SAMPLE)]
    pdf_rows = [(f"r{i}", texts[i % len(texts)]) for i in range(4_000)]
    df = spark.createDataFrame(pdf_rows, "id STRING, text STRING").repartition(16)
    columns = cs.output_columns(model)
    run = cs._labeler(key, origin, data, "text", ["id"], columns, "", {"format": "auto"}, None)

    def probe(batches):
        for out in run(batches):
            out["pid"] = os.getpid()
            out["loads"] = cs.loads[key]
            yield out

    schema = "id STRING, topic STRING, topic_probability DOUBLE, stance STRING, " \
        "stance_probability DOUBLE, reason STRING, error STRING, pid LONG, loads LONG"
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "100")
    try:
        result = collect(df.mapInPandas(probe, schema))
    finally:
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
    assert len(result) == 4_000
    pids = {r["pid"] for r in result}
    assert 1 <= len(pids) <= 4
    assert {r["loads"] for r in result} == {1}
    expected = {t: r for t, r in zip(texts, model.label(texts))}
    for r, (_, text) in zip(sorted(result, key=lambda r: int(r["id"][1:])), pdf_rows):
        assert {k: r[k] for k in expected[text]} == expected[text]


def spark_submit() -> Path:
    """spark-submit of the pyspark installed beside this Python."""
    beside = Path(sys.executable).parent / "spark-submit"
    if beside.exists():
        return beside
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-submit"


def test_example_script_with_spark_submit(spark, tmp_path):
    """spark-submit python/examples/spark_label.py INPUT OUTPUT: JSON Lines
    in, Parquet out; then Parquet in, through the same function."""
    path = tmp_path / "in.jsonl"
    rows = write_rows(path, 300)
    out = tmp_path / "out.parquet"
    script = ROOT / "python" / "examples" / "spark_label.py"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    done = subprocess.run(
        [str(spark_submit()), "--master", "local[2]", "--conf", "spark.ui.enabled=false",
         str(script), str(path), str(out), "--id-col", "id"],
        capture_output=True, text=True, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "labeled 300 rows" in done.stdout
    assert "(4 could not be labeled)" in done.stdout
    frame = spark.read.parquet(str(out))
    assert frame.columns == [
        "id",
        "topic",
        "topic_probability",
        "stance",
        "stance_probability",
        "reason",
        "error",
    ]
    got = {r["id"]: r.asDict() for r in frame.collect()}
    assert set(got) == {r["id"] for r in rows}
    want = cn.Model.builtin().label([r["text"] for r in rows])
    for row, w in zip(rows, want):
        assert {k: got[row["id"]][k] for k in w} == w

    sys.path.insert(0, str(script.parent))
    try:
        import spark_label
    finally:
        sys.path.pop(0)
    again = tmp_path / "again.parquet"
    n, failed, _ = spark_label.label_file(spark, out, again, text_col="topic", prefix="again_")
    assert (n, failed) == (300, 300 - sum(1 for w in want if w["topic"]))

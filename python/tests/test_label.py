"""Model.label and friends give what `classify label` gives."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import classify_news as cn
from conftest import (
    CORPUS,
    EVAL_SAMPLE,
    ROOT,
    UNLABELED,
    assert_same_labels,
    cli_error,
    cli_label_jsonl,
    flat,
    read_jsonl,
    run_cli,
)

FORMATS = {".md": "markdown", ".txt": "text", ".html": "html"}


@pytest.fixture(scope="module")
def model() -> cn.Model:
    return cn.Model.builtin()


@pytest.mark.parametrize(
    "options, flags",
    [
        ({}, []),
        ({"explain": 5, "min_confidence": 0.9}, ["--explain", "5", "--min-confidence", "0.9"]),
        ({"evidence": 2}, ["--evidence", "2"]),
    ],
)
def test_eval_sample_equals_cli(model, options, flags):
    cli, errors = cli_label_jsonl(EVAL_SAMPLE, *flags)
    assert not errors
    records = read_jsonl(EVAL_SAMPLE)
    results = model.label([r["text"] for r in records], **options)
    assert len(results) == len(records) == len(cli) == 24
    for record, result in zip(records, results):
        assert_same_labels(result, cli[record["id"]], record["id"])
    # One text at a time gives the same as the batch.
    for record, result in zip(records, results):
        assert model.label(record["text"], **options) == result


def files(root: Path):
    return sorted(p for p in root.rglob("*") if p.suffix in FORMATS)


@pytest.mark.parametrize("root", [CORPUS, UNLABELED], ids=["corpus", "unlabeled"])
def test_fixture_files_equal_cli(model, root):
    """Files (front matter, Markdown, HTML, text) labeled from their bytes
    in the format their extension gives, as the CLI labels the files."""
    done = run_cli("label", "--format", "json", "--explain", "3", str(root.relative_to(ROOT)))
    cli = {d["path"]: flat(d) for d in json.loads(done.stdout)}
    paths = files(root)
    assert len(paths) == len(cli) >= 3
    for path in paths:
        rel = str(path.relative_to(ROOT))
        result = model.label(path.read_bytes(), format=FORMATS[path.suffix], explain=3)
        assert_same_labels(result, cli[rel], rel)


def test_result_shape(model):
    result = model.label("Pupils sat their exams at the village school.")
    assert list(result) == [
        "topic",
        "topic_probability",
        "stance",
        "stance_probability",
        "reason",
        "error",
    ]
    assert result["reason"] is None
    assert result["topic"] == "education"
    assert result["error"] is None
    result = model.label("Pupils sat their exams.", explain=2, min_confidence=0.5)
    assert list(result) == [
        "topic",
        "topic_probability",
        "topic_uncertain",
        "topic_explain",
        "stance",
        "stance_probability",
        "stance_uncertain",
        "stance_explain",
        "reason",
        "error",
    ]
    assert [set(t) for t in result["topic_explain"]] == [{"term", "feature", "weight"}] * 2
    result = model.label("Pupils sat their exams. The senate voted.", evidence=1)
    assert list(result) == [
        "topic",
        "topic_probability",
        "topic_evidence",
        "stance",
        "stance_probability",
        "stance_evidence",
        "reason",
        "error",
    ]
    assert [set(t) for t in result["topic_evidence"]] == [{"sentence", "weight"}]


def test_bad_single_texts_raise_the_cli_message(model, tmp_path):
    cases = {
        "blank.txt": ("  \n\t ", "text"),
        "markup.html": ("<html><body><script>var x = 1;</script></body></html>", "html"),
        "empty.txt": ("", "text"),
    }
    for name, (content, fmt) in cases.items():
        path = tmp_path / name
        path.write_text(content)
        message = cli_error("label", str(path))
        assert message.startswith(f"{path}: ")
        with pytest.raises(cn.ClassifyValueError) as raised:
            model.label(content, format=fmt)
        assert str(raised.value) == message[len(f"{path}: ") :]
        assert isinstance(raised.value, ValueError)
        assert isinstance(raised.value, cn.ClassifyError)
    # bytes are a file's content: a NUL byte makes them binary, as a file.
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\x00\x01binary")
    message = cli_error("label", str(path))
    with pytest.raises(cn.ClassifyValueError) as raised:
        model.label(path.read_bytes())
    assert str(raised.value) == message[len(f"{path}: ") :]


def test_bad_options_raise_the_cli_message(model):
    message = cli_error("label", "--min-confidence", "1.5", "docs/sample-article.md")
    for texts in ("The senate voted.", ["The senate voted."]):
        with pytest.raises(cn.ClassifyValueError) as raised:
            model.label(texts, min_confidence=1.5)
        assert str(raised.value) == message
    with pytest.raises(cn.ClassifyValueError, match="pdf"):
        model.label("The senate voted.", format="pdf")
    with pytest.raises(TypeError, match="int"):
        model.label(42)
    with pytest.raises(cn.ClassifyValueError, match="threads 0"):
        model.label(["x"], threads=0)
    with pytest.raises(cn.ClassifyValueError, match="auto"):
        model.label("The senate voted.", min_confidence="often")
    with pytest.raises(TypeError, match="min_confidence"):
        model.label("The senate voted.", min_confidence=[0.5])
    # The built-in model has no stored thresholds: "auto" fails as the CLI does.
    message = cli_error("label", "--min-confidence", "auto", "docs/sample-article.md")
    with pytest.raises(cn.ClassifyValueError) as raised:
        model.label(["The senate voted."], min_confidence="auto")
    assert str(raised.value) == message


def test_texts_the_model_cannot_read_get_unknown_and_a_reason(model):
    """Another language or gibberish: `unknown` labels with no probability
    and the CLI's reason; the same as `classify label` on those files."""
    folder = ROOT / "tests" / "fixtures" / "offdomain"
    done = run_cli("label", "--format", "json", str(folder.relative_to(ROOT)))
    cli = {d["path"]: flat(d) for d in json.loads(done.stdout)}
    paths = files(folder)
    assert len(paths) == len(cli) >= 8
    unknown = 0
    for path in paths:
        rel = str(path.relative_to(ROOT))
        result = model.label(path.read_bytes(), format=FORMATS[path.suffix])
        assert result == {**cli[rel], "error": None}, rel
        if result["topic"] == "unknown":
            unknown += 1
            assert result["topic_probability"] is None and result["stance"] == "unknown"
            assert result["reason"]
    assert unknown >= 8
    english = model.label("Border agents detained forty migrants near the river crossing.")
    assert english["reason"] is None and english["topic"] == "immigration"


def test_min_confidence_auto_uses_the_calibrated_thresholds(model, tmp_path):
    """A model calibrated by `classify calibrate` marks decisions below its
    stored thresholds, as `classify label --min-confidence auto` does."""
    calibrated = tmp_path / "calibrated.model"
    run_cli("calibrate", str(EVAL_SAMPLE), "--out", str(calibrated), "--target-accuracy", "0.7")
    mine = cn.Model.load(calibrated)
    cli, errors = cli_label_jsonl(
        EVAL_SAMPLE, "--model", str(calibrated), "--min-confidence", "auto"
    )
    assert not errors
    records = read_jsonl(EVAL_SAMPLE)
    results = mine.label([r["text"] for r in records], min_confidence="auto")
    for record, result in zip(records, results):
        assert "topic_uncertain" in result
        assert_same_labels(result, cli[record["id"]], record["id"])


def test_batch_with_bad_texts_labels_the_rest(model):
    good = [r["text"] for r in read_jsonl(EVAL_SAMPLE)[:4]]
    batch = [
        good[0],
        None,
        "",
        "   \n ",
        good[1],
        b"PK\x03\x04\x00\x00binary",
        b"\xff\xfe\x00\xd8",
        float("nan"),
        17,
        "<html><body><script>x()</script></body></html>",
        good[2].encode("utf-8"),
        "\udcff lone surrogate",
        good[3],
    ]
    results = model.label(batch)
    assert len(results) == len(batch)
    errors = [r["error"] for r in results]
    assert errors == [
        None,
        "no text (None)",
        "empty file",
        "no text: the document is whitespace only",
        None,
        "binary file (NUL byte at offset 4)",
        "invalid UTF-16 at byte 2",
        "no text (NaN)",
        "not a text: expected str or bytes, got int",
        "no text left after removing markup and boilerplate",
        None,
        "text is not valid Unicode (it holds a lone surrogate)",
        None,
    ]
    for i, text in zip([0, 4, 10, 12], good):
        assert results[i] == model.label(text)
    for r in results:
        assert set(r) == {
            "topic", "topic_probability", "stance", "stance_probability", "reason", "error",
        }
        if r["error"] is not None:
            assert r["topic"] is None and r["topic_probability"] is None
    # Any iterable: a generator gives the same.
    assert model.label(t for t in batch) == results
    # A batch where nothing can be labeled still has every column.
    assert model.label([None], explain=1) == [
        {
            "topic": None,
            "topic_probability": None,
            "topic_explain": None,
            "stance": None,
            "stance_probability": None,
            "stance_explain": None,
            "reason": None,
            "error": "no text (None)",
        }
    ]
    assert model.label([]) == []


def test_threads_give_the_same_results(model):
    texts = [r["text"] for r in read_jsonl(EVAL_SAMPLE)] * 50
    assert model.label(texts, threads=1) == model.label(texts)


def test_gil_is_released_while_labeling(model):
    """A second Python thread keeps running during a long `label` call: it
    records the time every few hundred steps, and some of those times fall
    in the middle of the call (with the GIL held throughout, none could)."""
    base = [r["text"] for r in read_jsonl(EVAL_SAMPLE)]
    texts = [f"{t} Report {i}." for i in range(250) for t in base]  # 6,000 texts
    stamps = []
    stop = threading.Event()

    def spin():
        n = 0
        while not stop.is_set():
            n += 1
            if n % 200 == 0:
                stamps.append(time.perf_counter())

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        results = model.label(texts)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    assert len(results) == len(texts)
    margin = (end - start) * 0.2
    during = [t for t in stamps if start + margin < t < end - margin]
    assert len(during) >= 3, f"{len(during)} steps of the other thread during {end - start:.3f} s"


def test_label_pandas_and_arrow_match_label(model):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    texts = [r["text"] for r in read_jsonl(EVAL_SAMPLE)] + [None, "  "]
    expected = model.label(texts, min_confidence=0.9)
    series = pd.Series(texts, index=[f"r{i}" for i in range(len(texts))])
    frame = model.label_pandas(series, min_confidence=0.9)
    assert list(frame.index) == list(series.index)
    assert list(frame.columns) == list(expected[0])
    assert str(frame["topic_probability"].dtype) == "float64"
    for (_, row), want in zip(frame.iterrows(), expected):
        for name, value in want.items():
            got = row[name]
            if value is None:
                assert got is None or pd.isna(got), (name, got)
            else:
                assert got == value, (name, got, value)
    # pandas' own missing values are missing texts.
    na = model.label_pandas(pd.Series(["The senate voted.", pd.NA], dtype="string"))
    assert na["error"].tolist()[1] == "no text (None)"

    table = model.label_arrow(pa.array(texts), min_confidence=0.9)
    assert table.num_rows == len(texts)
    assert table.schema.field("topic").type == pa.string()
    assert table.schema.field("topic_probability").type == pa.float64()
    assert table.to_pylist() == expected
    chunked = model.label_arrow(pa.chunked_array([texts[:5], texts[5:]]))
    assert chunked.to_pylist() == model.label(texts)
    empty = model.label_arrow(pa.array([None], type=pa.string()))
    assert empty.schema.field("topic_probability").type == pa.float64()

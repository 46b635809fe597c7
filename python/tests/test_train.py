"""train and evaluate give what `classify train` and `classify eval` give."""

from __future__ import annotations

import json
import warnings

import pytest

import classify_news as cn
from conftest import CORPUS, EVAL_SAMPLE, cli_error, read_jsonl, run_cli

# The model's date comes from here, for the CLI and for Python alike.
EPOCH = "1795910400"


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def without_command(info: dict) -> dict:
    """A model description without what only says how it was made."""
    info = json.loads(json.dumps(info))
    info.pop("model")
    info["metadata"].pop("command")
    return info


def test_train_evaluate_on_fixture_corpus_equals_cli(tmp_path):
    out = tmp_path / "cli.model"
    run_cli("train", "tests/fixtures/corpus", "--out", str(out), "--cv", "3")
    cli_model = cn.Model.load(out)

    py_model = cn.train(CORPUS, cv=3, data="tests/fixtures/corpus")
    # The same model: vocabulary, weights, metadata (cross-validated
    # scores included); only the recorded command differs.
    assert without_command(py_model.info(20)) == without_command(cli_model.info(20))
    assert py_model.info()["metadata"]["command"] == ["train", str(CORPUS), "--cv", "3"]
    texts = [r["text"] for r in read_jsonl(EVAL_SAMPLE)]
    assert py_model.label(texts, explain=3) == cli_model.label(texts, explain=3)

    # evaluate == classify eval --format json, number for number.
    cli = json.loads(
        run_cli("eval", "docs/eval-sample.jsonl", "--model", str(out), "--format", "json").stdout
    )
    py = cn.evaluate(py_model, str(EVAL_SAMPLE), data="docs/eval-sample.jsonl")
    assert py["model"] == "(trained)"
    for report in (cli, py):
        report.pop("model")
        report["metadata"].pop("command")
    assert py == cli
    assert [h["head"] for h in py["heads"]] == ["topic", "stance"]

    # The shipped model on the sample, from records in memory this time.
    cli = json.loads(run_cli("eval", "docs/eval-sample.jsonl", "--format", "json").stdout)
    py = cn.evaluate(cn.Model.builtin(), read_jsonl(EVAL_SAMPLE), data="docs/eval-sample.jsonl")
    assert py == cli
    assert py["heads"][0]["accuracy"] == 1.0


def test_records_train_as_the_same_jsonl_file(tmp_path):
    """In-memory records (dicts or a DataFrame) are read as the lines of a
    JSON Lines file: the same model as training on the file."""
    records = read_jsonl(EVAL_SAMPLE)
    options = dict(min_df=1, ngram_max=1, c=0.5, stop_words="english", stem=False, data="d")
    from_file = cn.train(str(EVAL_SAMPLE), **options)
    from_records = cn.train(records, **options)
    assert without_command(from_records.info()) == without_command(from_file.info())
    assert from_records.to_bytes() != b""
    pd = pytest.importorskip("pandas")
    from_frame = cn.train(pd.DataFrame(records), **options)
    assert without_command(from_frame.info()) == without_command(from_file.info())
    # The recorded command is the equivalent command line.
    assert from_file.info()["metadata"]["command"] == [
        "train", str(EVAL_SAMPLE), "--min-df", "1", "--ngram-max", "1", "--c", "0.5",
        "--stop-words", "english", "--no-stem",
    ]
    # One head, by name; the CLI trained with --label topic gives the same.
    out = tmp_path / "topic.model"
    run_cli("train", str(EVAL_SAMPLE), "--out", str(out), "--label", "topic", "--min-df", "1")
    topic = cn.train(records, labels="topic", min_df=1, data=str(EVAL_SAMPLE))
    assert topic.heads == ["topic"]
    assert without_command(topic.info()) == without_command(cn.Model.load(out).info())


def test_bad_training_input_raises_the_cli_message(tmp_path):
    cases = [
        ({"min_df": 0}, ["--min-df", "0"]),
        ({"c": -1}, ["--c", "-1"]),
        ({"ngram_max": 9}, ["--ngram-max", "9"]),
        ({"max_df": 1.5}, ["--max-df", "1.5"]),
        ({"cv": 1}, ["--cv", "1"]),
        ({"labels": ["bias"]}, ["--label", "bias"]),
    ]
    for options, flags in cases:
        message = cli_error("train", str(EVAL_SAMPLE), "--out", str(tmp_path / "x.model"), *flags)
        with pytest.raises(cn.ClassifyValueError) as raised:
            cn.train(str(EVAL_SAMPLE), **options)
        assert str(raised.value) == message, options
    with pytest.raises(TypeError, match="unexpected keyword argument 'min_dff'"):
        cn.train(str(EVAL_SAMPLE), min_dff=2)
    with pytest.raises(TypeError, match="min_df"):
        cn.train(str(EVAL_SAMPLE), min_df="two")
    with pytest.raises(cn.ClassifyValueError, match="expected svm or nb"):
        cn.train(str(EVAL_SAMPLE), algorithm="forest")
    with pytest.raises(cn.ClassifyOSError) as raised:
        cn.train(str(tmp_path / "nope.jsonl"))
    assert str(raised.value) == cli_error("train", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "y.model"))

    # A number where a label belongs is refused, naming the record.
    records = read_jsonl(EVAL_SAMPLE)
    records[2]["topic"] = 3
    with pytest.raises(cn.ClassifyValueError) as raised:
        cn.train(records)
    assert str(raised.value) == (
        'record 3: label field "topic" holds a number (3); labels must be strings (write it in quotes)'
    )
    with pytest.raises(TypeError, match="record 2 is str"):
        cn.train([records[0], "text"])


def test_unusable_records_are_skipped_with_warnings():
    records = read_jsonl(EVAL_SAMPLE)
    records += [{"id": "blank", "text": "  ", "topic": "other"}, {"id": "none", "topic": "other"}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = cn.train(records, min_df=1)
    messages = [str(w.message) for w in caught if issubclass(w.category, cn.ClassifyWarning)]
    assert messages == [
        "skipped record 25: no text: the document is whitespace only",
        "skipped record 26: no text",
    ]
    assert model.info()["metadata"]["documents"] == 24


def test_evaluate_options_and_errors(tmp_path):
    model = cn.Model.builtin()
    only = cn.evaluate(model, str(EVAL_SAMPLE), labels="stance")
    assert [h["head"] for h in only["heads"]] == ["stance"]
    with pytest.raises(cn.ClassifyValueError) as raised:
        cn.evaluate(model, str(EVAL_SAMPLE), labels=["bias"])
    assert str(raised.value) == cli_error("eval", str(EVAL_SAMPLE), "--label", "bias")
    unlabeled = [{"id": "a", "text": "The senate voted."}]
    with pytest.raises(cn.ClassifyValueError, match="no document carries a label"):
        cn.evaluate(model, unlabeled)
    with pytest.raises(TypeError):
        cn.evaluate("not a model", unlabeled)

"""Models: built-in, load, save, bytes, pickle, info, heads and classes."""

from __future__ import annotations

import json
import pickle

import pytest

import classify_news as cn
from conftest import EVAL_SAMPLE, ROOT, cli_error, read_jsonl, run_cli

TEXTS = [r["text"] for r in read_jsonl(EVAL_SAMPLE)]


@pytest.fixture(scope="module")
def model() -> cn.Model:
    return cn.Model.builtin()


def test_heads_and_classes(model):
    assert model.origin == cn.BUILTIN_NAME
    assert model.heads == ["topic", "stance"]
    assert model.classes("topic") == ["education", "immigration", "other", "politics"]
    assert model.classes("stance") == ["critical", "neutral", "supportive"]
    with pytest.raises(cn.ClassifyValueError) as raised:
        model.classes("bias")
    assert str(raised.value) == (
        'built-in (models/default.model): the model has no head "bias" (heads: topic, stance)'
    )
    assert "topic (education, immigration, other, politics)" in repr(model)


def test_info_equals_cli(model, tmp_path):
    for top in (10, 3):
        cli = json.loads(run_cli("info", "--format", "json", "--top", str(top)).stdout)
        assert model.info(top) == cli
    assert model.info() == json.loads(run_cli("info", "--format", "json").stdout)
    path = tmp_path / "copy.model"
    model.save(path)
    cli = json.loads(run_cli("info", str(path), "--format", "json").stdout)
    assert cn.Model.load(path).info() == cli
    assert cli["model"] == str(path)


def test_save_load_round_trip(model, tmp_path):
    with pytest.raises(cn.ClassifyOSError) as raised:
        model.save(tmp_path, overwrite=True)
    assert str(raised.value) == f"{tmp_path}: not a regular file (directory); refusing to replace it"
    path = tmp_path / "m.model"
    model.save(path)
    assert path.read_bytes() == model.to_bytes()
    loaded = cn.Model.load(path)
    assert loaded.origin == str(path)
    assert loaded.to_bytes() == model.to_bytes()
    assert loaded.label(TEXTS) == model.label(TEXTS)
    # An existing file is kept unless overwrite=True; the message is the CLI's.
    message = cli_error("train", "tests/fixtures/corpus", "--out", str(path))
    with pytest.raises(cn.ClassifyOSError) as raised:
        model.save(path)
    assert str(raised.value) == message
    assert isinstance(raised.value, OSError)
    model.save(str(path), overwrite=True)
    assert cn.Model.load(str(path)).to_bytes() == model.to_bytes()
    # Bytes and pickles.
    again = cn.Model.from_bytes(model.to_bytes(), "copy")
    assert again.origin == "copy"
    assert again.label(TEXTS[:3]) == model.label(TEXTS[:3])
    unpickled = pickle.loads(pickle.dumps(loaded))
    assert unpickled.origin == str(path)
    assert unpickled.to_bytes() == loaded.to_bytes()
    builtin = pickle.loads(pickle.dumps(model))
    assert builtin.origin == cn.BUILTIN_NAME
    assert len(pickle.dumps(model)) < 1000  # the built-in model travels as a name


def test_bad_model_files_raise_the_cli_message(tmp_path):
    missing = tmp_path / "missing.model"
    message = cli_error("label", "--model", str(missing), "docs/sample-article.md")
    with pytest.raises(cn.ClassifyOSError) as raised:
        cn.Model.load(missing)
    assert str(raised.value) == message
    assert isinstance(raised.value, OSError)

    good = (ROOT / "models" / "default.model").read_bytes()
    cases = {
        "text.model": b"not a model at all",
        "truncated.model": good[:1000],
        "flipped.model": good[:-10] + bytes(b ^ 0xFF for b in good[-10:]),
        "newer.model": good[:8] + (9).to_bytes(4, "little") + good[12:],
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        message = cli_error("label", "--model", str(path), "docs/sample-article.md")
        with pytest.raises(cn.ClassifyValueError) as raised:
            cn.Model.load(path)
        assert str(raised.value) == message, name
        with pytest.raises(cn.ClassifyValueError) as raised:
            cn.Model.from_bytes(data, str(path))
        assert str(raised.value) == message, name

    with pytest.raises(TypeError):
        cn.Model("not a core model")


def test_v1_model_file_labels_as_the_cli(tmp_path):
    """An old (version 1) model file still loads and labels as the CLI."""
    path = ROOT / "tests" / "fixtures" / "model-v1.model"
    model = cn.Model.load(path)
    done = run_cli("label", "--jsonl", "--format", "jsonl", "--model", str(path), str(EVAL_SAMPLE))
    cli = [json.loads(line) for line in done.stdout.splitlines()]
    for doc, result in zip(cli, model.label(TEXTS)):
        for head in model.heads:
            assert result[head] == doc[head]["label"]
            assert abs(result[f"{head}_probability"] - doc[head]["probability"]) <= 1e-6

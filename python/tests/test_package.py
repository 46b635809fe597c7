"""The package itself: its stubs match its code, help() says something
useful, and it is what the CLI says it is."""

from __future__ import annotations

import ast
import inspect
import pydoc
from pathlib import Path

import classify_news as cn
from conftest import run_cli

PACKAGE = Path(cn.__file__).parent


def stub_functions(tree: ast.Module):
    """(qualified name, parameter names) of every def in a stub."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield f"{node.name}.{item.name}", item


def params(fn: ast.FunctionDef):
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs if p.arg not in ("self", "cls")]


def test_stubs_match_the_code():
    stub = ast.parse((PACKAGE / "__init__.pyi").read_text())
    seen = 0
    for name, fn in stub_functions(stub):
        obj = cn
        for part in name.split("."):
            obj = getattr(obj, part)
        if isinstance(obj, property):
            continue
        code = [p for p in inspect.signature(obj).parameters.values() if p.kind is not p.VAR_KEYWORD]
        code_names = [p.name for p in code if p.name not in ("self", "cls")]
        # Functions taking **options list each option in the stub.
        assert params(fn)[: len(code_names)] == code_names, name
        seen += 1
    assert seen >= 15
    native = ast.parse((PACKAGE / "_classify.pyi").read_text())
    for name, fn in stub_functions(native):
        obj = cn._classify
        for part in name.split("."):
            obj = getattr(obj, part)
        assert callable(obj) or isinstance(obj, property) or inspect.isgetsetdescriptor(obj), name


def test_stub_options_are_the_library_defaults():
    """Every keyword option of train in the stub is one the library knows."""
    stub = ast.parse((PACKAGE / "__init__.pyi").read_text())
    train = dict(stub_functions(stub))["train"]
    options = [p.arg for p in train.args.kwonlyargs if p.arg not in ("labels", "data")]
    assert sorted(options) == sorted(k for k in cn._classify.train_defaults() if k != "labels")


def test_help_is_useful():
    text = pydoc.render_doc(cn.Model, renderer=pydoc.plaintext)
    for words in ("builtin", "load(", "label(", "topic_probability", "min_confidence", "label_pandas",
                  "label_arrow", "GIL", "save(", "overwrite"):
        assert words in text, words
    train = pydoc.render_doc(cn.train, renderer=pydoc.plaintext)
    assert "min_df`` (default ``2``)" in train
    assert "{options}" not in train


def test_version_is_the_library_version():
    assert cn.__version__ == run_cli("--version").stdout.split()[-1]


def test_module_docstring_examples():
    import doctest

    result = doctest.testmod(cn, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0

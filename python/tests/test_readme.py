"""The README's Python examples (the `>>>` blocks) run and print what the
README shows."""

from __future__ import annotations

import doctest
import re

import pytest

from conftest import ROOT


def blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if b.startswith(">>>")]


def test_readme_python_examples(monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.chdir(ROOT)
    found = blocks()
    assert found, "README.md has no >>> examples"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for i, block in enumerate(found):
        test = parser.get_doctest(block, {}, f"README.md block {i + 1}", "README.md", 0)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} README example(s) failed (see above)"
    assert result.attempted >= 8

"""Every ```python block in README.md and docs/ runs, and its printed output
matches the ``# ->`` comments written under it."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)], ids=lambda p: p.name)
def test_page_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for code in _blocks(page):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(page), "exec"), namespace)
        expected = [
            line.split("# ->", 1)[1].strip() for line in code.splitlines() if "# ->" in line
        ]
        if expected:
            printed = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
            assert printed[: len(expected)] == expected, f"{page.name}: output differs"

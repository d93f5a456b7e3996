"""Shared helpers: build a spec from a few layers and run the whole pipeline on it."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlint

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def run(layers: list[dict], **input_: int) -> archlint.FileResult:
    """check() a spec made of these layers on an input (default 3×32×32)."""
    input_ = input_ or {"channels": 3, "height": 32, "width": 32}
    doc = archlint.from_dict({"input": input_, "layers": layers})
    assert doc.spec is not None, doc.problems
    return archlint.check(doc)


def codes(result: archlint.FileResult) -> list[str]:
    return [d.rule for d in result.diagnostics]


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write

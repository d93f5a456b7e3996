"""Shared helpers: build a spec from a few layers and run the whole pipeline on it."""

from __future__ import annotations

import importlib
import importlib.util
import os
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


def import_or_skip(name: str):
    """Import an optional test dependency, skipping the calling tests only if it is not installed.

    pytest.importorskip also skips when the module is installed but fails to import (any
    ImportError before pytest 9.1, a ModuleNotFoundError from inside it since): a broken install
    would pass as skipped tests. Here only "not installed" skips, and only outside CI (CI
    installs the test extra, so a missing module there is a failure); anything else raises.
    """
    if importlib.util.find_spec(name) is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {name} is not installed: install '.[test]'", pytrace=False)
        pytest.skip(f"{name} is not installed (pip install '.[test]')", allow_module_level=True)
    return importlib.import_module(name)

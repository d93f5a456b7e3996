"""Readers: one per file format, peers, each turning a file into plain data in the spec format.

A reader is a function `read(path) -> Reading`: the data as a dict (what a hand-written TOML
spec parses to), a locator saying where each part came from (key path -> line:column for text,
layer index -> ONNX node label for models) and the problems it met while reading. Readers
never import the loader; the loader finds them only through the tables below, by the file's
suffix (or, for text already in memory, by format name), and is the one place that turns a
Reading into a Document (a validated Spec and its problems).

Readers are imported on first use: the ONNX reader pulls in onnx, which checking a .toml must
not pay for. A new format (Darknet cfg, Caffe prototxt, Keras JSON) is one module with a `read`
function, one line here, and its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from archlint.diagnostics import Problem
from archlint.readers.sourcemap import SourceMap

READERS: dict[str, str] = {
    ".toml": "archlint.readers.text:read_toml",
    ".json": "archlint.readers.text:read_json",
    ".onnx": "archlint.readers.onnx:read",
}
"""File suffix -> "module:function" reading such a file; any other suffix is read as TOML."""

PARSERS: dict[str, str] = {
    "toml": "archlint.readers.text:parse_toml",
    "json": "archlint.readers.text:parse_json",
}
"""Format name -> "module:function" parsing text already in memory; any other name is TOML."""


class LoadError(Exception):
    """The file cannot be read (missing, a directory, not text, onnx not installed)."""


@dataclass
class Reading:
    """What a reader found in one file, before any validation."""

    format: str  # "toml", "json", "onnx"
    data: object = None  # the spec as plain data; None when there is nothing to validate
    problems: list[Problem] = field(default_factory=list)
    source_map: SourceMap = field(default_factory=SourceMap)  # text: key path -> line:column
    labels: dict[int, str] = field(default_factory=dict)  # ONNX: layer index -> node label
    text: str | None = None  # the file's text (for suppression comments and fixes)
    is_spec: bool = True  # False: a TOML/JSON file of another kind (pyproject.toml, ...)
    skip_reason: str | None = None  # why a file with a `layers` key is not a spec


def reader(suffix: str) -> Callable[[Path], Reading]:
    """The reader for files with this suffix."""
    return _resolve(READERS.get(suffix.lower(), READERS[".toml"]))


def parser(fmt: str) -> Callable[[str], Reading]:
    """The parser for text of this format ("toml" or "json")."""
    return _resolve(PARSERS.get(fmt, PARSERS["toml"]))


def _resolve(ref: str) -> Callable:
    module, function = ref.split(":")
    return getattr(import_module(module), function)

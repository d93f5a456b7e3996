"""The TOML and JSON readers: text -> plain data, a source map and the problems of parsing.

Parse problems are Problems with reserved codes, never exceptions; the only exception is
LoadError, for a file that cannot be read at all (a usage error, exit 2). TOML and JSON files
that are not specs (pyproject.toml, package.json, a data record) are read as `is_spec = False`
so that a directory or a pre-commit hook can pass every such file; a file that does not parse
is ours only if it mentions `layers`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from archlint.diagnostics import SCHEMA_ERROR, SYNTAX_ERROR, Problem
from archlint.readers import LoadError, Reading
from archlint.readers.sourcemap import SourceMap, json_duplicates, json_positions, toml_positions


def read_toml(path: Path) -> Reading:
    return parse_toml(_read(path))


def read_json(path: Path) -> Reading:
    return parse_json(_read(path))


def parse_toml(text: str) -> Reading:
    return _parse(text, "toml")


def parse_json(text: str) -> Reading:
    return _parse(text, "json")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark is not an error
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise LoadError(f"{path}: cannot read: {reason}") from None


def _parse(text: str, fmt: str) -> Reading:
    duplicates = False
    try:
        if fmt == "json":

            def pairs(items: list) -> dict:
                nonlocal duplicates
                duplicates = duplicates or len({k for k, _ in items}) < len(items)
                return dict(items)

            data = json.loads(text, object_pairs_hook=pairs)
            source_map = json_positions(text)
        else:
            data = tomllib.loads(text)
            source_map = toml_positions(text)
    except RecursionError:
        return _syntax_error(fmt, "nested too deeply to be a spec", 1, 1)
    except json.JSONDecodeError as exc:
        reading = _syntax_error(fmt, exc.msg, exc.lineno, exc.colno)
        reading.is_spec = "layers" in text  # a broken file is ours only if it looks like a spec
        return reading
    except tomllib.TOMLDecodeError as exc:
        reading = _syntax_error(fmt, *_toml_position(str(exc)))
        reading.is_spec = "layers" in text
        return reading
    reading = Reading(fmt, data, source_map=source_map, text=text, is_spec=looks_like_spec(data))
    for path in json_duplicates(text) if duplicates and reading.is_spec else ():
        reading.problems.append(
            Problem(SCHEMA_ERROR, f"duplicate key '{path[-1]}': JSON keeps only the last one", path)
        )
    return reading


def looks_like_spec(data: object) -> bool:
    """A `layers` key, or an `input` table with a spec's keys: other TOML/JSON files
    (pyproject.toml, package.json, a data record with an "input" string) are not ours."""
    if not isinstance(data, dict):
        return False
    table = data.get("input")
    spec_input = isinstance(table, dict) and bool(
        {"channels", "height", "width", "length", "depth", "features"} & table.keys()
    )
    return "layers" in data or spec_input


def _syntax_error(fmt: str, message: str, line: int, col: int) -> Reading:
    source_map = SourceMap({(): (line, col)})
    return Reading(fmt, problems=[Problem(SYNTAX_ERROR, message)], source_map=source_map)


def _toml_position(message: str) -> tuple[str, int, int]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        return message[: match.start()], int(match[1]), int(match[2])
    match = re.search(r"\s*\(at end of document\)$", message)
    return (message[: match.start()] if match else message), 0, 0

"""The TOML and JSON readers: text -> plain data, a source map and the problems of parsing.

Parse problems are Problems with reserved codes, never exceptions; the only exception is
LoadError, for a file that cannot be read at all (a usage error, exit 2). TOML and JSON files
that are not specs (pyproject.toml, package.json, a data record) are read as `is_spec = False`
so that a directory or a pre-commit hook can pass every such file; a file that does not parse
is ours only if it mentions `layers`.

A pass over the text of a spec (or of a file the parsers fail on with a recursion or an
integer-conversion error, which say neither where nor why) finds nesting deeper than MAX_DEPTH
and numbers longer than MAX_DIGITS, before anything walks the data: either is a schema error
(AL902) at its line, as a value over any other limit is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# tomli is the parser the standard library's tomllib was taken from, the same TOML 1.0, but
# its wheels are compiled: 4-6 times faster, which a spec of 100,000 layers (7 MB) needs.
# Kept below 2.3, which reads TOML 1.1: tomlkit, which edits the file for --fix, reads 1.0.
import tomli as tomllib

from archlint.diagnostics import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_TEXT_BYTES,
    SCHEMA_ERROR,
    SYNTAX_ERROR,
    TOO_DEEP,
    TOO_LONG,
    Problem,
    Reserved,
)
from archlint.readers import LoadError, Reading
from archlint.readers.sourcemap import SourceMap, json_duplicates, json_positions, toml_positions


def read_toml(path: Path) -> Reading:
    return _too_large(path, "toml") or parse_toml(_read(path))


def read_json(path: Path) -> Reading:
    return _too_large(path, "json") or parse_json(_read(path))


def parse_toml(text: str) -> Reading:
    return _parse(text, "toml")


def parse_json(text: str) -> Reading:
    return _parse(text, "json")


def _too_large(path: Path, fmt: str) -> Reading | None:
    """A file over MAX_TEXT_BYTES, without parsing it: a schema error at its first line if
    its start mentions layers (it is meant as a spec), else a file that is not a spec."""
    try:
        size = path.stat().st_size
        if size <= MAX_TEXT_BYTES:
            return None
        with path.open("rb") as file:
            head = file.read(64 * 1024)
    except OSError:
        return None  # _read says why it cannot be read
    message = (
        f"the file is {size / 2**20:,.1f} MiB: a spec file is at most {MAX_TEXT_BYTES // 2**20} MiB"
    )
    reading = _located(fmt, SCHEMA_ERROR, message, 1, 1)
    reading.is_spec = b"layers" in head
    return reading


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
    except json.JSONDecodeError as exc:
        reading = _syntax_error(fmt, exc.msg, exc.lineno, exc.colno)
        reading.is_spec = "layers" in text  # a broken file is ours only if it looks like a spec
        return reading
    except tomllib.TOMLDecodeError as exc:
        reading = _syntax_error(fmt, *_toml_position(str(exc)))
        reading.is_spec = "layers" in text
        return reading
    except (RecursionError, ValueError) as exc:  # too deep, or an integer of 4,301 digits
        reading = _past_limits(text, fmt) or _syntax_error(fmt, f"cannot be read: {exc}", 1, 1)
        reading.is_spec = "layers" in text
        return reading
    is_spec = looks_like_spec(data)  # the limits are a spec's: other files are not judged
    if is_spec and (past := _past_limits(text, fmt, data)):
        return past
    reading = Reading(fmt, data, source_map=source_map, text=text, is_spec=is_spec)
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
    return _located(fmt, SYNTAX_ERROR, message, line, col)


def _located(fmt: str, kind: Reserved, message: str, line: int, col: int) -> Reading:
    """A Reading with no data and one problem at line:col."""
    source_map = SourceMap({(): (line, col)})
    return Reading(fmt, problems=[Problem(kind, message)], source_map=source_map)


def _toml_position(message: str) -> tuple[str, int, int]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        return message[: match.start()], int(match[1]), int(match[2])
    match = re.search(r"\s*\(at end of document\)$", message)
    return (message[: match.start()] if match else message), 0, 0


# -------------------------------------------------------------------------------- limits

_TOML_SKIP = (  # where brackets and digits are text, not the document's: strings, comments
    r'"""(?:[^\\]|\\[\s\S])*?"""(?!")'
    r"|'''[\s\S]*?'''(?!')"
    r'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'
    r"|'[^'\n]*+'"
    r"|#[^\n]*+"
)
_JSON_SKIP = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_BRACKETS = {  # the text up to the next run of brackets (or the end), strings skipped whole
    "toml": re.compile(rf"(?:[^\[\]{{}}\"'#]++|{_TOML_SKIP})*+(?:([\[\]{{}}]++)|\Z)"),
    "json": re.compile(rf'(?:[^\[\]{{}}"]++|{_JSON_SKIP})*+(?:([\[\]{{}}]++)|\Z)'),
}
_WORDS = {"toml": re.compile(rf"{_TOML_SKIP}|(\w+)"), "json": re.compile(rf"{_JSON_SKIP}|(\w+)")}
_LONG_NUMBER = re.compile(rf"[0-9]\w{{{MAX_DIGITS},}}")  # maybe in a string: _WORDS tells


def _past_limits(text: str, fmt: str, data: object = None) -> Reading | None:
    """A schema error where the text goes past MAX_DEPTH or MAX_DIGITS, or None.

    Given the parsed data, the text is scanned for brackets only when the data is nested
    too deeply: each bracket in the text opens a table or an array of the data (a TOML
    header's dotted keys open more), so data within the limit means text within it, and
    walking the data is several times faster than scanning a large file's text."""
    deep = data is None or _depth(data) > MAX_DEPTH
    found = (deep and _too_deep(text, fmt)) or _too_long(text, fmt)
    if found is None:
        return None
    message, offset = found
    line, column = text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
    return _located(fmt, SCHEMA_ERROR, message, line, column)


def _depth(data: object) -> int:
    """How deeply tables and arrays nest in the data, the document counting as one."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack += [(c, depth + 1) for c in children if isinstance(c, dict | list)]
    return deepest


def _too_deep(text: str, fmt: str) -> tuple[str, int] | None:
    """Each match starts where the last one ended, never inside a string: where one cannot
    (an unterminated string), the scan ends, and the parser says what is wrong."""
    depth = 1 if fmt == "toml" else 0  # a TOML document is a table without brackets
    end = 0
    for match in _BRACKETS[fmt].finditer(text):
        if match.start() != end or match[1] is None:  # skipped unreadable text, or the end
            return None
        run, end = match[1], match.end()
        opened = run.count("[") + run.count("{")
        if depth + opened <= MAX_DEPTH:  # the usual case: no need to look inside the run
            depth += opened - (len(run) - opened)
            continue
        for offset, bracket in enumerate(run, match.start(1)):
            depth += 1 if bracket in "[{" else -1
            if depth > MAX_DEPTH:
                return TOO_DEEP, offset
    return None


def _too_long(text: str, fmt: str) -> tuple[str, int] | None:
    if not _LONG_NUMBER.search(text):  # the usual case, at the regex engine's speed
        return None
    for match in _WORDS[fmt].finditer(text):  # a long run of digits, not in a string?
        word = match[1] or ""
        digits = len(word.replace("_", ""))
        if digits > MAX_DIGITS and word[0].isdigit():
            return f"a number of {digits:,} digits: {TOO_LONG}", match.start()
    return None

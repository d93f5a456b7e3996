"""The TOML and JSON readers: text -> plain data, a source map and the problems of parsing.

Parse problems are Problems with reserved codes, never exceptions; the only exception is
LoadError, for a file that cannot be read at all (a usage error, exit 2). TOML and JSON files
that are not specs (pyproject.toml, package.json, a data record, another format's `layers`:
see `looks_like_spec`) are read as `is_spec = False` so that a directory or a pre-commit hook
can pass every such file; a file that does not parse is ours only if it mentions `layers`.

A pass over the text of a spec (or of a file the parsers fail on with a recursion or an
integer-conversion error, which say neither where nor why) finds nesting deeper than MAX_DEPTH
and numbers longer than MAX_DIGITS, before anything walks the data: either is a schema error
(AL902) at its line, as a value over any other limit is.
"""

from __future__ import annotations

import difflib
import functools
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
            if _SURROGATE_ESCAPE.search(text):
                data = _without_lone_surrogates(data)
            source_map = json_positions(text)
        else:
            if too_deep := _too_deep_to_parse(text):  # before tomllib: see _LONG_DOTTED_KEY
                return too_deep
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
    if not is_spec and isinstance(data, dict) and "layers" in data:
        reading.skip_reason = foreign_layers(data["layers"])
    for path in json_duplicates(text) if duplicates and reading.is_spec else ():
        reading.problems.append(
            Problem(SCHEMA_ERROR, f"duplicate key '{path[-1]}': JSON keeps only the last one", path)
        )
    return reading


# A \ud800-\udfff escape that JSON does not pair becomes a lone surrogate, which no output
# can encode (UTF-8 refuses it): it is read as U+FFFD, the replacement character.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(data: object) -> object:
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, list):
        return [_without_lone_surrogates(v) for v in data]
    if isinstance(data, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in data.items()}
    return data


def looks_like_spec(data: object) -> bool:
    """An `input` table with a spec's keys, or a `layers` key whose layers are not another
    format's (see `foreign_layers`): other TOML/JSON files (pyproject.toml, package.json, a
    data record with an "input" string, a Mapbox style, a Lottie animation) are not ours."""
    if not isinstance(data, dict):
        return False
    table = data.get("input")
    if isinstance(table, dict) and bool(INPUT_KEYS & table.keys()):
        return True  # a spec, however wrong its layers
    return "layers" in data and foreign_layers(data["layers"]) is None


INPUT_KEYS = frozenset({"channels", "height", "width", "length", "depth", "features"})


def foreign_layers(layers: object) -> str | None:
    """Why `layers` (in a file without a spec's [input]) are another format's, or None.

    They are when they are a non-empty array of tables of which more than half are foreign.
    A table is foreign when its `type` is not an archlint layer type (ignoring case, `_` and
    `-`: "Conv2D" is one) and either it has a key no archlint layer has (`id`, `class_name`,
    `ty`, `visible`, ...) or its `type` is a string not even close to a layer type. So a
    spec's typo ("covn2d" with a layer's keys) or missing [input] is still checked and
    reported, while Mapbox, Lottie or Photoshop-like layers are not.
    """
    if not isinstance(layers, list) or not layers:
        return None
    if not all(isinstance(table, dict) for table in layers):
        return None
    foreign = [table for table in layers if _foreign_layer(table)]
    if len(foreign) * 2 <= len(layers):
        return None
    keys = sorted({k for t in foreign for k in t if k not in _layer_vocabulary()[1]}, key=str)
    if keys:
        named = ", ".join(f"'{k}'" for k in keys[:3]) + (", ..." if len(keys) > 3 else "")
        return f"its layers are another format's ({named}: not layer keys)"
    types = sorted({str(t.get("type")) for t in foreign})
    named = ", ".join(f"'{t}'" for t in types[:3]) + (", ..." if len(types) > 3 else "")
    return f"its layers are another format's (type {named}: not layer types)"


def _foreign_layer(table: dict) -> bool:
    types, keys = _layer_vocabulary()
    kind = table.get("type")
    if isinstance(kind, str) and _normal(kind) in types:
        return False
    if any(not isinstance(k, str) or k not in keys for k in table):
        return True
    if isinstance(kind, str):  # a layer's keys: a typo in the type is ours, another word not
        return not difflib.get_close_matches(_normal(kind), list(types), n=1, cutoff=0.75)
    return False


def _normal(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


@functools.cache
def _layer_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """Every layer type (normalised by `_normal`) and every key any layer takes."""
    from archlint.layers import LAYER_CLASSES  # the readers do not otherwise need the models

    types, keys = set(), set()
    for cls in LAYER_CLASSES:
        types |= {_normal(t) for t in cls.model_fields["type"].annotation.__args__}
        keys |= set(cls.model_fields)
    return frozenset(types), frozenset(keys)


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
_TOML_TOKENS = re.compile(  # what nests in TOML: brackets, headers and dotted keys
    rf"(?P<string>{_TOML_SKIP.rsplit('|', 1)[0]})"  # a quoted key or a string value
    r"|#[^\n]*+|[ \t\r]++"  # a comment, blanks
    r"|(?P<mark>\[\[|[\[\]{},=.\n])"  # `[[` matters only as a header's start
    r"|(?P<word>[^\s\[\]{},=.#\"']++)"  # a bare key or a value: a number, a date, a boolean
)
_KEY_PART = r"""(?:[A-Za-z0-9_-]++|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\n]*+')"""
# A dotted key (or header) of more parts than MAX_DEPTH nests past it wherever it is; tomllib
# takes time and memory quadratic in their number (16,000 parts: 13 s and 1.5 GB), so one is
# looked for before parsing, at the regex engine's speed: a match starts only at a dot, and
# the token scan (_too_deep_toml) then says whether it is a key, not text in a string.
_LONG_DOTTED_KEY = re.compile(
    rf"\.(?:[ \t]*+{_KEY_PART}[ \t]*+\.){{{MAX_DEPTH - 1}}}[ \t]*+{_KEY_PART}"
)
_LONG_NUMBER = re.compile(rf"[0-9]\w{{{MAX_DIGITS},}}")  # maybe in a string: _WORDS tells


def _past_limits(text: str, fmt: str, data: object = None) -> Reading | None:
    """A schema error where the text goes past MAX_DEPTH or MAX_DIGITS, or None.

    Given the parsed data, the text is scanned for brackets only when the data is nested
    too deeply: each bracket in the text opens a table or an array of the data (a TOML
    header's dotted keys open more), so data within the limit means text within it, and
    walking the data is several times faster than scanning a large file's text. (A TOML
    dotted key or header too long to parse is looked for before parsing: _too_deep_to_parse.)
    """
    deep = data is None or _depth(data) > MAX_DEPTH
    found = (deep and _too_deep(text, fmt)) or _too_long(text, fmt)
    if found is None:
        return None
    message, offset = found
    line, column = text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
    return _located(fmt, SCHEMA_ERROR, message, line, column)


def _too_deep_to_parse(text: str) -> Reading | None:
    """A schema error at a TOML dotted key or header of more than MAX_DEPTH parts, found
    before the parser sees it (see _LONG_DOTTED_KEY), or None."""
    if not _LONG_DOTTED_KEY.search(text):  # the usual case
        return None
    reading = _past_limits(text, "toml")
    if reading is not None:
        reading.is_spec = "layers" in text  # as for a file that does not parse
    return reading


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
    if fmt == "toml":
        return _too_deep_toml(text)
    depth = 0
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


def _too_deep_toml(text: str) -> tuple[str, int] | None:
    """Where TOML nests past MAX_DEPTH as the parser sees it: the document is a table; a
    header [a.b] opens a table per part, [[a.b]] an array and its table at the end, and a
    part named earlier by a [[header]] one more level (its last table); a dotted key a.b.c
    opens a table per part but the last, inside the table it is in (a header's, or an inline
    table); each bracket of a value opens an array or an inline table. A scan of tokens, run
    only when the parsed data is too deep or a dotted key is too long (_LONG_DOTTED_KEY)."""
    arrays: set[tuple] = set()  # the headers of arrays of tables met so far
    table = 1  # how deep the last header's table is
    stack: list[tuple[str, int]] = []  # the brackets open in a value, and the depth inside
    key: list[str] = []  # the parts of a key, or a header, being read
    expect = "key"  # "key", "value" (after `=`), "header" (inside [...]) or "after"
    header = ""  # "[" or "[["
    end = 0
    for match in _TOML_TOKENS.finditer(text):
        if match.start() != end:  # skipped unreadable text (an unterminated string)
            return None
        end, mark, string = match.end(), match["mark"], match["string"]
        word = match["word"] if string is None else string.strip("\"'")
        if word is not None and expect in ("key", "header"):  # a part of a key or a header
            key.append(word)
            if expect == "header":  # the table of this part, from the document down
                depth = 1 + len(key) + sum(tuple(key[:i]) in arrays for i in range(1, len(key)))
            else:  # the table the part before this one opened
                depth = (stack[-1][1] if stack else table) + len(key) - 1
            if depth > MAX_DEPTH:
                return TOO_DEEP, match.start()
        elif mark is None or mark == ".":
            continue  # a value's word or string, blanks, a comment, a dot between parts
        elif mark in ("[", "[[") and expect == "key" and not stack and not key:
            expect, header = "header", mark
        elif mark == "]" and expect == "header":  # of `]]`, the first: the second is let be
            path = tuple(key)
            table = 1 + len(path) + sum(path[:i] in arrays for i in range(1, len(path)))
            if header == "[[":
                arrays.add(path)
                table += 1  # the array and its table
                if table > MAX_DEPTH:
                    return TOO_DEEP, match.start()
            key, expect = [], "after"
        elif mark == "=" and expect == "key":
            base = stack[-1][1] if stack else table
            stack.append(("=", base + len(key) - 1))  # the value's depth, until it ends
            key, expect = [], "value"
        elif mark in ("[", "[[", "{") and expect == "value":
            for offset, bracket in enumerate(mark, match.start()):
                depth = stack[-1][1] + 1
                if depth > MAX_DEPTH:
                    return TOO_DEEP, offset
                stack.append((bracket, depth))
            expect = "key" if mark == "{" else "value"
        elif mark in ("]", "}") and stack:
            while stack and stack[-1][0] == "=":  # a value inside an inline table ends
                stack.pop()
            if stack:
                stack.pop()
            expect = "after"
            if stack and stack[-1][0] == "[":
                expect = "value"
        elif mark == "," and stack:
            while stack and stack[-1][0] == "=" and len(stack) > 1:
                stack.pop()
            expect = "key" if stack[-1][0] == "{" else "value"
        elif mark == "\n" and (not stack or stack[-1][0] == "="):
            stack, key, expect = [], [], "key"  # a value at the top ends with its line
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

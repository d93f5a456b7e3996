"""`archlint check --fix`: apply the diagnostics' mechanical fixes, one at a time, and keep each
only if the re-checked file then has strictly fewer findings and no new ones.

A fix changes the value it sets and leaves the rest of the file as it was written. TOML is
edited with tomlkit, which keeps comments and formatting. JSON is edited as text: the small
scanner below finds the span of the value and only that span is replaced (json.dumps spells the
new value), so layout, number spellings and every other byte stay; a key the layer lacks is
added after its last member, spaced as its neighbours are. A file with a syntax or schema error
(AL901, AL902; a duplicate JSON key is one) is never fixed: which value it means is not
settled, and rewriting it could hide the error.

Fixes that change shapes downstream (`Fix.safe` False) are applied only when asked for
(`--unsafe-fixes`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import NamedTuple

from archlint.check import FileResult, check
from archlint.config import Config
from archlint.diagnostics import SCHEMA_ERROR, SYNTAX_ERROR, Diagnostic
from archlint.loader import loads
from archlint.registry import Rule


@dataclass
class Fixed:
    result: FileResult  # the file as it is after the fixes
    text: str
    applied: list[Diagnostic]


def _identity(d: Diagnostic) -> tuple:
    return d.code, d.layer


def edit(text: str, fmt: str, index: int, key: str, value: object) -> str:
    """The text with `key` of the layer at `index` set to `value`, nothing else changed."""
    if fmt == "json":
        return _edit_json(text, index, key, value)
    import tomlkit

    document = tomlkit.parse(text)
    document["layers"][index][key] = value
    return tomlkit.dumps(document)


# JSON: a scanner for text json.loads has already accepted, so it only needs to find where
# values start and end: strings (which may hold any bracket), brackets, and bare scalars.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|[^\s,:\[\]{}"]+')
_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, i: int) -> int:
    return _JSON_SPACE.match(text, i).end()


def _value_end(text: str, start: int) -> int:
    """Where the JSON value starting at `start` ends."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text, start):
        depth += token.group() in ("[", "{")
        depth -= token.group() in ("]", "}")
        if depth == 0:
            return token.end()
    raise ValueError("unterminated JSON value")  # cannot happen in text that parsed


class _Item(NamedTuple):
    """One member of a JSON object (key: its name) or element of an array (key: its index)."""

    key: object
    start: int  # where the member's key, or the element, starts
    value: int  # where its value starts
    end: int  # where its value ends


def _items(text: str, start: int) -> list[_Item]:
    """The items of the object or array that starts at `start`."""
    items: list[_Item] = []
    i = _skip_space(text, start + 1)
    while text[i] not in "]}":
        key, value = len(items), i
        if text[start] == "{":
            key_end = _value_end(text, i)
            key = json.loads(text[i:key_end])
            value = _skip_space(text, _skip_space(text, key_end) + 1)  # past the ':'
        items.append(_Item(key, i, value, _value_end(text, value)))
        i = _skip_space(text, items[-1].end)
        i = _skip_space(text, i + 1) if text[i] == "," else i
    return items


def _find(items: list[_Item], key: object) -> _Item | None:
    """The item named `key`; of duplicates the last, the one json.loads keeps."""
    return next((item for item in reversed(items) if item.key == key), None)


def _edit_json(text: str, index: int, key: str, value: object) -> str:
    new = json.dumps(value, ensure_ascii=False)
    layers = _find(_items(text, _skip_space(text, 0)), "layers")
    layer = _find(_items(text, layers.value), index)
    members = _items(text, layer.value)
    member = _find(members, key)
    if member:
        return text[: member.value] + new + text[member.end :]
    # a new key: after the last member, spaced as the members before it are
    last = members[-1]
    colon = text[_value_end(text, last.start) : last.value]  # ":" or ": ", as the last has it
    if len(members) > 1:
        comma = text[members[-2].end : last.start]  # ", " on one line, or ",\n" and the indent
    else:
        line_start = text.rfind("\n", 0, last.start) + 1
        indent = text[line_start : last.start]
        if indent.strip():  # the member shares a line with the brace: so does the new one
            comma = ", " if colon.endswith(" ") else ","
        else:  # the member has a line of its own: so does the new one
            newline = "\r\n" if text[line_start - 2 : line_start] == "\r\n" else "\n"
            comma = "," + newline + indent
    name = json.dumps(key, ensure_ascii=False)
    return text[: last.end] + comma + name + colon + new + text[last.end :]


def fix(
    result: FileResult, config: Config, unsafe: bool = False, rules: list[Rule] | None = None
) -> Fixed:
    """Apply `result`'s fixes one by one, re-checking with the same rules and config."""
    document = result.document
    fmt, text = document.format, document.text or ""
    applied: list[Diagnostic] = []
    if any(p.kind in (SYNTAX_ERROR, SCHEMA_ERROR) for p in document.problems):
        return Fixed(result, text, applied)  # which value is meant is not settled: leave it
    tried: set[tuple] = set()
    while True:
        candidates = [
            d for d in result.diagnostics
            if d.fix and (d.fix.safe or unsafe) and (d.code, d.layer, d.fix.key) not in tried
            and d.layer in result.analysis.layers  # a plugin's fix may name no layer
        ]  # fmt: skip
        for d in candidates:
            tried.add((d.code, d.layer, d.fix.key))
            index = result.analysis.layers[d.layer].index
            new_text = edit(text, fmt, index, d.fix.key, d.fix.new)
            new = check(loads(new_text, fmt, document.path), rules=rules, config=config)
            before = {_identity(x) for x in result.diagnostics}
            if len(new.diagnostics) < len(result.diagnostics) and all(
                _identity(x) in before for x in new.diagnostics
            ):
                text, result = new_text, new
                applied.append(d)
                break
        else:
            return Fixed(result, text, applied)

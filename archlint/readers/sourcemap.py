"""Source maps: key path -> (line, column), for TOML and JSON documents.

tomllib and json give values without positions, so after a document has parsed, a small
scanner walks the same text again and records where every key, table and array element
starts. The scanners only ever see text the real parser has accepted, so they can be simple;
what they must get right is strings, comments and nesting, in any layout.

A path is a tuple of keys and array indices, as pydantic reports error locations:
("layers", 3, "stride") is the `stride` key of the fourth layer; ("layers", 3) is where that
layer starts (its `[[layers]]` header, its inline table or its JSON object).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right

Path = tuple
_SPACE = re.compile(r"(?:[ \t\r]|#[^\n]*)*")
_SPACE_AND_LINES = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_NEWLINE = re.compile(r"\n")
_COMMENT = re.compile(r"#[^\n]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]*")
_JSON_SPACE = re.compile(r"[ \t\r\n]*")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
Position = tuple[int, int]


class SourceMap:
    """Positions of a document's keys; `locate` falls back to the nearest enclosing path.

    The scan runs on first use: a clean file never needs a position.
    """

    def __init__(self, positions: dict[Path, Position] | None = None, scan=None) -> None:
        self._positions = positions
        self._scan = scan  # a callable giving the positions, run once when needed

    @property
    def positions(self) -> dict[Path, Position]:
        if self._positions is None:
            try:
                self._positions, self._comments = self._scan() if self._scan else ({}, [])
            except RecursionError:  # absurdly deep nesting: locate everything at the start
                self._positions, self._comments = {}, []
        return self._positions

    @property
    def comments(self) -> list[tuple[int, int, str]]:
        """(line, column, text) of every comment (TOML), found by the same scan."""
        self.positions  # noqa: B018 - runs the scan
        return getattr(self, "_comments", [])

    def locate(self, path: Path) -> Position:
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self.positions: dict[Path, Position] = {}
        self.duplicates: list[Path] = []  # JSON keys given twice (the last one wins)
        self.comments: list[tuple[int, int, str]] = []

    def pos(self, i: int | None = None) -> Position:
        i = self.i if i is None else i
        line = bisect_right(self.line_starts, i)  # lines starting at or before i
        return line, i - self.line_starts[line - 1] + 1

    def mark(self, path: Path, i: int | None = None) -> None:
        self.positions.setdefault(path, self.pos(i))

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < len(self.text) else ""

    def startswith(self, s: str) -> bool:
        return self.text.startswith(s, self.i)


# --------------------------------------------------------------------------- TOML


class _TomlScanner(_Scanner):
    def skip_space(self, newlines: bool) -> None:
        pattern = _SPACE_AND_LINES if newlines else _SPACE
        start, self.i = self.i, pattern.match(self.text, self.i).end()
        if "#" in self.text[start : self.i]:  # outside strings, every # starts a comment
            for m in _COMMENT.finditer(self.text, start, self.i):
                self.comments.append((*self.pos(m.start()), m.group()))

    def string(self) -> str:
        """Consume a string of any of TOML's four kinds; return its value (used for keys)."""
        if self.startswith('"""') or self.startswith("'''"):
            quote = self.text[self.i : self.i + 3]
            j = self.i + 3
            while not self.text.startswith(quote, j):
                j += 2 if quote == '"""' and self.text[j] == "\\" else 1
            while self.text.startswith(quote[0], j + 3):  # quotes just before the delimiter
                j += 1
            self.i = j + 3
            return ""
        quote = self.text[self.i]
        j = self.i + 1
        while self.text[j] != quote:
            j += 2 if quote == '"' and self.text[j] == "\\" else 1
        raw = self.text[self.i + 1 : j]
        self.i = j + 1
        return json.loads(f'"{raw}"') if quote == '"' and "\\" in raw else raw

    def key(self) -> list[tuple[str, int]]:
        """A dotted key: its parts with the offset where each starts."""
        parts = []
        while True:
            self.skip_space(newlines=False)
            start = self.i
            if self.peek() in "\"'":
                parts.append((self.string(), start))
            else:
                self.i = _BARE_KEY.match(self.text, self.i).end()
                parts.append((self.text[start : self.i], start))
            self.skip_space(newlines=False)
            if self.peek() == ".":
                self.i += 1
                continue
            return parts

    def value(self, path: Path) -> None:
        self.mark(path)
        ch = self.peek()
        if ch in "\"'":
            self.string()
        elif ch == "[":
            self.i += 1
            index = 0
            while True:
                self.skip_space(newlines=True)
                if self.peek() == "]":
                    self.i += 1
                    return
                self.value(path + (index,))
                index += 1
                self.skip_space(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif ch == "{":
            self.i += 1
            while True:
                self.skip_space(newlines=True)
                if self.peek() == "}":
                    self.i += 1
                    return
                self.key_value(path)
                self.skip_space(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        else:  # number, bool, date: up to the next delimiter
            while self.i < len(self.text) and self.text[self.i] not in ",]}\n#":
                self.i += 1

    def key_value(self, table: Path) -> None:
        path = table
        for name, start in self.key():
            path = path + (name,)
            self.mark(path, start)
        self.skip_space(newlines=False)
        self.i += 1  # '='
        self.skip_space(newlines=False)
        self.value(path)

    def scan(self) -> tuple[dict[Path, Position], list]:
        table: Path = ()
        array_counts: dict[Path, int] = {}
        while True:
            self.skip_space(newlines=True)
            if self.i >= len(self.text):
                return self.positions, self.comments
            if self.peek() == "[":
                header_at = self.i
                is_array = self.startswith("[[")
                self.i += 2 if is_array else 1
                table = ()
                parts = [name for name, _start in self.key()]
                for n, name in enumerate(parts):
                    table = table + (name,)
                    last_of_array = is_array and n == len(parts) - 1
                    if table in array_counts and not last_of_array:  # in its latest element
                        table = table + (array_counts[table] - 1,)
                if is_array:
                    array_counts[table] = array_counts.get(table, 0) + 1
                    self.mark(table, header_at)
                    table = table + (array_counts[table] - 1,)
                self.mark(table, header_at)
                self.i = self.text.index("]", self.i) + (2 if is_array else 1)
            else:
                self.key_value(table)


def toml_positions(text: str) -> SourceMap:
    return SourceMap(scan=lambda: _TomlScanner(text).scan())


# --------------------------------------------------------------------------- JSON


class _JsonScanner(_Scanner):
    def scan(self) -> tuple[dict[Path, Position], list]:
        self.value(())
        return self.positions, []

    def scan_duplicates(self) -> list[Path]:
        self.value(())
        return self.duplicates

    def skip_space(self) -> None:
        self.i = _JSON_SPACE.match(self.text, self.i).end()

    def string(self) -> str:
        end = _JSON_STRING.match(self.text, self.i).end()
        raw = self.text[self.i : end]
        self.i = end
        return json.loads(raw) if "\\" in raw else raw[1:-1]

    def value(self, path: Path) -> None:
        self.skip_space()
        self.mark(path)
        ch = self.peek()
        if ch == '"':
            self.string()
        elif ch == "[":
            self.i += 1
            index = 0
            while True:
                self.skip_space()
                if self.peek() == "]":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.value(path + (index,))
                index += 1
        elif ch == "{":
            self.i += 1
            while True:
                self.skip_space()
                if self.peek() == "}":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                start = self.i
                key = self.string()
                here = path + (key,)
                if here in self.positions:  # the last one wins: forget the first one's places
                    self.duplicates.append(here)
                    for old in [p for p in self.positions if p[: len(here)] == here]:
                        del self.positions[old]
                self.mark(path + (key,), start)
                self.skip_space()
                self.i += 1  # ':'
                self.value(path + (key,))  # the member keeps its key's position
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",]} \t\r\n":
                self.i += 1


def json_positions(text: str) -> SourceMap:
    return SourceMap(scan=lambda: _JsonScanner(text).scan())


def json_duplicates(text: str) -> list[Path]:
    """The paths of keys an object gives twice (json.loads keeps the last one in silence)."""
    return _JsonScanner(text).scan_duplicates()

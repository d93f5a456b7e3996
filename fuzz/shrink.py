"""A greedy delta-debugging shrinker for cases given as plain data (dicts, lists, scalars, bytes).

`shrink(case, fails, deadline)` tries smaller variants of the case, largest cuts first, and
keeps the first that still fails (the caller's predicate, usually "fails with the same
signature"), then starts again from it, until no variant fails or the budget is spent:

- a list loses a run of items (halves, quarters, ... single items);
- a dict loses a key (but the case's "kind" and "fmt");
- bytes that are a JSON or TOML document are parsed, cut as data and written again; then
  bytes lose runs of lines, then runs of bytes (ddmin's granularities);
- a scalar becomes a simpler one: 0 or 1 or half of an integer, 0.0, "", False.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator

KEEP = ("kind", "fmt")  # what a case is and the format of its file stay as they are


def shrink(case: dict, fails: Callable[[dict], bool], deadline: float,
           max_tries: int = 5000) -> tuple[dict, int]:  # fmt: skip
    """The smallest variant of `case` found that still fails, and the variants tried."""
    best, tries = case, 0
    improved = True
    while improved:
        improved = False
        for candidate in candidates(best):
            if time.monotonic() >= deadline or tries >= max_tries:
                return best, tries
            tries += 1
            if fails(candidate):
                best, improved = candidate, True
                break
    return best, tries


def _paths(tree, path=()) -> Iterator[tuple]:
    """Every path into the tree, breadth first (outer containers before inner ones)."""
    level = [(path, tree)]
    while level:
        following = []
        for p, node in level:
            yield p
            if isinstance(node, dict):
                following += [((*p, k), v) for k, v in node.items()]
            elif isinstance(node, list):
                following += [((*p, i), v) for i, v in enumerate(node)]
        level = following


def _get(tree, path):
    for part in path:
        tree = tree[part]
    return tree


def _replaced(tree, path, value):
    out = copy.deepcopy(tree)
    if not path:
        return value
    _get(out, path[:-1])[path[-1]] = value
    return out


def _chunks(n: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the runs to cut from n items, largest first."""
    size = n // 2 if n > 1 else 1
    while size >= 1:
        for start in range(0, n, size):
            yield start, min(n, start + size)
        if size == 1:
            break
        size //= 2


def _cuts(case) -> Iterator[dict]:
    for path in list(_paths(case)):
        node = _get(case, path)
        if isinstance(node, list) and node:
            for a, b in _chunks(len(node)):
                yield _replaced(case, path, node[:a] + node[b:])
        elif isinstance(node, dict):
            for key in list(node):
                if path == () and key in KEEP:
                    continue
                yield _replaced(case, path, {k: v for k, v in node.items() if k != key})
        elif isinstance(node, bytes) and node:
            yield from (_replaced(case, path, smaller) for smaller in _document_cuts(node))
            lines = node.splitlines(keepends=True)
            if len(lines) > 1:
                for a, b in _chunks(len(lines)):
                    yield _replaced(case, path, b"".join(lines[:a] + lines[b:]))
            if len(node) <= 4096:
                for a, b in _chunks(len(node)):
                    yield _replaced(case, path, node[:a] + node[b:])


def _document_cuts(blob: bytes) -> Iterator[bytes]:
    """Smaller documents, when the bytes are a JSON or TOML document: parsed, cut as data and
    written again (a one-line JSON file has no lines to cut)."""
    import json
    import tomllib

    from fuzzlib import Unrepresentable, to_toml

    for load, dump in ((json.loads, lambda d: json.dumps(d).encode()),
                       (tomllib.loads, lambda d: to_toml(d).encode())):  # fmt: skip
        try:
            data = load(blob.decode("utf-8"))
        except (ValueError, RecursionError):
            continue
        if not isinstance(data, (dict, list)):
            return
        for smaller in _cuts({"kind": "document", "v": data}):
            if "v" in smaller:
                try:
                    yield dump(smaller["v"])
                except (Unrepresentable, ValueError, TypeError, RecursionError):
                    continue
        return


def _simpler(value) -> list:
    if isinstance(value, bool):
        return [False] if value else []
    if isinstance(value, int):
        options = [0, 1] + ([value // 2] if abs(value) > 2 else [])
        options += [-value] if value < 0 else []
        if abs(value) > 2**64:  # a long number: halve its digits, not its value
            options.insert(2, value >> (value.bit_length() // 2))
        return [v for v in dict.fromkeys(options) if v != value]
    if isinstance(value, float):
        return [v for v in (0.0, 1.0) if v != value or str(v) != str(value)]
    if isinstance(value, str):
        return [v for v in dict.fromkeys(["", "a", value[: len(value) // 2]]) if v != value]
    return []


def _simplifications(case) -> Iterator[dict]:
    for path in list(_paths(case)):
        if path[:1] and path[0] in KEEP:
            continue
        for value in _simpler(_get(case, path)):
            yield _replaced(case, path, value)


def candidates(case: dict) -> Iterator[dict]:
    yield from _cuts(case)
    yield from _simplifications(case)

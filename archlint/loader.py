"""Load: a reader's plain data and locator -> a Document (the validated Spec and its problems).

The loader is the one place that validates: whatever the format, a reader (archlint/readers/,
found by suffix in its table) gives plain data in the spec format, where each part came from,
and what it met while reading; here that becomes a pydantic Spec, with one located Problem per
offending key. Problems are values, never exceptions; the only exception is LoadError, for a
file that cannot be read at all (a usage error, exit 2).
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from archlint.diagnostics import (
    MAX_DEPTH,
    MAX_DIGITS,
    SCHEMA_ERROR,
    SYNTAX_ERROR,
    TOO_DEEP,
    TOO_LONG,
    Problem,
)
from archlint.layers import LAYER_TYPES
from archlint.readers import PARSERS, LoadError, Reading, parser, reader
from archlint.readers.sourcemap import SourceMap
from archlint.spec import MAX_LAYERS, Spec, validate

__all__ = ["Document", "LoadError", "from_dict", "load", "loads", "read_onnx", "schema_problems"]


@dataclass
class Document:
    """One loaded file: its spec (None when it does not validate) and the problems found."""

    path: str
    spec: Spec | None
    source_map: SourceMap = field(default_factory=SourceMap)
    problems: list[Problem] = field(default_factory=list)
    text: str | None = None  # the file's text (for suppression comments)
    is_spec: bool = True  # False: a TOML/JSON file of another kind (pyproject.toml, ...)
    format: str = "dict"  # "toml", "json", "onnx", or "dict" for specs built in code
    labels: dict[int, str] = field(default_factory=dict)  # layer index -> where, without lines
    foreign: str | None = None  # why a file with a `layers` key is not a spec

    @property
    def skip_reason(self) -> str:
        """Why a file that is not a spec was skipped (said for files named on the command line)."""
        if self.foreign:
            return f"not an archlint spec ({self.foreign})"
        if not self.problems:
            keys = "[input] or [[layers]]" if self.format == "toml" else '"input" or "layers"'
            return f"not an archlint spec (no {keys})"
        problem = self.problems[0]  # it was not read, and does not mention layers
        line, column = self.source_map.locate(problem.path)
        where = f"line {line}, column {column}"
        if problem.kind == SYNTAX_ERROR:
            where = f"not valid {self.format.upper()} ({where}: {problem.message})"
        else:
            where = f"{problem.message} ({where})"
        return f"{where}, and no layers in it"


def load(path: str | Path) -> Document:
    """Read and validate a .toml or .json spec file, or an .onnx model."""
    _check_path("load", path)
    path = Path(path)
    return document(reader(path.suffix)(path), str(path))


def loads(text: str, fmt: str = "toml", filename: str = "<string>") -> Document:
    """Validate a spec given as TOML or JSON text (`fmt` "toml" or "json")."""
    if not isinstance(text, str):
        hint = ": decode it first, text.decode('utf-8')" if isinstance(text, bytes) else ""
        raise TypeError(f"archlint.loads() takes the spec's text as a str, not a"
                        f" {type(text).__name__}{hint}")  # fmt: skip
    if not isinstance(fmt, str) or fmt.lower().removeprefix(".") not in PARSERS:
        raise ValueError(
            f"archlint.loads() reads {' or '.join(map(repr, PARSERS))} text, not {fmt!r}"
        )
    if not isinstance(filename, str):
        raise TypeError(f"archlint.loads(filename=...) takes a str, not {filename!r}")
    return document(parser(fmt.lower().removeprefix("."))(text), filename)


def read_onnx(path: str | Path) -> Document:
    """Read a file as an ONNX model, whatever its suffix (the onnx package is needed)."""
    _check_path("read_onnx", path)
    return document(reader(".onnx")(Path(path)), str(path))


def _check_path(function: str, path: object) -> None:
    """A TypeError or ValueError for what is not a file's path."""
    if isinstance(path, Document):
        raise TypeError(
            f"archlint.{function}() takes a file's path; this Document is loaded already"
        )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"archlint.{function}() takes a file's path (str or pathlib.Path), not a"
            f" {type(path).__name__}"
            + (": for a dict, use archlint.from_dict()" if isinstance(path, dict) else "")
        )
    if isinstance(path, str) and "\n" in path:
        raise ValueError(
            f"archlint.{function}() was given text with line breaks as a path: for a spec's"
            " text, use archlint.loads(text, 'toml' or 'json')"
        )


def document(reading: Reading, filename: str) -> Document:
    """The Document of what a reader found: its data validated, its problems after the schema's."""
    if reading.data is None or not reading.is_spec:
        doc = Document(filename, None, problems=list(reading.problems))
    else:
        doc = from_dict(reading.data, filename)
        doc.problems += reading.problems
    doc.source_map = reading.source_map
    doc.text = reading.text
    doc.is_spec = reading.is_spec
    doc.foreign = reading.skip_reason
    doc.format = reading.format
    doc.labels = reading.labels
    return doc


def from_dict(data: object, filename: str = "<dict>") -> Document:
    """Validate a spec given as a dict (as parsed from TOML or JSON, or built in code)."""
    if isinstance(data, Spec):  # already validated: built from the pydantic models
        return Document(filename, data)
    if not isinstance(filename, str):
        raise TypeError(f"archlint.from_dict(filename=...) takes a str, not {filename!r}")
    if not isinstance(data, dict):
        message = "a spec is a table/object with [model], [input] and [[layers]]"
        return Document(filename, None, problems=[Problem(SCHEMA_ERROR, message)])
    layers = data.get("layers")
    if isinstance(layers, list) and len(layers) > MAX_LAYERS:  # said before validating them all
        message = f"layers: a spec has at most {MAX_LAYERS:,} layers, not {len(layers):,}"
        return Document(filename, None, problems=[Problem(SCHEMA_ERROR, message, ("layers",))])
    if isinstance(layers, list) and any(_huge_tag(item) for item in layers):
        return Document(filename, None, problems=[limit_problem(data)])  # pydantic would print
    try:
        spec = validate(data)
    except (ValidationError, RecursionError) as exc:
        over = limit_problem(data)  # said alone: the values past a limit cannot be shown
        if over is None and isinstance(exc, ValidationError):
            return Document(filename, None, problems=schema_problems(exc, data))
        problem = over or Problem(SCHEMA_ERROR, f"cannot be validated: {exc}")
        return Document(filename, None, problems=[problem])
    return Document(filename, spec)


_TOO_MANY_DIGITS = 10**MAX_DIGITS


def _huge_tag(item: object) -> bool:
    """A layer type that is an integer past MAX_DIGITS: pydantic's union error would convert
    it to text, fail on Python's digit limit, and print 'Exception ignored' on stderr."""
    kind = item.get("type") if isinstance(item, dict) else None
    return isinstance(kind, int) and abs(kind) >= _TOO_MANY_DIGITS


def limit_problem(data: object) -> Problem | None:
    """The first value nested deeper than MAX_DEPTH (or inside itself), or integer of more
    than MAX_DIGITS digits.

    Each would stop the schema's messages (json.dumps recurses, and refuses an integer of
    more than 4,300 digits), so it is reported alone. The data is walked without recursion,
    and only when it fails validation: valid data nests five deep at most, and walking every
    spec would cost about as much as validating it. A table or list met twice (data built in
    code may share them) is walked once.
    """
    stack: list[tuple[tuple, object, tuple]] = [((), data, ())]  # path, value, ids above it
    walked = set()
    while stack:
        path, value, above = stack.pop()
        message = None
        if isinstance(value, (dict, list, tuple)):
            if len(path) >= MAX_DEPTH or id(value) in above:
                message = TOO_DEEP + (" (this one holds itself)" if id(value) in above else "")
            elif id(value) not in walked:
                walked.add(id(value))
                items = value.items() if isinstance(value, dict) else enumerate(value)
                below = (*above, id(value))
                stack += reversed([(path + (key,), item, below) for key, item in items])
        elif isinstance(value, int) and abs(value) >= _TOO_MANY_DIGITS:
            message = f"an integer of more than {MAX_DIGITS:,} digits: {TOO_LONG}"
        if message:
            return Problem(SCHEMA_ERROR, message, path, _layer_name(data, path))
    return None


# ----------------------------------------------------------------- schema error messages


def schema_problems(exc: ValidationError, data: dict) -> list[Problem]:
    """One Problem per offending key, with pydantic's union noise folded away."""
    grouped: dict[tuple, list[dict]] = {}
    for error in exc.errors(include_url=False):
        grouped.setdefault(_data_path(error["loc"], data), []).append(error)
    # a union that fails deeper down (padding[1]) says why there; the alternatives that did
    # not match at the top (an int, 'same') are noise
    deeper = {path[:n] for path in grouped for n in range(len(path))}
    return [_problem(p, errors, data) for p, errors in grouped.items() if p not in deeper or
            any(e["type"] in ("missing", "extra_forbidden") for e in errors)]  # fmt: skip


def _data_path(loc: tuple, data: object) -> tuple:
    """pydantic's loc without union tags and member labels: a key path into the document."""
    path: list = []
    node = data
    for k, part in enumerate(loc):
        tag = isinstance(node, dict) and part == node.get("type")
        if k and isinstance(loc[k - 1], int) and tag:
            continue  # the union's tag right after the layer's index, even if a key is named so
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and _is_key(part):
            path.append(part)  # a key the document lacks: where it is missing
            node = None
    return tuple(path)


TYPE_LABELS = {"int", "str", "float", "bool", "list", "dict", "none"}


def _is_key(part: object) -> bool:
    """A spec key, not one of pydantic's union member labels (constrained-int, list[...])."""
    return isinstance(part, str) and part.isidentifier() and part not in TYPE_LABELS


def _value_at(data: object, path: tuple) -> object:
    for part in path:
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _layer_name(data: dict, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] == "layers" and isinstance(path[1], int):
        layer = _value_at(data, path[:2])
        if isinstance(layer, dict) and isinstance(layer.get("name"), str):
            return layer["name"]
        kind = layer.get("type") if isinstance(layer, dict) else None
        return f"{kind}_{path[1]}" if isinstance(kind, str) else f"layers[{path[1]}]"
    return None


def _problem(path: tuple, errors: list[dict], data: dict) -> Problem:
    error = errors[0]
    kind = error["type"]
    key = path[-1] if path else None
    layer = _layer_name(data, path)
    owner = _owner(data, path)
    help = None
    if kind == "extra_forbidden":
        message = f"unknown key '{key}'" + (f" in {owner}" if owner else "")
        help = _did_you_mean(str(key), _known_keys(data, path[:-1]))
        if key in Spec.model_fields and len(path) > 1:
            help = "in TOML a key after a [table] header belongs to that table: move it above"
    elif kind == "union_tag_invalid":
        tag = error["ctx"]["tag"]
        message = f"unknown layer type '{tag}'"
        path = path + ("type",)
        help = _did_you_mean(tag, LAYER_TYPES, lower=True) or "`archlint types` lists them"
    elif kind == "union_tag_not_found":
        message = "a layer needs a 'type' (e.g. type = \"conv2d\")"
    elif kind == "missing":
        message = f"missing key '{key}'" + (f" ({owner} needs it)" if owner else "")
    else:
        reasons = []
        for e in errors:
            msg = e["msg"].removeprefix("Value error, ").replace(" after validation", "")
            msg = msg.replace("Input should be ", "should be ").replace("List should", "should")
            if msg not in reasons:
                reasons.append(msg)
        if all(r.startswith("should be ") for r in reasons):
            reasons = ["should be " + " or ".join(r.removeprefix("should be ") for r in reasons)]
        value = _value_at(data, path)
        shown = json.dumps(value, default=repr)  # from_dict may be given anything
        whole_table = isinstance(value, dict) and (
            path in (("input",), ("model",)) or len(path) == 2
        )
        got = "" if whole_table or len(shown) > 80 else f" (got {shown})"
        name = _key_name(path)
        message = (f"{name}: " if name else "") + "; ".join(reasons) + got
    return Problem(SCHEMA_ERROR, message, path, layer, help)


def _key_name(path: tuple) -> str:
    """'padding[0]' for ('layers', 3, 'padding', 0): the key as the user wrote it."""
    start = 2 if path[:1] == ("layers",) else 1
    name = ""
    for part in path[start:]:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def _owner(data: dict, path: tuple) -> str | None:
    """'conv2d layer conv1', '[input]' or '[model]' for messages."""
    if path[:1] == ("layers",) and len(path) > 2:
        layer = _value_at(data, path[:2])
        kind = layer.get("type") if isinstance(layer, dict) else None
        return f"{kind} layer" if isinstance(kind, str) else "layer"
    if path[:1] in (("input",), ("model",)) and len(path) > 1:
        return f"[{path[0]}]"
    return None


def _known_keys(data: dict, table: tuple) -> list[str]:
    from archlint.spec import Input, Model

    if table == ():
        return list(Spec.model_fields)
    if table == ("input",):
        return list(Input.model_fields)
    if table == ("model",):
        return list(Model.model_fields)
    layer = _value_at(data, table)
    cls = LAYER_TYPES.get(layer.get("type")) if isinstance(layer, dict) else None
    return list(cls.model_fields) if cls else []


def _did_you_mean(word: str, choices, lower: bool = False) -> str | None:
    probe = word.lower() if lower else word
    if probe + "2d" in choices:  # "maxpool" is most likely the 2-d one
        return f"did you mean '{probe}2d'?"
    match = difflib.get_close_matches(probe, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None

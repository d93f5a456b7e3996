"""Load: text -> parsed document + source map -> Spec, with every problem located.

Parse and schema problems are Problems with reserved codes, never exceptions; the only
exception is LoadError, for a file that cannot be read at all (a usage error, exit 2).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from archlint.diagnostics import SCHEMA_ERROR, SYNTAX_ERROR, Problem
from archlint.layers import LAYER_TYPES
from archlint.sourcemap import SourceMap, json_duplicates, json_positions, toml_positions
from archlint.spec import Spec


class LoadError(Exception):
    """The file cannot be read (missing, a directory, not text)."""


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


def load(path: str | Path) -> Document:
    """Read and validate a .toml or .json spec file, or an .onnx model."""
    path = Path(path)
    if path.suffix.lower() == ".onnx":
        from archlint.onnx_import import read_onnx  # imports onnx itself, only when needed

        return read_onnx(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not an error
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise LoadError(f"{path}: cannot read: {reason}") from None
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    return loads(text, fmt, str(path))


def loads(text: str, fmt: str = "toml", filename: str = "<string>") -> Document:
    """Validate a spec given as TOML or JSON text."""
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
        return _syntax_error(filename, "nested too deeply to be a spec", 1, 1)
    except json.JSONDecodeError as exc:
        doc = _syntax_error(filename, exc.msg, exc.lineno, exc.colno)
        doc.is_spec = "layers" in text  # a broken file is ours only if it looks like a spec
        return doc
    except tomllib.TOMLDecodeError as exc:
        doc = _syntax_error(filename, *_toml_position(str(exc)))
        doc.is_spec = "layers" in text
        return doc
    if not looks_like_spec(data):
        return Document(filename, None, source_map, text=text, is_spec=False)
    doc = from_dict(data, filename)
    doc.source_map = source_map
    doc.text = text
    doc.format = fmt
    for path in json_duplicates(text) if duplicates else ():
        doc.problems.append(
            Problem(SCHEMA_ERROR, f"duplicate key '{path[-1]}': JSON keeps only the last one", path)
        )
    return doc


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


def from_dict(data: object, filename: str = "<dict>") -> Document:
    """Validate a spec given as a dict (as parsed from TOML or JSON, or built in code)."""
    if not isinstance(data, dict):
        message = "a spec is a table/object with [model], [input] and [[layers]]"
        return Document(filename, None, problems=[Problem(SCHEMA_ERROR, message)])
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        return Document(filename, None, problems=schema_problems(exc, data))
    except RecursionError:
        return Document(filename, None, problems=[Problem(SCHEMA_ERROR, "nested too deeply")])
    return Document(filename, spec)


def _syntax_error(filename: str, message: str, line: int, col: int) -> Document:
    source_map = SourceMap({(): (line, col)})
    return Document(filename, None, source_map, [Problem(SYNTAX_ERROR, message)])


def _toml_position(message: str) -> tuple[str, int, int]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        return message[: match.start()], int(match[1]), int(match[2])
    match = re.search(r"\s*\(at end of document\)$", message)
    return (message[: match.start()] if match else message), 0, 0


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
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part != node.get("type") and _is_key(part):
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

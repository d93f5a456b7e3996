"""Convert an ONNX model to an editable spec: TOML (by default) or JSON, by the output suffix.

The TOML reads as a hand-written spec: [model], [input], then one [[layers]] table per layer,
`name` and `type` first, then the layer's keys in the order `archlint types` lists them, with
defaults left out and `inputs` only where a layer does not read the layer before it. A comment
above each layer names the ONNX node it came from, and for an `opaque` layer why archlint
cannot model it. Checking the converted file gives the same shapes, parameters and findings as
checking the .onnx file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import tomlkit

from archlint.files import write_text
from archlint.layers import LAYER_TYPES
from archlint.loader import LoadError
from archlint.readers.onnx import Conversion, convert_file

LAYER_FIRST = ("name", "type", "op")
UNSAFE = re.compile(r"[\x00-\x1f\x7f#]")  # kept out of comments: newlines, and '#' (suppressions)


def convert(path: str | Path, out_path: str | Path) -> Path:
    """Write the ONNX model at `path` as a spec at `out_path` (.toml or .json)."""
    path, out_path = Path(path), Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise LoadError(f"{out_path}: the converted spec must be a .toml or .json file")
    conversion = convert_file(path)
    if conversion.spec is None:
        reasons = "; ".join(p.message for p in conversion.problems)
        raise LoadError(f"{path}: cannot convert: {reasons}")
    spec = tidy(conversion.spec)
    if suffix == ".json":
        text = json.dumps(spec, indent=2, ensure_ascii=False) + "\n"
    else:
        text = to_toml(spec, conversion, path.name)
    try:
        write_text(out_path, text)
    except OSError as exc:
        raise LoadError(f"{out_path}: cannot write: {exc.strerror or exc}") from None
    return out_path


def tidy(spec: dict) -> dict:
    """The spec as a user would write it: keys in order, `inputs` only where not implied."""
    layers = []
    previous = "input"
    for layer in spec["layers"]:
        out = {k: layer[k] for k in LAYER_FIRST if k in layer}
        cls = LAYER_TYPES.get(layer.get("type"))
        order = list(cls.model_fields) if cls else []
        out.update({k: layer[k] for k in order if k in layer and k not in out and k != "inputs"})
        out.update({k: v for k, v in layer.items() if k not in out and k != "inputs"})
        inputs = layer.get("inputs")
        if inputs is not None and list(inputs) != [previous]:
            out["inputs"] = inputs[0] if len(inputs) == 1 else list(inputs)
        layers.append(out)
        previous = layer["name"]
    return {"model": spec["model"], "input": spec["input"], "layers": layers}


def to_toml(spec: dict, conversion: Conversion, source: str) -> str:
    lines = [
        f"# Converted by archlint from {_comment(source)} ({_comment(conversion.origin)}).",
        "# Each layer names the ONNX node it came from. Layers of type 'opaque' are operators",
        "# archlint cannot model: the shapes after them are unknown until they are replaced",
        "# by supported layers (`archlint types` lists them).",
        "",
        "[model]",
        *_table(spec["model"]),
        "",
        "[input]",
        *_table(spec["input"]),
    ]
    for index, layer in enumerate(spec["layers"]):
        lines.append("")
        label = conversion.labels.get(index)
        note = conversion.notes.get(index)
        if label:
            lines.append(f"# {_comment(label)}" + (f": {_comment(note)}" if note else ""))
        lines.append("[[layers]]")
        lines += _table(layer)
    return "\n".join(lines) + "\n"


def _table(table: dict) -> list[str]:
    return [f"{key} = {_value(value)}" for key, value in table.items()]


def _value(value) -> str:
    """A TOML value. '#' can only occur inside its strings and is escaped there, so no line
    of a converted spec looks like a suppression comment, whatever the node names are."""
    return tomlkit.item(value).as_string().replace("#", "\\u0023")


def _comment(text: str) -> str:
    return UNSAFE.sub("?", text)

"""Generators and properties shared by tests/test_fuzz.py (hypothesis) and fuzz/fuzz.py (the
standalone fuzzer).

A *case* is plain data (dicts, lists, numbers, strings, bytes), so that it can be regenerated,
shrunk and written down:

- ``spec``: a spec as a dict (generated, or a sample with structure-aware mutations), run
  through from_dict, as TOML and JSON text through loads, and through the CLI;
- ``text``: the bytes of a TOML or JSON file (a sample or a generated spec, mutated byte by
  byte), loaded from a file and run through the CLI;
- ``onnx``: a recipe for a small ONNX model (built with onnx.helper) and byte mutations of
  its serialisation, loaded from a .onnx file, checked, converted;
- ``plugin``: a spec and hostile rules (that raise, yield junk, loop), run by check and the CLI;
- ``plugin-load``: rule plugins that fail to load in every way a module can;
- ``config``: configs with every key, in and out of range, as dicts, files and --config;
- ``scaling``: one command on a structure of size n and 3n, its work counted.

The generators draw every choice from a ``Source``: ``RandomSource`` (a seeded
random.Random, for the fuzzer) or ``HypothesisSource`` (hypothesis' ``data.draw``, for the
test-suite, which then shrinks as hypothesis does). The simplest choice is always the lowest
number, so shrinking moves towards plain, unmutated cases.

``run(case, workdir)`` checks every property and raises ``Failure`` (a property name, a
signature that tells distinct defects apart, and the details) at the first one that does not
hold. Properties:

- ``exception``: no exception escapes archlint.from_dict/loads/load/check, summary, draw,
  sizes, the reporters, or the CLI (run in-process, catch_exceptions=False). ``load`` may raise
  LoadError, its documented exception, for a file that is not UTF-8 (and only then);
- ``cli-exit``: the CLI's exit code is 0, 1 or 2; ``cli-traceback``: no "Traceback" in its
  output; ``cli-api``: ``check --format json`` says what archlint.check says about the file;
- ``location``: every diagnostic of a text file has line >= 1 and column >= 1, and the line
  is in the file;
- ``toml-json``: TOML and JSON of the same data give the same diagnostics (code, severity,
  layer, message), as a multiset (lines differ);
- ``crlf``: CRLF line endings give the same diagnostics, at the same lines and columns, as LF;
- ``negative``: no negative number in the JSON of check, summary or sizes (a receptive
  field's ``start``, the centre of the first output's field, may lie in the padding);
- ``slow`` / ``hang``: every command takes at most SOFT_SECONDS of CPU time (process time, not
  wall time, so a loaded machine does not make it flaky) and returns within HARD_SECONDS
  of wall time (a SIGALRM turns a hang into a failure with the stack where it hung);
- ``fix``: ``check --fix --unsafe-fixes`` never rewrites a file with a syntax or schema error,
  and leaves a file with fewer findings and no new ones;
- ``convert``: an ONNX model converted to a spec gives the same findings (code and layer);
- ``config``: a config is a Config or a ConfigError (exit 2), never a crash;
- ``scaling``: work (profiler events) grows no faster than the spec's size to the power 1.5;
- ``unraisable``: nothing is printed as "Exception ignored in ..." or "Exception in thread";
- ``plugin``: a rule that raises (SystemExit included), yields what is not a Finding, a
  Finding with a field of the wrong type, or overruns ``rule-timeout`` is one AL906 naming
  it, and the other rules' findings are kept; a rule that raises KeyboardInterrupt stops the
  run (the interrupt propagates: it is the user's Ctrl-C, not the rule's failure); a plugin
  that fails to load is AL906 and exit 2, never a crash or another exit code.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
import tomllib
import traceback
import types
from collections import Counter
from pathlib import Path

import archlint
from archlint import draw, report, sarif, sizes, summary
from archlint.diagnostics import Fix
from archlint.layers import LAYER_TYPES

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SOFT_SECONDS = 10.0  # CPU seconds one command may take
HARD_SECONDS = 300.0  # wall seconds before a command is declared hung: a net for a real
# hang, far above any load (the CPU-time bound is the property; 60 s once fired on a loaded run)

# --------------------------------------------------------------------------- known defects
#
# Open defects, reported and waiting for a fix: a failure whose signature matches one of these
# is counted as known (the fuzzer still lists it; the test-suite does not fail on it). Each has
# a strict xfail in tests/test_fuzz.py with its smallest reproducer, which flips when it is
# fixed: then delete its line here.
KNOWN: dict[str, str] = {  # signature pattern -> the test in tests/test_fuzz.py that tracks it
}  # fmt: skip


def known(signature: str) -> str | None:
    """The reason a signature is a known open defect, or None."""
    for pattern, reason in KNOWN.items():
        if re.search(pattern, signature):
            return reason
    return None


# --------------------------------------------------------------------------- sources of choices


class Source:
    """Every choice a generator makes; lower numbers are simpler (they shrink towards 0)."""

    def int(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def pick(self, options):
        options = list(options)
        return options[self.int(0, len(options) - 1)]

    def chance(self, n: int) -> bool:
        """True one time in n; shrinks to False."""
        return self.int(0, n - 1) == n - 1

    def boolean(self) -> bool:
        return self.int(0, 1) == 1

    def byte(self) -> int:
        return self.int(0, 255)


class RandomSource(Source):
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return self.random.randint(lo, hi)


class HypothesisSource(Source):
    def __init__(self, data) -> None:
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def int(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))


# --------------------------------------------------------------------------- values

HUGE = 10**5000  # past Python's 4,300-digit str() limit: archlint must not convert it
INTS = [
    1, 0, 2, 3, -1, 4, 7, 8, 16, 32, 224, 999_999, 1_000_000, 1_000_001, -1_000_000, 2**31 - 1,
    2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**99, 10**100, -(10**100), HUGE,
]  # fmt: skip
FLOATS = [
    0.5, 1.0, 0.0, -0.0, 1.5, 2.0, -1.5, 0.1, 1e-300, 5e-324, 1e16, 1e308, -1e308,
    math.inf, -math.inf, math.nan,
]  # fmt: skip
STRINGS = [
    "a", "", "same", "valid", "input", "conv", "relu", "zeros", "x" * 300, "ünï", "名前", "\x00",
    "\n", '"', "\\", "#", "[layers]", "layers", "%:,", "\u202e", "\U0001f600", "null", "0",
    "AL001", "\ud800",
]  # fmt: skip
NAMES = ["a", "b", "c", "input", "conv", "a.b", "ü", "", "layers"]
RULE_NAMES = ["AL001", "non-integer-output", "AL907", "AL999", "nope", "", "AL902"]


def any_int(src: Source) -> int:
    return src.int(-3, 40) if src.boolean() else src.pick(INTS)


def any_value(src: Source, depth: int = 0):
    kind = src.int(0, 8 if depth < 3 else 5)
    if kind == 0:
        return any_int(src)
    if kind == 1:
        return src.pick(FLOATS)
    if kind == 2:
        return src.pick(STRINGS)
    if kind == 3:
        return src.boolean()
    if kind == 4:
        return None
    if kind == 5:
        return src.int(1, 6)
    if kind in (6, 7):
        return [any_value(src, depth + 1) for _ in range(src.int(0, 3))]
    return {src.pick(["k", "kernel_size", "type", "x y", ""]): any_value(src, depth + 1)
            for _ in range(src.int(0, 2))}  # fmt: skip


def nested(depth: int, leaf=1):
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


# --------------------------------------------------------------------------- specs as data

LAYER_TYPE_NAMES = sorted(LAYER_TYPES)
COMMON = ("type", "name", "inputs", "ignore")
POSITIVE = {
    "out_channels", "in_channels", "num_features", "out_features", "in_features", "num_groups",
    "num_channels", "groups", "upscale_factor", "downscale_factor", "num_parameters", "size",
}  # fmt: skip
WINDOWS = {"kernel_size", "stride", "dilation", "output_size", "scale_factor"}
SIGNED = {"dim", "start_dim", "end_dim", "start", "end", "step"}
LISTS = {"dims", "shape", "normalized_shape", "pad"}
REALS = {"p", "eps", "momentum", "alpha", "beta", "k", "negative_slope", "min", "max", "value",
         "factor"}  # fmt: skip
BOOLS = {"bias", "affine", "ceil_mode", "count_include_pad", "inplace", "track_running_stats",
         "elementwise_affine", "keepdim", "align_corners"}  # fmt: skip
MODES = ["nearest", "bilinear", "constant", "reflect", "replicate", "circular", "zeros", "bicubic",
         "x"]  # fmt: skip


def layer_keys(kind: str) -> list[tuple[str, bool]]:
    """(key, required) of a layer type, the common keys left out."""
    cls = LAYER_TYPES[kind]
    return [(k, f.is_required()) for k, f in cls.model_fields.items() if k not in COMMON]


def plausible(src: Source, key: str):
    """A value for a key that is often right, sometimes just out of range."""
    if src.chance(6):
        return any_value(src)
    if key in POSITIVE:
        return src.int(1, 16) if not src.chance(5) else src.pick(INTS)
    if key == "padding" or key == "output_padding":
        return src.pick([src.int(0, 3), [src.int(0, 2), src.int(0, 2)], "same", "valid",
                         [[0, 1], [1, 0]], [1, [0, 1]], -1])  # fmt: skip
    if key in WINDOWS:
        if src.boolean():
            return src.int(1, 5)
        return [src.int(0, 5) if not src.chance(8) else None for _ in range(src.int(1, 3))]
    if key in SIGNED:
        return src.int(-4, 4)
    if key in LISTS:
        return [src.int(-2, 8) for _ in range(src.int(0, 4))]
    if key in REALS:
        return src.pick([0.5, 1e-5, 0.1, 2.0, -1.0, 0, 3, math.inf, math.nan])
    if key in BOOLS:
        return src.boolean()
    if key == "mode":
        return src.pick(MODES)
    if key == "padding_mode":
        return src.pick(["zeros", "reflect", "replicate", "circular", "nope"])
    return any_value(src)


def gen_input(src: Source) -> dict:
    layout = src.pick(["2d", "1d", "features", "3d"])
    keys = {"2d": ["channels", "height", "width"], "1d": ["channels", "length"],
            "features": ["features"],
            "3d": ["channels", "depth", "height", "width"]}[layout]  # fmt: skip
    table = {k: (src.int(1, 40) if not src.chance(6) else any_int(src)) for k in keys}
    if src.chance(8):
        table.pop(src.pick(keys))
    if src.chance(10):
        table[src.pick(["features", "length", "colour", "height"])] = any_int(src)
    return table


def gen_layer(src: Source, index: int, names: list[str], kind: str | None = None) -> dict:
    kind = kind or src.pick(LAYER_TYPE_NAMES)
    layer: dict = {"type": kind}
    if not src.chance(4):
        layer["name"] = src.pick(NAMES) if src.chance(5) else f"l{index}"
    for key, required in layer_keys(kind):
        if (required and not src.chance(10)) or src.chance(3):
            layer[key] = plausible(src, key)
    if src.chance(4) or kind in ("add", "mul", "sub", "div", "concat") and src.boolean():
        layer["inputs"] = gen_inputs(src, names, layer.get("name"))
    if src.chance(8):
        layer["ignore"] = [src.pick(RULE_NAMES) for _ in range(src.int(0, 2))]
    if src.chance(12):
        layer[src.pick(["colour", "kernel", "Type", "stride "])] = any_value(src)
    if src.chance(12):
        layer["type"] = src.pick(["conv", "Conv2d", "", 3, None, "maxpool", "dense"])
    names.append(layer.get("name") or f"{kind}_{index}")
    return layer


def gen_inputs(src: Source, names: list[str], own: str | None):
    choice = src.int(0, 6)
    earlier = names or ["input"]
    if choice == 0:
        return src.pick(earlier)
    if choice == 1:
        return [src.pick(earlier), src.pick(earlier)]
    if choice == 2:
        return "input"
    if choice == 3:
        return src.pick(["nowhere", "l99", "l1", "l2"])  # unknown, or a layer further on
    if choice == 4:
        return own or "l0"  # itself: a cycle
    if choice == 5:
        return []
    return src.pick([5, None, ["input", 3], {"a": 1}])


def gen_spec(src: Source, kind: str | None = None) -> dict:
    """A spec built from scratch: every layer type, with random settings (one of them of type
    `kind`, if given)."""
    data: dict = {}
    if src.chance(4):
        model: dict = {"name": src.pick(["net", "", "ünï", "x" * 100])}
        if src.boolean():
            model["outputs"] = [src.pick(["l0", "l1", "nowhere", "input"])]
        if src.boolean():
            model["ignore"] = [src.pick(RULE_NAMES)]
        data["model"] = model
    if not src.chance(10):
        data["input"] = gen_input(src)
    names: list[str] = []
    layers = [gen_layer(src, i, names) for i in range(src.int(1, 6))]
    if kind:
        at = src.int(0, len(layers))
        layers.insert(at, gen_layer(src, at, names, kind))
    data["layers"] = layers if not src.chance(15) else src.pick([[], {}, "conv", layers[0]])
    if src.chance(10):
        data[src.pick(["output", "Layers", "stride", "x"])] = any_value(src)
    return data


def valid_spec(src: Source) -> dict:
    """A small spec that validates (for the plugin cases)."""
    c, h = src.int(1, 8), src.int(4, 33)
    layers = [{"name": "conv", "type": "conv2d", "out_channels": src.int(1, 8),
               "kernel_size": src.int(1, 3), "stride": src.int(1, 3)},
              {"name": "relu", "type": "relu"}, {"name": "flat", "type": "flatten"},
              {"name": "fc", "type": "linear", "out_features": src.int(1, 10)}]  # fmt: skip
    return {"input": {"channels": c, "height": h, "width": h}, "layers": layers}


# ----------------------------------------------------------------- samples and their mutations

SMALL_SAMPLES = sorted(
    p for p in SAMPLES.rglob("*") if p.suffix in (".toml", ".json") and p.stat().st_size < 20_000
)
LARGE_SAMPLES = sorted(
    p for p in SAMPLES.rglob("*") if p.suffix in (".toml", ".json") and p.stat().st_size >= 20_000
)
_PARSED: dict[Path, object] = {}


def sample_path(src: Source) -> Path:
    """A sample file; the large networks one time in 40 (they take ~100x longer)."""
    return src.pick(LARGE_SAMPLES) if src.chance(40) else src.pick(SMALL_SAMPLES)


def sample_data(path: Path):
    if path not in _PARSED:
        text = path.read_text(encoding="utf-8")
        try:
            _PARSED[path] = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except ValueError:
            _PARSED[path] = None
    return copy.deepcopy(_PARSED[path])


def paths_of(tree, limit: int = 5000) -> list[tuple]:
    """Every path into a tree of dicts and lists (the root first), at most `limit`."""
    out, stack = [], [((), tree)]
    while stack and len(out) < limit:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack += [((*path, k), v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [((*path, i), v) for i, v in enumerate(node)]
    return out


def get_at(tree, path: tuple):
    for part in path:
        tree = tree[part]
    return tree


def set_at(tree, path: tuple, value):
    if not path:
        return value
    get_at(tree, path[:-1])[path[-1]] = value
    return tree


def delete_at(tree, path: tuple):
    if path:
        parent = get_at(tree, path[:-1])
        del parent[path[-1]]
    return tree


def mutate_tree(src: Source, data):
    """One structure-aware mutation of a spec given as data."""
    op = src.int(0, 11)
    layers = data.get("layers") if isinstance(data, dict) else None
    if op == 0 and isinstance(layers, list) and layers:  # a layer's type changed
        layer = src.pick(layers)
        if isinstance(layer, dict):
            layer["type"] = src.pick(LAYER_TYPE_NAMES)
            for key, _ in layer_keys(layer["type"]):
                if src.chance(3):
                    layer[key] = plausible(src, key)
        return data
    if op == 1 and isinstance(layers, list) and layers:  # a duplicate layer: duplicate names
        i = src.int(0, len(layers) - 1)
        layers.insert(src.int(0, len(layers)), copy.deepcopy(layers[i]))
        return data
    if op == 2 and isinstance(layers, list) and layers:  # references: unknown, later, itself
        layer = src.pick(layers)
        if isinstance(layer, dict):
            names = [x.get("name") for x in layers if isinstance(x, dict) and x.get("name")]
            layer["inputs"] = gen_inputs(src, names, layer.get("name"))
            if src.boolean() and names:
                layer["inputs"] = [src.pick(names), src.pick(names + ["input", "nowhere"])]
        return data
    if op == 3 and isinstance(layers, list) and len(layers) > 1:  # two layers swapped
        i, j = src.int(0, len(layers) - 1), src.int(0, len(layers) - 1)
        layers[i], layers[j] = layers[j], layers[i]
        return data
    if op == 4 and isinstance(layers, list):  # a new layer anywhere
        layers.insert(src.int(0, len(layers)), gen_layer(src, len(layers), []))
        return data
    paths = paths_of(data)
    path = src.pick(paths)
    target = get_at(data, path)
    if op == 5 and path:
        return delete_at(data, path)
    if op == 6 and isinstance(target, dict):
        target[src.pick(["colour", "stride ", "Type", "layers", "input", ""])] = any_value(src)
        return data
    if op == 7:
        return set_at(data, path, src.pick([[target], {"k": target}, nested(src.int(30, 40))]))
    if op == 8 and isinstance(target, int) and not isinstance(target, bool):
        return set_at(data, path, src.pick([-target, target * 1_000_000, target + 1, HUGE, 0]))
    if op == 9:
        return set_at(data, path, src.pick(INTS))
    if op == 10:
        return set_at(data, path, src.pick(FLOATS + STRINGS))
    return set_at(data, path, any_value(src))


def gen_spec_case(src: Source, cli: bool | None = None, origin: str | None = None,
                  kind: str | None = None) -> dict:  # fmt: skip
    """A spec case: generated (with a layer of type `kind`, if given), or a sample mutated
    (0 to 4 times); `origin` "generated" or "sample" chooses."""
    if origin == "generated" or (origin is None and src.boolean()):
        data = gen_spec(src, kind)
    else:
        path = sample_path(src)
        data = sample_data(path)
        if data is None:
            data = gen_spec(src)
        for _ in range(src.int(0, 4)):
            data = mutate_tree(src, data)
    return {
        "kind": "spec",
        "data": data,
        "toml": src.pick(["tables", "inline", "dotted"]),
        "json": src.pick([None, 2, 0]),
        "ascii": src.boolean(),
        "comments": src.chance(3),
        "draw": src.pick(draw.FORMATS),
        "report": src.pick(["text", "github", "sarif"]),
        "sizes": src.pick(["lossless", "exact", "strict"]),
        "range": src.pick([None, "1..64", "7..7", "1..2000000", "100..90", "0..5", "x"]),
        "batch": src.pick([3, 1, 1_000_000]),
        "fix": src.chance(3),
        "dtype": src.pick(["float16", "int8", "float64", "bfloat16"]),
        "cli": src.chance(4) if cli is None else cli,
    }


# --------------------------------------------------------------------------- TOML and JSON text


class Unrepresentable(Exception):
    """The data has no TOML (or JSON) spelling: None, a lone surrogate, an integer past
    Python's digit limit."""


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
            "\f": "\\f"}  # fmt: skip


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            raise Unrepresentable("a lone surrogate")
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key) -> str:
    if not isinstance(key, str):
        raise Unrepresentable("a key that is not a string")
    return key if _BARE.fullmatch(key) else toml_string(key)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:
            raise Unrepresentable("an integer past the digit limit") from None
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise Unrepresentable(f"a {type(value).__name__}")


def to_toml(data, style: str = "tables", comments: bool = False) -> str:
    """TOML for a dict, in one of three styles: [tables] and [[arrays of tables]], inline
    tables, or dotted keys (input.channels = 3)."""
    if not isinstance(data, dict):
        raise Unrepresentable("a document that is not a table")
    end = "  # c\n" if comments else "\n"
    head, tail = [], []
    for key, value in data.items():
        k = toml_key(key)
        if style == "tables" and isinstance(value, dict):
            tail.append(f"[{k}]\n" + "".join(f"{toml_key(a)} = {toml_value(b)}{end}"
                                             for a, b in value.items()))  # fmt: skip
        elif (style == "tables" and isinstance(value, list) and value
              and all(isinstance(v, dict) for v in value)):  # fmt: skip
            tail += [f"[[{k}]]{end}" + "".join(f"{toml_key(a)} = {toml_value(b)}{end}"
                                               for a, b in v.items()) for v in value]  # fmt: skip
        elif style == "dotted" and isinstance(value, dict) and value:
            head += [f"{k}.{toml_key(a)} = {toml_value(b)}{end}" for a, b in value.items()]
        else:
            head.append(f"{k} = {toml_value(value)}{end}")
    return "".join(head) + "\n".join(tail)


def to_json(data, indent, ascii: bool = False) -> str:
    try:
        return json.dumps(data, indent=indent if indent != 0 else "\t", ensure_ascii=ascii)
    except (ValueError, TypeError, RecursionError):
        raise Unrepresentable("no JSON spelling") from None


def same_data(a, b) -> bool:
    """Equal as data, types included (True is not 1), nan equal to nan."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def texts_of(case: dict) -> dict[str, str]:
    """The case's data as TOML and JSON text, each only where it spells the data exactly."""
    data, out = case["data"], {}
    for fmt in ("toml", "json"):
        try:
            if fmt == "toml":
                text = to_toml(data, case.get("toml", "tables"), bool(case.get("comments")))
                parsed = tomllib.loads(text)
            else:
                text = to_json(data, case.get("json"), bool(case.get("ascii")))
                parsed = json.loads(text)
        except (Unrepresentable, ValueError, RecursionError):
            continue
        if same_data(parsed, data):
            out[fmt] = text
        elif fmt == "toml" and same_data(json.loads(json.dumps(parsed)), data):
            out[fmt] = text  # e.g. nothing but key order, which TOML tables may change
    return out


# ------------------------------------------------------------------------------ byte mutations

TOKENS = [b"\n" + b"a." * 40 + b"a = 1\n", b"\n[" + b"a." * 40 + b"a]\n",
          b"[", b"]", b"{", b"}", b'"', b"=", b",", b":", b"\n", b"\r", b"\r\n", b"#", b"\\",
          b"\xff", b"\xef\xbb\xbf", b"\x00", b"layers", b"[[layers]]\n", b"1e999", b"-",
          b"9" * 120, b"nan", b"inf", b"\xc3", b"\xed\xa0\x80", b"'''", b'"""', b"-1", b"0x10",
          b"[" * 40, b"{\"a\":" * 40, b"\t", b"\xe2\x80\xae", b"type = \"conv2d\"\n"]  # fmt: skip


def mutate_bytes(src: Source, blob: bytes) -> bytes:
    """One byte-level mutation: flip, insert, delete, duplicate, truncate, a token, a number
    made huge or negative, LF to CRLF, a byte-order mark."""
    n = len(blob)
    at = src.int(0, n)
    op = src.int(0, 10)
    if op == 0 and n:
        i = min(at, n - 1)
        return blob[:i] + bytes([blob[i] ^ (1 << src.int(0, 7))]) + blob[i + 1 :]
    if op == 1:
        return blob[:at] + bytes([src.byte()]) + blob[at:]
    if op == 2:
        return blob[:at] + blob[at + src.int(1, 16) :]
    if op == 3:
        size = src.int(1, 64)
        return blob[:at] + blob[at : at + size] * 2 + blob[at + size :]
    if op == 4:
        return blob[:at]
    if op == 5:
        return blob.replace(b"\n", b"\r\n")
    if op == 6:
        return b"\xef\xbb\xbf" + blob
    if op == 7:
        numbers = list(re.finditer(rb"\d+", blob))
        if numbers:
            m = src.pick(numbers)
            new = src.pick([b"-" + m[0], b"0", b"1000001", b"9" * 101, b"4294967296", b"1.5",
                            b"-1000000", b"99999999999999999999"])  # fmt: skip
            return blob[: m.start()] + new + blob[m.end() :]
    if op == 8:
        lines = blob.split(b"\n")
        i = src.int(0, len(lines) - 1)
        del lines[i]
        return b"\n".join(lines)
    return blob[:at] + src.pick(TOKENS) + blob[at:]


def gen_text_case(src: Source, cli: bool | None = None) -> dict:
    """A TOML or JSON file's bytes: a sample or a generated spec, mutated 1 to 4 times."""
    if src.boolean():
        path = sample_path(src)
        fmt, blob = path.suffix[1:], path.read_bytes()
    else:
        case = gen_spec_case(src, cli=False)
        texts = texts_of(case)
        fmt = src.pick(sorted(texts)) if texts else "json"
        blob = texts.get(fmt, "{}").encode("utf-8", "surrogatepass")
    for _ in range(src.int(1, 4) if not src.chance(6) else 0):  # unmutated: --fix has work
        blob = mutate_bytes(src, blob)
    return {
        "kind": "text",
        "fmt": fmt,
        "bytes": blob,
        "crlf": src.chance(3),
        "draw": src.pick(draw.FORMATS),
        "report": src.pick(["text", "github", "sarif"]),
        "cli": src.chance(3) if cli is None else cli,
        "fix": src.chance(3),
    }


# --------------------------------------------------------------------------- ONNX models

ONNX_OPS = [
    "Relu", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
    "Flatten", "Gemm", "Add", "Concat", "Reshape", "Transpose", "Resize", "Pad", "Slice",
    "Softmax", "Identity", "ConvTranspose", "MatMul", "Squeeze", "Unsqueeze", "Shape", "Gather",
    "ReduceMean", "Clip", "Mul", "Split", "Sigmoid", "Constant", "Expand", "DepthToSpace",
    "FooBar",
]  # fmt: skip
DIM_VALUES = [1, 2, 3, 4, 8, 0, -1, 1_000_001, 2**40, "N", ""]


def onnx_ints(src: Source, n: int, lo: int = 0, hi: int = 4) -> list:
    return [src.int(lo, hi) if not src.chance(8) else src.pick(INTS[:22]) for _ in range(n)]


def gen_onnx_node(src: Source) -> dict:
    op = src.pick(ONNX_OPS)
    attrs: dict = {}
    k = src.int(1, 3)
    if op in ("Conv", "ConvTranspose", "MaxPool", "AveragePool"):
        attrs["kernel_shape"] = onnx_ints(src, src.pick([2, 2, 1, 3, 0]), 1, 3)
        if src.boolean():
            attrs["strides"] = onnx_ints(src, 2, 1, 3)
        if src.boolean():
            attrs["pads"] = onnx_ints(src, src.pick([4, 4, 2, 3]), 0, 2)
        if src.chance(4):
            attrs["dilations"] = onnx_ints(src, 2, 1, 2)
        if src.chance(4):
            attrs["auto_pad"] = src.pick(["SAME_UPPER", "VALID", "NOTSET", "SAME_LOWER", "x"])
        if src.chance(4) and op != "Conv":
            attrs["ceil_mode"] = src.int(0, 1)
        if src.chance(4) and op.startswith("Conv"):
            attrs["group"] = src.pick([1, 2, 0, -1, 3])
    elif op in ("Flatten", "Concat", "Softmax", "Gather", "Split", "DepthToSpace"):
        attrs["axis" if op != "DepthToSpace" else "blocksize"] = src.int(-2, 4)
    elif op == "Transpose" and src.boolean():
        attrs["perm"] = onnx_ints(src, src.int(0, 5), 0, 4)
    elif op == "ReduceMean":
        attrs["axes"] = onnx_ints(src, src.int(0, 3), -2, 3)
        attrs["keepdims"] = src.int(0, 1)
    elif op == "Gemm":
        attrs["transB"] = src.int(0, 1)
    if src.chance(10):
        attrs[src.pick(["kernel_shape", "strides", "weird", "axis"])] = src.pick(
            [[], -5, 2.5, "s", [1.5], [10**19], 10**19]
        )
    return {
        "op": op,
        "attrs": attrs,
        "link": "prev" if not src.chance(6) else src.pick(["input", "missing", "later", "self"]),
        "weight": onnx_ints(src, src.pick([4, 4, 2, 1, 0]), 1, 4) if src.boolean() else None,
        "data": not src.chance(4),
        "k": k,
    }


def gen_onnx_case(src: Source, cli: bool | None = None) -> dict:
    dims = [1, src.int(1, 4), src.int(1, 12), src.int(1, 12)]
    if src.chance(8):
        dims = dims[: src.int(0, 4)]
    if src.chance(8):
        dims[src.int(0, len(dims) - 1) if dims else 0 :] = [src.pick(DIM_VALUES)]
    recipe = {
        "opset": src.pick([13, 17, 11, 7, 21, 1, 99]),
        "ir": src.pick([8, 7, 3, 10, 0, 99]),
        "elem": src.pick([1, 1, 1, 10, 11, 7, 0]),
        "input": dims,
        "nodes": [gen_onnx_node(src) for _ in range(src.int(1, 5))],
        "output": "last" if not src.chance(8) else src.pick(["missing", "input"]),
    }
    mutations = []
    if src.chance(3):
        mutations = [[src.int(0, 3), src.int(0, 1 << 16), src.byte()] for _ in range(src.int(1, 3))]
    return {"kind": "onnx", "recipe": recipe, "mutations": mutations,
            "draw": src.pick(draw.FORMATS), "report": src.pick(["text", "github", "sarif"]),
            "cli": src.chance(3) if cli is None else cli}  # fmt: skip


def _tensor(name: str, dims, data: bool, elem: int = 1):
    from onnx import TensorProto

    t = TensorProto()
    t.name = name
    t.data_type = elem
    for d in dims:
        t.dims.append(max(-(2**63), min(int(d), 2**63 - 1)))
    numel = math.prod(dims) if all(isinstance(d, int) and d >= 0 for d in dims) else -1
    if data and 0 <= numel <= 4096:
        if elem == 7:
            t.int64_data.extend([1] * numel)
        else:
            t.float_data.extend([0.5] * numel)
    return t


def build_onnx(recipe: dict) -> bytes:
    """The serialised model of a recipe. Any shape, attribute or link the recipe asks for is
    built as asked (inconsistent ones included); what onnx.helper refuses is left out."""
    from onnx import TensorProto, helper

    nodes, inits = [], []
    elem = recipe.get("elem", 1)
    dims = [d if isinstance(d, str) else max(-(2**63), min(int(d), 2**63 - 1))
            for d in recipe.get("input", [])]  # fmt: skip
    graph_input = helper.make_tensor_value_info("input", elem, dims)
    steps = recipe.get("nodes", [])
    prev = "input"
    for i, step in enumerate(steps):
        op = step.get("op", "Relu")
        link = step.get("link", "prev")
        x = {"prev": prev, "input": "input", "missing": "nowhere", "later": f"t{i + 1}",
             "self": f"t{i}"}.get(link, prev)  # fmt: skip
        out = f"t{i}"
        ins = [x]
        weight = step.get("weight")

        def const(suffix, shape, values=None, kind=TensorProto.INT64, i=i, step=step):
            name = f"c{i}_{suffix}"
            t = _tensor(name, shape, step.get("data", True), kind)
            if values is not None:
                del t.int64_data[:]
                del t.float_data[:]
                (t.int64_data if kind == TensorProto.INT64 else t.float_data).extend(values)
            inits.append(t)
            return name

        if weight is not None and op in ("Conv", "ConvTranspose", "Gemm", "MatMul",
                                         "BatchNormalization", "Add", "Mul", "Expand"):  # fmt: skip
            ins.append(const("w", weight, kind=TensorProto.FLOAT))
            if op == "BatchNormalization":
                ins += [const(f"s{j}", weight[:1], kind=TensorProto.FLOAT) for j in range(3)]
        elif op in ("Reshape", "Expand"):
            ins.append(const("shape", [2], [1, -1][:2]))
        elif op == "Slice":
            ins += [const("starts", [1], [step.get("k", 1)]), const("ends", [1], [10**9])]
        elif op == "Pad":
            ins.append(const("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1]))
        elif op in ("Squeeze", "Unsqueeze"):
            ins.append(const("axes", [1], [step.get("k", 1) - 2]))
        elif op == "Gather":
            ins.append(const("idx", [1], [step.get("k", 1)]))
        elif op == "Resize":
            ins += ["", const("scales", [4], [1.0, 1.0, 2.0, 0.5], kind=TensorProto.FLOAT)]
        elif op in ("Add", "Mul", "Concat"):
            ins.append(prev if prev != x else "input")
        attrs = {}
        for key, value in dict(step.get("attrs", {})).items():
            try:
                helper.make_attribute(key, value)
            except Exception:
                continue
            attrs[key] = value
        if op == "Constant":
            ins = []
            attrs = {"value": _tensor("v", [2], True)}
        try:
            nodes.append(helper.make_node(op, ins, [out], name=f"/layer{i}/m{i}/{op}", **attrs))
        except Exception:
            nodes.append(helper.make_node(op, ins, [out], name=f"/layer{i}/{op}"))
        prev = out
    last = {"last": prev, "missing": "nowhere", "input": "input"}.get(
        recipe.get("output", "last"), prev
    )
    outputs = [helper.make_tensor_value_info(last, elem, None)]
    graph = helper.make_graph(nodes, "fuzz", [graph_input], outputs, initializer=inits)
    opset = helper.make_opsetid("", int(recipe.get("opset", 13)))
    model = helper.make_model(graph, opset_imports=[opset], producer_name="fuzz")
    model.ir_version = int(recipe.get("ir", 8))
    return model.SerializeToString()


def onnx_bytes(case: dict) -> bytes:
    blob = build_onnx(case["recipe"])
    for op, where, value in case.get("mutations", []):
        n = len(blob)
        i = where % (n + 1)
        if op == 0 and n:
            i = min(i, n - 1)
            blob = blob[:i] + bytes([blob[i] ^ (value | 1)]) + blob[i + 1 :]
        elif op == 1:
            blob = blob[:i] + bytes([value]) + blob[i:]
        elif op == 2:
            blob = blob[:i] + blob[i + 1 + value % 8 :]
        else:
            blob = blob[:i]
    return blob


# --------------------------------------------------------------------------- hostile rules


class _BadStr(Exception):
    def __str__(self):
        raise RuntimeError("__str__ of this exception raises")


class _BadRepr:
    def __repr__(self):
        raise RuntimeError("__repr__ of this object raises")


class _Odd(BaseException):
    pass


RAISES = {
    "ValueError": lambda: ValueError("boom"),
    "SystemExit0": lambda: SystemExit(0),
    "SystemExit3": lambda: SystemExit(3),
    "SystemExitText": lambda: SystemExit("bye"),
    "GeneratorExit": GeneratorExit,
    "RecursionError": RecursionError,
    "MemoryError": MemoryError,
    "StopIteration": StopIteration,
    "BaseException": _Odd,
    "BadStr": _BadStr,
    "KeyboardInterrupt": KeyboardInterrupt,
}
NOT_FINDINGS = {
    "None": lambda: None, "int": lambda: 42, "str": lambda: "a finding?",
    "tuple": lambda: ("conv", "message"), "BadRepr": _BadRepr, "type": lambda: archlint.Finding,
    "dict": lambda: {"layer": "conv", "message": "m"},
}  # fmt: skip
# the values a Finding's fields may take: (value, is it acceptable?): True, it must be taken;
# False, it must be refused (AL906); None, either (a lone surrogate: printed escaped or refused)
FIELD_VALUES = {
    "layer": [("conv", True), (None, True), ("nowhere", True), ("", True), (3, False),
              (["conv"], False), ("\ud800", None)],
    "message": [("m", True), ("line\nbreak::%,", True), ("x" * 10_000, True), ("", True),
                (None, False), (b"bytes", False), (7, False), ("\ud800", None),
                ("\x1b[31mred\x1b[0m", True)],
    "help": [(None, True), ("try x", True), (5, False), ("\ud800", None)],
    "note": [(None, True), ("a note\n", True), ([], False)],
    "field": [(None, True), ("stride", True), ("no_such_key", True), ("", True), (0, False)],
    "severity": [(None, True), ("error", True), ("INFO", True), (archlint.Severity.WARNING, True),
                 ("fatal", False), (5, False), (0, False), ("", False)],
    "fix": [(None, True), ("fix", False), (("bias", True, False), False)],
}  # fmt: skip
FIXES = [  # a Fix object: the type is right, what is in it may not be
    ("bias", True, False, True), ("padding", 0, 1, False), ("stride", 1, object(), False),
    (None, 1, 2, True), ("in_channels", 3, math.nan, True), ("kernel_size", 1, HUGE, False),
    ("no_such_key", 1, 2, True), ("layers", 0, "x", False), ("padding", 0, "\ud800", False),
]  # fmt: skip


def gen_rule(src: Source, timeout: float) -> dict:
    kinds = ["finding", "raise", "not-finding", "bad-finding", "return", "fix"]
    if timeout:
        kinds += ["sleep", "forever"]
    rule = {"kind": src.pick(kinds), "before": src.int(0, 2)}
    if rule["kind"] == "raise":
        rule["exc"] = src.pick(list(RAISES))
    elif rule["kind"] == "not-finding":
        rule["item"] = src.pick(list(NOT_FINDINGS))
    elif rule["kind"] == "bad-finding":
        rule["fields"] = {k: src.int(0, len(v) - 1) if src.chance(3) else 0
                          for k, v in FIELD_VALUES.items()}  # fmt: skip
    elif rule["kind"] == "return":
        rule["value"] = src.pick(["None", "int", "list", "junk-list", "string"])
    elif rule["kind"] == "fix":
        rule["fix"] = src.int(0, len(FIXES) - 1)
        rule["layer"] = src.pick(["conv", None, "nowhere", "fc"])
    return rule


def gen_plugin_case(src: Source, cli: bool | None = None) -> dict:
    # a budget well above what a trivial rule needs on a loaded machine (else the sentinel
    # could be abandoned and the property flaky), and small, as each overrunning rule costs it
    timeout = src.pick([0.2, 0, 0.5])
    return {
        "kind": "plugin",
        "data": valid_spec(src) if not src.chance(4) else gen_spec(src),
        "rules": [gen_rule(src, timeout) for _ in range(src.int(1, 3))],
        "timeout": timeout,
        "cli": src.chance(3) if cli is None else cli,
        "fix": src.chance(2),
        "fmt": src.pick(["text", "json", "sarif", "github"]),
    }


def rule_misbehaves(rule: dict) -> bool | None:
    """Whether a rule of this description must be reported as AL906 (None: it may be or not:
    a Fix holding what no file can hold, a lone surrogate)."""
    kind = rule.get("kind")
    if kind in ("raise", "not-finding", "sleep", "forever"):
        return True
    if kind == "bad-finding":
        verdicts = [FIELD_VALUES[k][i % len(FIELD_VALUES[k])][1]
                    for k, i in rule.get("fields", {}).items() if k in FIELD_VALUES]  # fmt: skip
        return True if False in verdicts else None if None in verdicts else False
    if kind == "return":
        return rule.get("value") in ("None", "int", "junk-list")
    if kind == "fix":
        return None
    return False


def make_rule(n: int, desc: dict, stop: threading.Event):
    """A rule (code X9nn) that behaves as described; `stop` ends its loops."""
    kind = desc.get("kind", "finding")
    before = int(desc.get("before", 0)) % 3

    def body(analysis, options):
        for i in range(before):
            yield archlint.Finding(None, f"before {i}")
        if kind == "raise":
            raise RAISES.get(desc.get("exc"), lambda: ValueError("boom"))()
        if kind == "not-finding":
            yield NOT_FINDINGS.get(desc.get("item"), lambda: None)()
        elif kind == "bad-finding":
            kw = {k: FIELD_VALUES[k][i % len(FIELD_VALUES[k])][0]
                  for k, i in desc.get("fields", {}).items() if k in FIELD_VALUES}  # fmt: skip
            layer, message = kw.pop("layer", "conv"), kw.pop("message", "m")
            yield archlint.Finding(layer, message, **kw)
        elif kind == "fix":
            key, old, new, safe = FIXES[int(desc.get("fix", 0)) % len(FIXES)]
            yield archlint.Finding(desc.get("layer"), "fixable", fix=Fix(key, old, new, safe))
        elif kind == "sleep":
            stop.wait(HARD_SECONDS)
        elif kind == "forever":
            while not stop.is_set():
                time.sleep(0.001)
                yield archlint.Finding(None, "again")
        else:
            yield archlint.Finding(None, "fine")

    check = body
    if kind == "return":
        value = desc.get("value")

        def check(analysis, options):  # noqa: F811 - not a generator: returns what it returns
            return {"None": None, "int": 5, "list": [archlint.Finding(None, "listed")],
                    "junk-list": [archlint.Finding(None, "listed"), 7],
                    "string": ""}.get(value)  # fmt: skip

    check.__doc__ = f"A hostile rule: {kind}."
    return archlint.rule(f"X9{n:02d}", f"hostile-{n}", severity="warning")(check)


@archlint.rule("X999", "sentinel", severity="info")
def sentinel(analysis, options):
    """Always says one thing: its finding must survive any other rule's misbehaviour."""
    yield archlint.Finding(None, "sentinel ran")


# plugin modules that fail to load, each in its own way
LOAD_FAILURES = [
    "import-error", "import-system-exit", "import-system-exit-0", "missing-attr", "bad-code",
    "bad-name", "bad-severity", "doc-not-str", "options-not-dict", "attr-raises",
    "attr-system-exit", "duplicate-code", "fine",
]  # fmt: skip


def gen_plugin_load_case(src: Source, cli: bool | None = None) -> dict:
    return {"kind": "plugin-load",
            "plugins": [src.pick(LOAD_FAILURES) for _ in range(src.int(1, 3))],
            "cli": src.boolean() if cli is None else cli}  # fmt: skip


def plugin_object(how: str, n: int):
    """What `module:attribute` of a plugin resolves to (or raises while resolving)."""

    class Raising:
        def __getattr__(self, name):
            if how == "attr-system-exit":
                raise SystemExit(0)
            raise ValueError(f"no {name} here")

    base = {"CODE": f"Y{n:03d}", "NAME": f"loaded-{n}", "SEVERITY": "warning",
            "check": staticmethod(lambda a, o: iter(())), "__doc__": "A plugin."}  # fmt: skip
    changes = {
        "missing-attr": {"CODE": None}, "bad-code": {"CODE": "lower1"}, "bad-name": {"NAME": "Bad"},
        "bad-severity": {"SEVERITY": 5}, "doc-not-str": {"__doc__": 5},
        "options-not-dict": {"OPTIONS": 5}, "duplicate-code": {"CODE": "AL001"},
    }.get(how, {})  # fmt: skip
    if how in ("attr-raises", "attr-system-exit"):
        return Raising()
    attrs = {k: v for k, v in {**base, **changes}.items() if v is not None}
    return type("Plugin", (), attrs)


@contextlib.contextmanager
def plugins_installed(names: list[str]):
    """Entry points for hostile plugins on top of the installed ones, seen by discover()."""
    from archlint import registry

    real = registry._entry_points
    modules = []

    def entry_points():
        return real() + [("hostile-dist", f"p{n}", f"archlint_fuzz_plugin_{n}:rule")
                         for n in range(len(names))]  # fmt: skip

    for n, how in enumerate(names):
        name = f"archlint_fuzz_plugin_{n}"
        if how.startswith("import-"):
            code = {"import-error": "raise ImportError('broken')",
                    "import-system-exit": "raise SystemExit('bye')",
                    "import-system-exit-0": "raise SystemExit(0)"}[how]  # fmt: skip
            module = _FailingModule(name, code)
        else:
            module = types.ModuleType(name)
            module.rule = plugin_object(how, n)
        sys.modules[name] = module
        modules.append(name)
    registry._entry_points = entry_points
    try:
        yield
    finally:
        registry._entry_points = real
        for name in modules:
            sys.modules.pop(name, None)


class _FailingModule(types.ModuleType):
    """A module whose attribute lookup runs its (failing) code, as a first import would."""

    def __init__(self, name: str, code: str) -> None:
        super().__init__(name)
        object.__setattr__(self, "_code", code)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        exec(object.__getattribute__(self, "_code"), {})


# --------------------------------------------------------------------------- configs

CONFIG_KEYS = ["select", "extend-select", "ignore", "per-file-ignores", "severity", "fail-on",
               "rules", "rule-timeout", "selct", "tool"]  # fmt: skip
SEVERITIES = ["error", "warning", "info", "ERROR", "fatal", "", 3, None]
NUMBERS = [0, 1, 0.5, -1, 10**6, 2**63, HUGE, math.nan, math.inf, -0.0, True, "10", 1e-9]


def gen_config(src: Source) -> dict:
    rules = archlint.installed_rules()[0]
    names = [r.name for r in rules] + [r.code for r in rules] + RULE_NAMES + ["AL906", "X999"]
    config: dict = {}
    for _ in range(src.int(1, 4)):
        key = src.pick(CONFIG_KEYS[:8]) if not src.chance(12) else src.pick(CONFIG_KEYS)
        if key in ("select", "extend-select", "ignore"):
            value = [src.pick(names) for _ in range(src.int(0, 3))]
        elif key == "per-file-ignores":
            value = {src.pick(["*.toml", "case.*", "[", "**/x", ""]): [src.pick(names)]}
        elif key == "severity":
            value = {src.pick(names): src.pick(SEVERITIES)}
        elif key == "fail-on":
            value = src.pick(SEVERITIES)
        elif key == "rule-timeout":
            value = src.pick(NUMBERS)
        elif key == "rules":
            rule = src.pick(rules)
            options = {k: (src.pick(NUMBERS + ["float16", "x"]) if src.chance(2) else v)
                       for k, v in rule.options.items() if src.boolean()}  # fmt: skip
            if src.chance(6):
                options[src.pick(["nope", "Threshold"])] = 1
            value = {src.pick([rule.name, rule.code]): options if not src.chance(8) else 5}
        else:
            value = any_value(src)
        if src.chance(10):
            value = any_value(src)
        config[key] = value
    return config


def gen_config_case(src: Source, cli: bool | None = None) -> dict:
    return {"kind": "config", "config": gen_config(src), "data": valid_spec(src),
            "cli": src.chance(2) if cli is None else cli}  # fmt: skip


def run_config(case: dict, work: Path) -> None:
    """A config is a Config or a ConfigError (exit 2), from a dict, a file and the CLI."""
    data = case["config"]
    try:
        config = call("parse_config", archlint.parse_config, data, expect=(archlint.ConfigError,))
    except archlint.ConfigError:
        config = None
    if config is not None:
        result = call("check with config", archlint.check, archlint.from_dict(case["data"]),
                      config=config)  # fmt: skip
        pipeline(result, case, "config")
    try:
        text = to_toml(data)
    except Unrepresentable:
        return
    path = work / ".archlint.toml"
    path.write_text(text, encoding="utf-8")
    try:
        call("load_config", archlint.load_config, path, expect=(archlint.ConfigError,))
        loaded = True
    except archlint.ConfigError:
        loaded = False
    if case.get("cli"):
        spec = work / "spec.json"
        spec.write_text(to_json(case["data"], 2), encoding="utf-8")
        result = cli(["check", "--format", "json", str(spec)])
        if not loaded and result.exit_code != 2:
            raise Failure("cli-exit", f"a config load_config refuses gave exit {result.exit_code}"
                          f"\n{text}", "refused config not exit 2")  # fmt: skip
        cli(["check", "--config", str(path), str(spec)])


# --------------------------------------------------------------------------- scaling (work)
#
# "Every command answers within a bound" is checked twice: in seconds of CPU on every case (a
# generous bound, so it never flakes), and here as work counted, which does not depend on the
# machine or its load: the profiler's events (calls and returns of Python and C functions,
# generator resumptions) of one command on a structure of size n and of size 3n. Work that
# grows faster than size^1.5 (size: the spec's JSON text) is a failure: a quadratic step that
# small cases hide and a large file turns into minutes. (A blow-up inside one C call, such as
# a parser's, is not seen here; the seconds catch it.)

SHAPES = ["chain", "wide", "residual", "errors", "names", "dense"]
TEMPLATES = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"type": "relu"}, {"type": "batchnorm2d"}, {"type": "maxpool2d", "kernel_size": 1},
    {"type": "add", "value": 1.0}, {"type": "identity"}, {"type": "dropout"},
    {"type": "conv2d", "out_channels": 4, "kernel_size": 2},
    {"type": "layer_scale"}, {"type": "permute", "dims": [0, 2, 1]},
]  # fmt: skip
MAX_EXPONENT = 1.5


def gen_scaling_case(src: Source, cli: bool | None = None) -> dict:
    shape = src.pick(SHAPES)
    return {
        "kind": "scaling",
        "shape": shape,
        "n": src.int(4, 10 if shape == "dense" else 40),
        "layer": src.int(0, len(TEMPLATES) - 1),
        "stage": src.pick(["check", "summary", "draw", "sizes", "toml"]),
        "draw": src.pick(draw.FORMATS),
    }


def build_shape(shape: str, n: int, template: dict) -> dict:
    """A spec of one structure, of size about n."""
    inp = {"channels": 4, "height": 16, "width": 16}
    t = dict(template)
    if shape == "chain":
        layers = [dict(t) for _ in range(n)]
    elif shape == "wide":
        layers = [{**t, "name": f"b{i}", "inputs": "input"} for i in range(n)]
        layers.append({"name": "merge", "type": "concat", "inputs": [f"b{i}" for i in range(n)]})
    elif shape == "residual":
        layers = [{"name": "x0", "type": "identity"}]
        for i in range(1, n + 1):
            layers += [{**t, "name": f"f{i}", "inputs": f"x{i - 1}"},
                       {"name": f"x{i}", "type": "add",
                        "inputs": [f"x{i - 1}", f"f{i}"]}]  # fmt: skip
    elif shape == "errors":  # every layer refused: as many diagnostics as layers
        layers = [{"name": f"e{i}", "type": "linear", "out_features": 3, "in_features": 5,
                   "inputs": "input"} for i in range(n)]  # fmt: skip
        layers.append({"type": "concat", "inputs": [f"e{i}" for i in range(n)]})
    elif shape == "names":
        layers = [{**t, "name": f"{'n' * 10 * n}{i}"} for i in range(8)]
    else:  # dense: each layer concatenates every one before it
        layers = [{"name": "l0", "type": "conv2d", "out_channels": 2, "kernel_size": 1}]
        layers += [{"name": f"l{i}", "type": "concat", "inputs": [f"l{j}" for j in range(i)]}
                   for i in range(1, n)]  # fmt: skip
    return {"input": inp, "layers": layers}


def work(fn, *args, **kwargs) -> int:
    """Profiler events while fn runs (in this thread: rules run here with rule-timeout 0)."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    return count


def scaled_command(case: dict, data: dict):
    """The command a scaling case measures, as a function of no arguments."""
    stage = case.get("stage", "check")
    config = archlint.parse_config({"rule-timeout": 0})
    if stage == "toml":
        text = to_toml(data)
        return lambda: archlint.check(archlint.loads(text), config=config)
    if stage == "check":
        return lambda: archlint.check(archlint.from_dict(data), config=config)
    result = archlint.check(archlint.from_dict(data), config=config)
    if stage == "summary":
        return lambda: (summary.as_json([result]), summary.as_text([result]))
    if stage == "draw":
        return lambda: draw.render(result, case.get("draw", "svg"))
    spec = result.document.spec
    axes = sizes.spatial_axes(spec) if spec and result.graph_complete else ()
    return lambda: [sizes.input_sizes(spec, a, 1, None) for a in axes]


def run_scaling(case: dict, workdir: Path) -> None:
    n = max(1, int(case.get("n", 8)))
    template = TEMPLATES[int(case.get("layer", 0)) % len(TEMPLATES)]
    shape, stage = case.get("shape", "chain"), case.get("stage", "check")
    counts = []
    for size in (n, n, 3 * n):  # the first run warms up (pydantic builds its validators once)
        data = build_shape(shape, size, template)
        command = call(f"{stage} {shape} {size}", scaled_command, case, data)
        counts.append((len(json.dumps(data)), call(f"{stage} {shape} {size}", work, command)))
    (small, w_small), (big, w_big) = counts[1:]
    if w_big < 50_000 or w_big <= w_small:
        return
    exponent = math.log(w_big / w_small) / math.log(big / small)
    if exponent > MAX_EXPONENT:
        raise Failure("scaling", f"{stage} of a {shape} of {template['type']} layers: {w_small:,}"
                      f" events for {small:,} bytes of spec, {w_big:,} for {big:,}: work grows as"
                      f" size^{exponent:.2f}", f"{stage} {shape}")  # fmt: skip


# ------------------------------------------------------------------------------- the cases

KINDS = {
    "spec": gen_spec_case,
    "text": gen_text_case,
    "onnx": gen_onnx_case,
    "plugin": gen_plugin_case,
    "plugin-load": gen_plugin_load_case,
    "scaling": gen_scaling_case,
    "config": gen_config_case,
}
WEIGHTS = {"spec": 40, "text": 30, "onnx": 15, "plugin": 12, "plugin-load": 3, "scaling": 2,
           "config": 5}  # fmt: skip


def generate(src: Source, kinds=None, cli: bool | None = None) -> dict:
    kinds = list(kinds or KINDS)
    table = [k for k in kinds for _ in range(WEIGHTS.get(k, 1))]
    return KINDS[src.pick(table)](src, cli)


# ------------------------------------------------------------------------------- failures


class Failure(Exception):
    """A property that does not hold: its name, a signature, the details."""

    def __init__(self, prop: str, detail: str, key: str = "") -> None:
        super().__init__(f"{prop}: {key}\n{detail}" if key else f"{prop}\n{detail}")
        self.prop, self.key, self.detail = prop, key, detail

    @property
    def signature(self) -> str:
        return f"{self.prop}: {self.key}" if self.key else self.prop


class Hang(KeyboardInterrupt):
    """Raised by SIGALRM in a command past HARD_SECONDS (a KeyboardInterrupt, so that no
    `except Exception` and no rule runner swallows it)."""


def where(tb, function_only: bool = False) -> str:
    """The innermost frame of archlint (or its rules) in a traceback, as path:line in function."""
    frames = traceback.extract_tb(tb)
    mine = (str(ROOT / "archlint"), str(ROOT / "rules"))
    ours = [f for f in frames if f.filename.startswith(mine)]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    name = os.path.relpath(frame.filename, ROOT) if frame.filename.startswith(str(ROOT)) else (
        Path(frame.filename).name)  # fmt: skip
    return f"{name} in {frame.name}" if function_only else f"{name}:{frame.lineno} in {frame.name}"


@contextlib.contextmanager
def alarm(seconds: float):
    """SIGALRM after `seconds` of wall time raises Hang (main thread only; else nothing)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def ring(signum, frame):
        raise Hang()

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


STAGE_TIME: Counter = Counter()  # CPU seconds per kind of command, for the fuzzer's report


def call(stage: str, fn, *args, expect=(), **kwargs):
    """fn(*args, **kwargs) as one command: an exception (but those in `expect`) is a Failure,
    as is more than SOFT_SECONDS of CPU time or HARD_SECONDS of wall time."""
    start = time.process_time()
    try:
        with alarm(HARD_SECONDS):
            out = fn(*args, **kwargs)
    except Hang as exc:
        raise Failure("hang", f"{stage}: no answer within {HARD_SECONDS:g} s\n"
                      + "".join(traceback.format_tb(exc.__traceback__)[-8:]),
                      f"{stage} at {where(exc.__traceback__, True)}") from None  # fmt: skip
    except expect:
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        detail = f"{stage}: " + "".join(traceback.format_exception(exc)[-12:])
        key = f"{type(exc).__name__} at {where(exc.__traceback__)}"
        raise Failure("exception", detail, key) from None
    cpu = time.process_time() - start
    STAGE_TIME[stage.split(" ")[-1]] += cpu
    if cpu > SOFT_SECONDS:
        raise Failure("slow", f"{stage}: {cpu:.1f} s of CPU time", stage)
    return out


# ---------------------------------------------------------------------------- the properties


def negatives(value, path: str = "") -> list[str]:
    """Where a number below zero sits in parsed JSON, but a receptive field's `start`."""
    if isinstance(value, dict):
        return [n for k, v in value.items() if k != "start" for n in negatives(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in negatives(v, f"{path}[{i}]")]
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return [f"{path} = {value}"] if number and value < 0 else []


def no_negatives(what: str, text: str) -> None:
    found = negatives(json.loads(text))
    if found:
        key = re.sub(r"\[\d+\]", "[]", found[0].split(" = ")[0])
        raise Failure("negative", f"{what}: " + "; ".join(found[:5]), f"{what} {key}")


def check_locations(result, text: str, what: str, universal: bool = False) -> None:
    """Lines count as archlint reads them: a file in universal newline mode (CR, LF or CRLF
    ends a line), text given to loads() at each LF."""
    lines = re.split(r"\r\n|\r|\n", text) if universal else text.split("\n")
    for d in result.diagnostics:
        if d.line < 1 or d.column < 1:
            raise Failure("location", f"{what}: {d.code} at {d.line}:{d.column}: {d.message}",
                          f"{d.code} below 1")  # fmt: skip
        if d.line > len(lines):
            raise Failure("location", f"{what}: {d.code} at line {d.line} of {len(lines)}:"
                          f" {d.message}", f"{d.code} past the end")  # fmt: skip
        if d.column > len(lines[d.line - 1]) + 1:
            raise Failure("location", f"{what}: {d.code} at {d.line}:{d.column}, a line of"
                          f" {len(lines[d.line - 1])} characters: {d.message}",
                          f"{d.code} past the end of its line")  # fmt: skip


def identity(d) -> tuple:
    return d.code, str(d.severity), d.layer, d.message


def same_diagnostics(prop: str, a, b, what: str, keys=identity) -> None:
    left, right = Counter(map(keys, a.diagnostics)), Counter(map(keys, b.diagnostics))
    if left != right:
        only_a, only_b = list((left - right).elements()), list((right - left).elements())
        first = (only_a or only_b)[0]
        message = first[-1] if prop in ("toml-json", "crlf") and isinstance(first[-1], str) else ""
        key = f"{first[0]} {message[:20]}".strip()
        raise Failure(prop, f"{what}\n  only in the first: {only_a[:3]}\n  only in the second:"
                      f" {only_b[:3]}", key)  # fmt: skip


def pipeline(result, case: dict, what: str) -> None:
    """Everything the API does with a checked file: reporters, summary, drawing, sizes."""
    call(f"{what} check_text", report.check_text, [result])
    extra = case.get("fmt") if case.get("fmt") in ("github", "sarif") else case.get("report")
    if extra == "github":
        call(f"{what} check_github", report.check_github, [result])
    elif extra == "sarif":  # the slowest reporter (every rule's documentation goes in)
        call(f"{what} sarif", sarif.sarif, [result])
    no_negatives("check json", call(f"{what} check_json", report.check_json, [result]))
    text = call(f"{what} summary", summary.as_json, [result])
    no_negatives("summary json", text)
    call(f"{what} summary text", summary.as_text, [result], summary.Options("float16", 3, True))
    if result.analysis is not None:
        call(f"{what} draw", draw.render, result, case.get("draw", "svg"))
    spec = result.document.spec
    if result.graph_complete and spec is not None:
        from archlint.cli import _sizes_json

        for axis in call(f"{what} sizes", sizes.spatial_axes, spec):
            r = call(f"{what} sizes", sizes.input_sizes, spec, axis, 1, None,
                     mode=case.get("sizes", "lossless"))  # fmt: skip
            call(f"{what} sizes", r.describe)
            no_negatives("sizes json", json.dumps(_sizes_json(r)))


def run(case: dict, workdir: Path, collect: bool = True) -> None:
    """Every property on one case; raises Failure at the first that does not hold.

    Exceptions Python can only print ("Exception ignored in ...", from a __del__ or a
    generator closed by the garbage collector; "Exception in thread ...") are failures too
    (`unraisable`): archlint would print them as tracebacks on the user's terminal. With
    `collect`, the garbage collector runs at the end of the case, so that what it finds is
    blamed on the case that made it, and freezes what survives (later collections are then
    quick); without, only what it happens to find during the case is seen.
    """
    kind = case["kind"]
    runner = {"spec": run_spec, "text": run_text, "onnx": run_onnx, "plugin": run_plugin,
              "plugin-load": run_plugin_load, "scaling": run_scaling,
              "config": run_config}[kind]  # fmt: skip
    printed: list[tuple[BaseException, object]] = []
    hooks = sys.unraisablehook, threading.excepthook
    sys.unraisablehook = lambda u: printed.append((u.exc_value, u.exc_traceback))
    threading.excepthook = lambda a: printed.append((a.exc_value, a.exc_traceback))
    try:
        runner(case, Path(workdir))
        if collect:
            gc.collect()
            gc.freeze()
    finally:
        sys.unraisablehook, threading.excepthook = hooks
    for exc, tb in printed:
        if exc is None or isinstance(exc, Hang):
            continue
        detail = "".join(traceback.format_exception(type(exc), exc, tb)[-12:])
        raise Failure("unraisable", detail, f"{type(exc).__name__} at {where(tb)}")


def run_spec(case: dict, work: Path) -> None:
    data = case["data"]
    doc = call("from_dict", archlint.from_dict, data)
    result = call("check dict", archlint.check, doc)
    pipeline(result, case, "dict")
    texts = texts_of(case)
    results = {}
    for fmt, text in texts.items():
        doc = call(f"loads {fmt}", archlint.loads, text, fmt, f"case.{fmt}")
        results[fmt] = call(f"check {fmt}", archlint.check, doc)
        check_locations(results[fmt], text, fmt)
    if len(results) == 2:
        same_diagnostics("toml-json", results["toml"], results["json"], "TOML against JSON")
    if case.get("cli"):
        for fmt, text in texts.items():
            path = work / f"case.{fmt}"
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            run_cli_file(path, case)


def run_text(case: dict, work: Path) -> None:
    fmt, blob = case["fmt"], bytes(case["bytes"])
    path = work / f"case.{fmt}"
    path.write_bytes(blob)
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    try:
        doc = call(f"load {fmt}", archlint.load, path, expect=(archlint.LoadError,))
    except archlint.LoadError as exc:
        if text is not None:
            raise Failure("exception", f"load {fmt}: LoadError for a readable file: {exc}",
                          "LoadError for UTF-8 text") from None  # fmt: skip
        doc = None
    if doc is not None:
        result = call(f"check {fmt}", archlint.check, doc)
        # (a file that is only the start of a byte-order mark, b"\xef", reads as empty text:
        # Python's utf-8-sig decoder drops it; then the text is what archlint read)
        text = text if text is not None else doc.text or ""
        check_locations(result, text, fmt, universal=True)
        pipeline(result, case, fmt)
        if case.get("crlf") and "\r" not in text:
            crlf = call(f"loads {fmt} crlf", archlint.loads, text.replace("\n", "\r\n"), fmt,
                        str(path))  # fmt: skip
            crlf = call(f"check {fmt} crlf", archlint.check, crlf)
            same_diagnostics(
                "crlf",
                result,
                crlf,
                "LF against CRLF",
                keys=lambda d: (d.code, d.layer, d.line, d.column, d.message),
            )
    if case.get("cli"):
        run_cli_file(path, case)


def cli(args: list[str], what: str = "", env=None):
    from click.testing import CliRunner

    from archlint.cli import main

    runner = CliRunner(env=env)
    result = call(f"cli {args[0]}", runner.invoke, main, args, catch_exceptions=False)
    output = (result.stdout or "") + (result.stderr or "")
    if result.exit_code not in (0, 1, 2):
        raise Failure("cli-exit", f"archlint {' '.join(args)} {what}-> exit {result.exit_code}\n"
                      + output[-2000:], f"{args[0]} exit {result.exit_code}")  # fmt: skip
    if "Traceback" in output:
        raise Failure("cli-traceback", f"archlint {' '.join(args)}\n" + output[-3000:], args[0])
    return result


def run_cli_file(path: Path, case: dict) -> None:
    """The CLI on one file: check (and the API agrees), summary, sizes, graph, --fix."""
    name = str(path)
    checked = cli(["check", "--format", "json", name])
    try:
        api = call("load", archlint.load, path, expect=(archlint.LoadError,))
    except archlint.LoadError:
        api = None
    if api is None or not api.is_spec:
        if api is None and checked.exit_code != 2:
            raise Failure("cli-exit", f"an unreadable file gave exit {checked.exit_code}",
                          "unreadable file not exit 2")  # fmt: skip
        return
    api_result = call("check", archlint.check, api)
    said = json.loads(checked.stdout)["diagnostics"]
    expected = json.loads(report.check_json([api_result]))["diagnostics"]
    if said != expected:
        raise Failure("cli-api", f"check --format json of {path.name} says\n  {said[:3]}\n"
                      f"archlint.check says\n  {expected[:3]}", path.suffix)  # fmt: skip
    fmt = case.get("fmt") if case.get("fmt") in ("text", "sarif", "github") else "text"
    cli(["check", "--format", fmt, name])
    no_negatives("cli summary json", cli(["summary", "--format", "json", name]).stdout)
    cli(
        [
            "summary",
            "--fc-equivalent",
            "--batch",
            str(case.get("batch", 3)),
            "--dtype",
            case.get("dtype", "float16"),
            name,
        ]
    )
    sized = cli(
        [
            "sizes",
            "--format",
            "json",
            "--mode",
            case.get("sizes", "lossless"),
            *(["--range", case["range"]] if case.get("range") else []),
            name,
        ]
    )
    if sized.exit_code == 0 and sized.stdout.strip().startswith("["):
        no_negatives("cli sizes json", sized.stdout)
    drawing = path.with_suffix("." + {"mmd": "mmd", "dot": "dot", "html": "html"}.get(
        case.get("draw"), "svg"))  # fmt: skip
    cli(["graph", name, "-o", str(drawing)])
    cli(["diff", name, name, "--all"])
    if case.get("fix") and path.suffix in (".toml", ".json"):
        run_fix(path, api, api_result)


def run_fix(path: Path, doc, before) -> None:
    original = path.read_bytes()
    cli(["check", "--fix", "--unsafe-fixes", str(path)])
    after_bytes = path.read_bytes()
    broken = any(d.code in ("AL901", "AL902") for d in before.diagnostics)
    if broken and after_bytes != original:
        raise Failure("fix", f"--fix rewrote {path.name}, which has a syntax or schema error",
                      "rewrote a broken file")  # fmt: skip
    if after_bytes == original:
        return
    after = call("check after fix", archlint.check, call("load", archlint.load, path))
    old = {(d.code, d.layer) for d in before.diagnostics}
    new = [(d.code, d.layer) for d in after.diagnostics if (d.code, d.layer) not in old]
    if new or len(after.diagnostics) >= len(before.diagnostics):
        raise Failure("fix", f"after --fix: {len(before.diagnostics)} -> {len(after.diagnostics)}"
                      f" findings; new: {new[:3]}", "not fewer, or new findings")  # fmt: skip


def run_onnx(case: dict, work: Path) -> None:
    blob = onnx_bytes(case)
    path = work / "case.onnx"
    path.write_bytes(blob)
    doc = call("load onnx", archlint.load, path)
    result = call("check onnx", archlint.check, doc)
    pipeline(result, case, "onnx")
    if not case.get("cli"):
        return
    cli(["check", "--format", "json", str(path)])
    no_negatives("cli summary json", cli(["summary", "--format", "json", str(path)]).stdout)
    cli(["graph", str(path), "-o", str(work / "case.svg")])
    spec = work / "converted.toml"
    if spec.exists():
        spec.unlink()
    converted = cli(["convert", str(path), "-o", str(spec)])
    if converted.exit_code == 0 and result.document.spec is not None:
        again = call("check converted", archlint.check, call("load", archlint.load, spec))
        same_diagnostics(
            "convert",
            result,
            again,
            "the model against its converted spec",
            keys=lambda d: (d.code, d.layer),
        )


def run_plugin(case: dict, work: Path) -> None:
    stop = threading.Event()
    descs = case.get("rules", [])
    rules = [make_rule(n, desc, stop) for n, desc in enumerate(descs)] + [sentinel]
    config = archlint.parse_config({"rule-timeout": case.get("timeout", 0.2)})
    interrupt = any(d.get("kind") == "raise" and d.get("exc") == "KeyboardInterrupt"
                    for d in descs)  # fmt: skip
    doc = call("from_dict", archlint.from_dict, case["data"])
    try:
        try:
            result = call("check with hostile rules", archlint.check, doc, rules=rules,
                          config=config)  # fmt: skip
        except KeyboardInterrupt:
            if interrupt and doc.spec is not None:
                return  # as it must: the user's Ctrl-C stops the run
            raise
        if interrupt and doc.spec is not None:
            raise Failure("plugin", "a rule raised KeyboardInterrupt and check() returned",
                          "KeyboardInterrupt swallowed")  # fmt: skip
        if doc.spec is not None:
            plugin_properties(result, descs)
        pipeline(result, case, "plugin")
        if case.get("cli") and not interrupt:
            run_plugin_cli(case, rules, work)
    finally:
        stop.set()


def plugin_properties(result, descs: list[dict]) -> None:
    messages = [d.message for d in result.diagnostics if d.code == "AL906"]
    if not any(d.code == "X999" for d in result.diagnostics):
        raise Failure("plugin", "the sentinel rule's finding is gone", "other rules lost")
    for n, desc in enumerate(descs):
        code = f"X9{n:02d}"
        mine = [m for m in messages if f"rule {code} " in m]
        verdict = rule_misbehaves(desc)
        if verdict is None and len(mine) <= 1:
            continue
        if verdict and len(mine) != 1:
            raise Failure("plugin", f"{desc} gave {len(mine)} AL906: {mine[:2]}",
                          f"{desc.get('kind')} {desc.get('exc') or desc.get('item') or ''}"
                          " not reported once")  # fmt: skip
        if not verdict and mine:
            raise Failure("plugin", f"{desc} is well-behaved but got {mine[:2]}",
                          f"{desc.get('kind')} reported wrongly")  # fmt: skip


def run_plugin_cli(case: dict, rules: list, work: Path) -> None:
    check_module = sys.modules["archlint.check"]  # archlint.check is also the function
    installed, problems = archlint.installed_rules()
    path = work / "plugin.json"
    text = to_json(case["data"], 2) if _json_ok(case["data"]) else "{}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    real = check_module.installed_rules
    check_module.installed_rules = lambda: ((*installed, *rules), problems)
    try:
        timeout = str(case.get("timeout", 0.2))
        cli(["check", "--rule-timeout", timeout, "--format", case.get("fmt", "text"), str(path)])
        if case.get("fix"):
            cli(["check", "--rule-timeout", timeout, "--fix", "--unsafe-fixes", str(path)])
    finally:
        check_module.installed_rules = real


def _json_ok(data) -> bool:
    try:
        to_json(data, 2)
        return True
    except Unrepresentable:
        return False


def run_plugin_load(case: dict, work: Path) -> None:
    from archlint import registry

    names = list(case.get("plugins", []))
    with plugins_installed(names):
        rules, problems = call("discover", registry.discover)
        codes = {r.code for r in rules}
        for n, how in enumerate(names):
            said = [p for p in problems if f"'p{n}'" in p.message]
            if how == "fine":
                if f"Y{n:03d}" not in codes:
                    raise Failure("plugin", f"a working plugin was not loaded: {problems}",
                                  "working plugin lost")  # fmt: skip
            elif len(said) != 1:
                raise Failure("plugin", f"plugin failing with {how}: {len(said)} AL906",
                              f"load {how} not reported once")  # fmt: skip
        if case.get("cli"):
            import archlint.cli  # noqa: F401 - loaded, to be patched below

            check_module, cli_module = sys.modules["archlint.check"], sys.modules["archlint.cli"]

            spec = work / "plugin-load.toml"
            spec.write_text('[input]\nfeatures = 4\n[[layers]]\ntype = "relu"\n')
            real = (cli_module.installed_rules, check_module.installed_rules)
            found = (tuple(rules), tuple(problems))
            cli_module.installed_rules = check_module.installed_rules = lambda: found
            try:
                result = cli(["check", str(spec)])
            finally:
                cli_module.installed_rules, check_module.installed_rules = real
            failing = any(h != "fine" for h in names)
            if failing and result.exit_code != 2:
                raise Failure("plugin", f"a plugin failed to load: exit {result.exit_code}",
                              "load failure not exit 2")  # fmt: skip


# ------------------------------------------------------------------------- writing cases down


def pyrepr(value) -> str:
    """Python source for a case (nan and inf spelt out, integers past the digit limit in hex)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        try:
            return repr(value)
        except ValueError:
            return ("-" if value < 0 else "") + hex(abs(value))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(pyrepr(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(f"{pyrepr(v)}, " for v in value) + ")"
    return repr(value)


def read_case(text: str) -> dict:
    return eval(text.split("CASE = ", 1)[1], {"nan": math.nan, "inf": math.inf})  # noqa: S307


def natural_file(case: dict) -> tuple[str, bytes] | None:
    """The case as the file a user would have: (suffix, bytes), where there is one."""
    kind = case["kind"]
    if kind == "text":
        return "." + case["fmt"], bytes(case["bytes"])
    if kind == "onnx":
        return ".onnx", onnx_bytes(case)
    if kind in ("spec", "plugin"):
        texts = texts_of({**case, "toml": "tables"})
        if "toml" in texts and kind == "spec":
            return ".toml", texts["toml"].encode()
        if "json" in texts:
            return ".json", texts["json"].encode("utf-8", "surrogatepass")
    return None

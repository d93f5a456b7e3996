"""What every stage reports: findings from rules and problems from load, graph and inference."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that `severity >= threshold` means "counts as a failure"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r}: use error, warning or info") from None


@dataclass(frozen=True)
class Fix:
    """A mechanical edit of the finding's layer: set `key` from `old` to `new`.

    `safe` fixes change no shape (a declared size, a wasted bias); the others change shapes
    downstream and are applied only with --unsafe-fixes.
    """

    key: str
    old: object
    new: object
    safe: bool = True

    def to_dict(self) -> dict:
        return {"key": self.key, "old": self.old, "new": self.new, "safe": self.safe}


@dataclass(frozen=True)
class Finding:
    """What a rule (or an inference step, on behalf of a rule) says about one layer.

    `field` names the layer's key the finding is about (e.g. "stride"), so the location can
    point at that key's line; `severity` overrides the rule's default (used for refusals that
    a framework would raise). `layer` None means the whole model (located at [model]).
    """

    layer: str | None
    message: str
    help: str | None = None
    note: str | None = None
    field: str | None = None
    severity: Severity | None = None
    fix: Fix | None = None


@dataclass(frozen=True)
class Diagnostic:
    """A located, coded finding, as the reporters print it."""

    file: str
    line: int
    column: int
    code: str
    rule: str
    severity: Severity
    layer: str | None
    message: str
    help: str | None = None
    note: str | None = None
    fix: Fix | None = None
    where: str | None = None  # for files without lines (ONNX): "node 12 (Conv 'conv1')"

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "where": self.where,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "rule": self.rule,
            "severity": str(self.severity),
            "layer": self.layer,
            "message": self.message,
            "note": self.note,
            "help": self.help,
            "fix": self.fix.to_dict() if self.fix else None,
        }


@dataclass(frozen=True)
class Reserved:
    """A reserved diagnostic kind of the engine itself (not a rule module)."""

    code: str
    name: str
    severity: Severity
    summary: str


SYNTAX_ERROR = Reserved(
    "AL901", "syntax-error", Severity.ERROR, "the file cannot be parsed (TOML, JSON or ONNX)"
)
SCHEMA_ERROR = Reserved(
    "AL902", "schema-error", Severity.ERROR, "a key or value does not fit the spec format"
)
GRAPH_ERROR = Reserved(
    "AL903", "graph-error", Severity.ERROR, "duplicate names, unknown references or cycles"
)
UNUSED_OUTPUT = Reserved(
    "AL904", "unused-output", Severity.WARNING, "a layer whose output no other layer uses"
)
SHAPE_ERROR = Reserved(
    "AL905", "shape-error", Severity.ERROR, "a layer that cannot take the input it is given"
)
PLUGIN_ERROR = Reserved(
    "AL906", "plugin-error", Severity.ERROR, "a rule plugin that failed to load or to run"
)
UNUSED_SUPPRESSION = Reserved(
    "AL907", "unused-suppression", Severity.INFO, "an ignore that silences nothing"
)
UNSUPPORTED_OP = Reserved(
    "AL908", "unsupported-op", Severity.ERROR, "an operation archlint cannot model"
)
RESERVED = (
    SYNTAX_ERROR,
    SCHEMA_ERROR,
    GRAPH_ERROR,
    UNUSED_OUTPUT,
    SHAPE_ERROR,
    PLUGIN_ERROR,
    UNUSED_SUPPRESSION,
    UNSUPPORTED_OP,
)


MAX_DEPTH = 32
"""Tables and arrays nest at most this deep, the document itself counting as one (a spec
needs five: the document, `layers`, a layer, its `padding`, one axis's [begin, end]). Deeper
is a schema error (AL902), found before anything recursive (json.dumps in the messages, the
source-map scanners) walks it; the parsers, far deeper, stop with a RecursionError."""

MAX_DIGITS = 100
"""A number has at most this many digits. Python refuses to convert integers of more than
4,300 (a process-wide setting archlint must not change); any size archlint takes has at most
seven, so this limit is far above what a spec needs and far below what could fail."""

MAX_TEXT_BYTES = 32 * 2**20
"""A TOML or JSON spec file is at most 32 MiB: ample for the 100,000 layers a spec may have
(7 MB, one line per key), and parsed in a few seconds. A larger file is a schema error (AL902)
if its first 64 KiB mention layers, and is otherwise skipped as not a spec."""

TOO_DEEP = f"nested too deeply: archlint reads tables and arrays nested at most {MAX_DEPTH} deep"
TOO_LONG = f"archlint reads numbers of at most {MAX_DIGITS:,} digits"


@dataclass
class Problem:
    """A problem found before the rules run, not yet located in the file.

    `path` is the key path into the document (e.g. ("layers", 3, "stride")); the loader maps
    it to a line and column through the source map.
    """

    kind: Reserved
    message: str
    path: tuple = ()
    layer: str | None = None
    help: str | None = None

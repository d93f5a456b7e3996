"""Suppressions: `ignore = [...]` on a layer or in [model], and `# archlint: ignore[...]` in TOML.

A suppression names rules by code or name. One that silences nothing is reported itself
(unused-suppression, info), like ruff's unused-noqa, so stale ignores do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archlint.config import Config, rule_code
from archlint.diagnostics import UNUSED_SUPPRESSION, Diagnostic
from archlint.inference import Analysis
from archlint.loader import Document

COMMENT = re.compile(r"#\s*archlint:\s*ignore\[([^\]]*)\]")


@dataclass
class Suppression:
    names: list[str]  # as written
    line: int
    column: int
    layer: str | None  # None: the whole file
    used: set[str] = field(default_factory=set)  # codes it silenced


def find(document: Document, analysis: Analysis | None) -> list[Suppression]:
    spec = document.spec
    if spec is None:
        return []
    locate = document.source_map.locate
    found = []
    if spec.model.ignore:
        found.append(Suppression(spec.model.ignore, *locate(("model", "ignore")), None))
    for i, layer in enumerate(spec.layers):
        if layer.ignore:
            found.append(Suppression(layer.ignore, *locate(("layers", i, "ignore")), layer.name))
    if document.format == "toml" and document.text and "archlint:" in document.text:
        starts = [(locate(("layers", i))[0], layer.name) for i, layer in enumerate(spec.layers)]
        for line, column, text in document.source_map.comments:
            match = COMMENT.search(text)
            if match:
                owner = [name for start, name in starts if start <= line]
                names = [x.strip() for x in match[1].split(",") if x.strip()]
                layer = owner[-1] if owner else "?"
                found.append(Suppression(names, line, column + match.start(), layer))
    return found


def apply(
    document: Document, analysis: Analysis | None, diagnostics: list[Diagnostic], config: Config
) -> list[Diagnostic]:
    """The diagnostics not suppressed, plus one for each suppression that silenced nothing."""
    suppressions = find(document, analysis)
    kept = []
    for d in diagnostics:
        silencing = [
            s
            for s in suppressions
            if (s.layer is None or s.layer == d.layer)
            and any(rule_code(n) == d.code for n in s.names)
        ]
        for s in silencing:
            s.used.add(d.code)
        if not silencing:
            kept.append(d)
    if not config.selects(UNUSED_SUPPRESSION.code, document.path):
        return kept  # unused-suppression is turned off like any rule: ignore, per-file-ignores
    return kept + [unused for s in suppressions for unused in _unused(document.path, s, config)]


def _unused(path: str, s: Suppression, config: Config):
    where = f"on layer '{s.layer}'" if s.layer not in (None, "?") else "for the whole file"
    if s.layer == "?":
        where = "outside any layer"
    for name in s.names:
        code = rule_code(name)
        if code is None:
            message = f"ignore names '{name}', which is not a rule"
        elif code in s.used or not config.selects(code, path):
            continue
        else:
            message = f"ignore[{name}] {where} silences nothing"
        yield Diagnostic(
            path,
            s.line,
            s.column,
            UNUSED_SUPPRESSION.code,
            UNUSED_SUPPRESSION.name,
            config.severity.get(UNUSED_SUPPRESSION.code, UNUSED_SUPPRESSION.severity),
            s.layer if s.layer != "?" else None,
            message,
            help="remove it" if code else "`archlint rules` lists the codes and names",
        )

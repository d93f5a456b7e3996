"""SARIF 2.1.0 output, valid against the official schema and GitHub code scanning's rules.

Every rule (and reserved kind) is described once in `tool.driver.rules`, from the same
docstring that `archlint explain` prints; each result points at a file relative to the
repository root, with line, column and the layer as a logical location.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from archlint import __version__
from archlint.check import FileResult
from archlint.diagnostics import RESERVED, Severity
from archlint.registry import installed_rules

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def repository_root(start: Path) -> Path:
    """The nearest folder above `start` holding .git, else `start` itself."""
    start = start.resolve()
    for here in (start, *start.parents):
        if (here / ".git").exists():
            return here
    return start


def _descriptor(code: str, name: str, severity: Severity, summary: str, doc: str) -> dict:
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip()]
    full = " ".join(paragraphs[1:2]) or summary
    full = " ".join(full.replace("**", "").split())
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full if len(full) <= 1024 else full[:1021] + "..."},
        "help": {"text": doc or summary, "markdown": doc or summary},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": ["architecture"]},
    }


def sarif(results: list[FileResult], root: Path | None = None) -> str:
    root = repository_root(root or Path.cwd())
    rules, _ = installed_rules()
    descriptors = [_descriptor(r.code, r.name, r.severity, r.summary, r.doc) for r in rules]
    descriptors += [
        _descriptor(k.code, k.name, k.severity, f"Reserved: {k.summary}.", "") for k in RESERVED
    ]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    out = []
    for result in results:
        uri = _uri(Path(result.path), root)
        for d in result.diagnostics:
            text = f"{d.layer}: {d.message}" if d.layer else d.message
            extra = [x for x in (d.note, f"help: {d.help}" if d.help else None) if x]
            entry = {
                "ruleId": d.code,
                "level": LEVELS[d.severity],
                "message": {"text": "\n".join([text, *extra])},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    },
                    **({"logicalLocations": [{"name": d.layer, "kind": "object"}]}
                       if d.layer else {}),
                }],
            }  # fmt: skip
            if d.code in index:
                entry["ruleIndex"] = index[d.code]
            out.append(entry)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "archlint", "version": __version__, "semanticVersion": __version__,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": root.as_uri() + "/"}},
            "results": out,
        }],
    }  # fmt: skip
    return json.dumps(log, indent=2, ensure_ascii=False)


def _uri(path: Path, root: Path) -> str:
    """A relative URI reference: percent-encoded, so spaces, ':' and '#' stay part of the path."""
    absolute = path.resolve()
    try:
        return quote(absolute.relative_to(root).as_posix(), safe="/")
    except ValueError:
        return absolute.as_uri()

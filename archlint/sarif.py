"""SARIF 2.1.0 output, valid against the official schema and GitHub code scanning's rules.

Rules. Every rule (and reserved code) is described once in `tool.driver.rules`: `help.markdown`
is its documentation page (archlint/rule_docs.py: the docstring `archlint explain` prints, with
its settings), `help.text` the same as plain text. `helpUri` and `tool.driver.informationUri`
are there only when archlint's metadata names a public repository: the schema takes only an
absolute URI there, and GitHub's upload refuses a file whose `helpUri` is not one.

Paths. Each result's `uri` is relative to SRCROOT, the root: `--root` if given, else the git
work tree holding the file (the nearest folder at or above it with a `.git` folder, or a `.git`
file as in a linked worktree or a submodule), else the current folder. A file outside its root
gets a `../` reference. The log holds no absolute path: `originalUriBaseIds` describes SRCROOT
without its `uri`, which SARIF allows where it would be absolute (§3.14.14); GitHub reads a
relative `uri` as relative to the repository's root.

Fingerprints. Each result has `partialFingerprints["archlint/v1"]`: the first 32 hex digits of
a SHA-256 of the rule code, the file's `uri`, the layer's name, the key the result points at
inside that layer (`stride`, `padding/0`; the layer's index is left out, so inserting a layer
above changes nothing), and the message with any "line N" or "column N" taken out; then `:`
and the count of equal hashes so far in the run (`:1`, `:2`...), so that each is unique. No line
or column goes in: moving a layer, or adding lines above it, keeps the fingerprint. (A layer
without a `name` is named after its index, `conv2d_3`, and that name does move.) The key is not
`primaryLocationLineHash`: GitHub's upload action computes that one itself, from the text of
the line, and warns on every result where a tool's value differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from archlint import __version__
from archlint.check import FileResult
from archlint.diagnostics import RESERVED, Diagnostic, Severity
from archlint.registry import installed_rules

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "archlint/v1"
SRCROOT = "SRCROOT"


# ------------------------------------------------------------------------------ paths


def work_tree(path: str | Path) -> Path | None:
    """The git work tree holding `path` (a file or folder, which need not exist): the nearest
    folder at or above it with a `.git` folder or file; None outside any."""
    absolute = Path(path).resolve()
    return _work_tree_of(absolute if absolute.is_dir() else absolute.parent)


@lru_cache(maxsize=256)
def _work_tree_of(folder: Path) -> Path | None:
    for here in (folder, *folder.parents):
        if (here / ".git").exists():  # a folder, or a file ("gitdir: ...") in a worktree
            return here
    return None


def root_for(path: str | Path, root: str | Path | None = None) -> Path:
    """The folder `path` is reported relative to: `root` if given, else its git work tree,
    else the current folder."""
    if root is not None:
        return Path(root).resolve()
    return work_tree(path) or Path.cwd().resolve()


def relative_path(path: str | Path, root: Path) -> str:
    """`path` relative to `root` with '/' between folders; '../...' when outside it."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return absolute.as_posix()


def _uri(path: str | Path, root: Path) -> str:
    """A relative URI reference: percent-encoded, so spaces, ':' and '#' stay part of the path."""
    return quote(relative_path(path, root), safe="/")


# ------------------------------------------------------------------------- fingerprints

_LINE_NUMBER = re.compile(r"\b(lines?|columns?|col)\s+\d+", re.IGNORECASE)


def _keys_by_place(result: FileResult) -> dict[tuple[int, int], tuple]:
    """(line, column) -> the longest key path of the document that starts there."""
    places: dict[tuple[int, int], tuple] = {}
    for path, place in result.document.source_map.positions.items():
        if len(path) >= len(places.get(place, ())):
            places[place] = path
    return places


def _key(path: tuple) -> str:
    """The key path inside its layer ("stride", "padding/0"), or in the document ("input")."""
    if len(path) >= 2 and path[0] == "layers" and isinstance(path[1], int):
        path = path[2:]
    return "/".join(str(part) for part in path)


def fingerprint(code: str, uri: str, layer: str | None, key: str, message: str) -> str:
    """The hash of what identifies a result, without its line or column."""
    message = _LINE_NUMBER.sub(lambda m: m[1], message)
    text = "\0".join((code, uri, layer or "", key, message))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ------------------------------------------------------------------------------ the log


def _descriptor(code: str, name: str, severity: Severity, summary: str, doc: str) -> dict:
    from archlint import rule_docs

    markdown = rule_docs.body(code) or doc or summary
    paragraphs = [p.strip() for p in (doc or markdown).split("\n\n") if p.strip()]
    full = " ".join(paragraphs[1:2]) if doc else ""
    full = " ".join((full or summary).replace("**", "").split())
    descriptor = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full if len(full) <= 1024 else full[:1021] + "..."},
        "help": {"text": rule_docs.plain_text(markdown), "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": ["architecture"]},
    }
    uri = rule_docs.help_uri(code)
    if uri:
        descriptor["helpUri"] = uri
    link = rule_docs.doc_link(code)
    if link and not uri:  # the page's path in the repository, where no URL is known
        descriptor["properties"]["documentation"] = link
    return descriptor


def _result(d: Diagnostic, uri: str, key: str, index: dict[str, int]) -> dict:
    text = f"{d.layer}: {d.message}" if d.layer else d.message
    extra = [x for x in (d.note, f"help: {d.help}" if d.help else None) if x]
    entry = {
        "ruleId": d.code,
        "level": LEVELS[d.severity],
        "message": {"text": "\n".join([text, *extra])},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                "region": {"startLine": d.line, "startColumn": d.column},
            },
            **({"logicalLocations": [{"name": d.layer, "kind": "object"}]} if d.layer else {}),
        }],
        "partialFingerprints": {
            FINGERPRINT: fingerprint(d.code, uri, d.layer, key, d.message),
        },
    }  # fmt: skip
    if d.code in index:
        entry["ruleIndex"] = index[d.code]
    return entry


def sarif(results: list[FileResult], root: str | Path | None = None) -> str:
    """The SARIF log of these results; paths relative to `root`, else to each file's git work
    tree, else to the current folder (see the module docstring)."""
    from archlint import rule_docs

    rules, _ = installed_rules()
    descriptors = [_descriptor(r.code, r.name, r.severity, r.summary, r.doc) for r in rules]
    descriptors += [
        _descriptor(k.code, k.name, k.severity, f"Reserved: {k.summary}.", "") for k in RESERVED
    ]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    out = []
    seen: dict[str, int] = {}
    for result in results:
        if not result.diagnostics:
            continue
        uri = _uri(result.path, root_for(result.path, root))
        keys = _keys_by_place(result)
        for d in result.diagnostics:
            entry = _result(d, uri, _key(keys.get((d.line, d.column), ())), index)
            value = entry["partialFingerprints"][FINGERPRINT]
            seen[value] = seen.get(value, 0) + 1
            entry["partialFingerprints"][FINGERPRINT] = f"{value}:{seen[value]}"
            out.append(entry)
    driver = {"name": "archlint", "version": __version__, "semanticVersion": __version__}
    if rule_docs.information_uri():
        driver["informationUri"] = rule_docs.information_uri()
    driver["rules"] = descriptors
    where = (
        "the folder given as --root"
        if root is not None
        else ("the git work tree holding each file (else the current folder)")
    )
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"description": {"text": f"The root: {where}."}}},
            "columnKind": "unicodeCodePoints",
            "results": out,
        }],
    }  # fmt: skip
    return json.dumps(log, indent=2, ensure_ascii=False)

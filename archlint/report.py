"""Reporters for `archlint check`: FileResults -> text, JSON or GitHub annotations."""

from __future__ import annotations

import json
import os
from pathlib import Path

from archlint.check import FileResult
from archlint.diagnostics import Diagnostic, Severity

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def diagnostic_text(d: Diagnostic, color: bool = False) -> str:
    def paint(text: str, **style) -> str:
        if not color:
            return text
        import click

        return click.style(text, **style)

    layer = f"{d.layer}: " if d.layer else ""
    place = f"{d.file}: {d.where}:" if d.where else f"{d.file}:{d.line}:{d.column}:"
    where = paint(place, bold=True)
    kind = paint(f"{d.code} {d.severity}:", fg=COLOURS[d.severity], bold=True)
    lines = [f"{where} {kind} {layer}{d.message}"]
    if d.note:
        lines.append(f"  {d.note}")
    if d.help:
        lines.append(f"  {paint('help:', fg='cyan')} {d.help}")
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def closing_line(results: list[FileResult]) -> str:
    diagnostics = [d for r in results for d in r.diagnostics]
    files = _plural(len(results), "file")
    if not diagnostics:
        return f"All checks passed ({files})."
    counts = [
        _plural(sum(d.severity == s for d in diagnostics), str(s))
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    ]
    return f"Found {_plural(len(diagnostics), 'problem')} in {files}: {', '.join(counts)}."


def check_text(results: list[FileResult], color: bool = False) -> str:
    blocks = [diagnostic_text(d, color) for r in results for d in r.diagnostics]
    return "\n".join(blocks + [closing_line(results)])


GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def check_github(results: list[FileResult], root: str | Path | None = None) -> str:
    """GitHub Actions workflow commands, escaped as the Actions toolkit escapes them.

    `file=` is relative to the workspace: `root` if given, else GITHUB_WORKSPACE when set, else
    the file's git work tree (else the current folder), as SARIF's paths are.
    """
    from archlint.sarif import relative_path, root_for

    workspace = root if root is not None else os.environ.get("GITHUB_WORKSPACE") or None
    lines = []
    for d in (d for r in results for d in r.diagnostics):
        text = f"{d.layer}: {d.message}" if d.layer else d.message
        text += "".join(f"\n{x}" for x in (d.note, d.help and f"help: {d.help}") if x)
        file = relative_path(d.file, root_for(d.file, workspace))
        props = f"file={_escape_property(file)},line={d.line},col={d.column}"
        props += f",title={_escape_property(f'{d.code} {d.rule}')}"
        lines.append(f"::{GITHUB_LEVELS[d.severity]} {props}::{_escape_data(text)}")
    return "\n".join(lines + [closing_line(results)])


def check_json(results: list[FileResult]) -> str:
    diagnostics = [d.to_dict() for r in results for d in r.diagnostics]
    return json.dumps({"diagnostics": diagnostics}, indent=2, ensure_ascii=False)

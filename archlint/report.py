"""Reporters: FileResults -> text or JSON, for `archlint check` and `archlint summary`."""

from __future__ import annotations

import json

from archlint.check import FileResult
from archlint.diagnostics import Diagnostic, Severity
from archlint.layers import fmt_shape

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def diagnostic_text(d: Diagnostic, color: bool = False) -> str:
    def paint(text: str, **style) -> str:
        if not color:
            return text
        import click

        return click.style(text, **style)

    layer = f"{d.layer}: " if d.layer else ""
    where = paint(f"{d.file}:{d.line}:{d.column}:", bold=True)
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


def check_github(results: list[FileResult]) -> str:
    """GitHub Actions workflow commands, escaped as the Actions toolkit escapes them."""
    lines = []
    for d in (d for r in results for d in r.diagnostics):
        text = f"{d.layer}: {d.message}" if d.layer else d.message
        text += "".join(f"\n{x}" for x in (d.note, d.help and f"help: {d.help}") if x)
        props = f"file={_escape_property(d.file)},line={d.line},col={d.column}"
        props += f",title={_escape_property(f'{d.code} {d.rule}')}"
        lines.append(f"::{GITHUB_LEVELS[d.severity]} {props}::{_escape_data(text)}")
    return "\n".join(lines + [closing_line(results)])


def check_json(results: list[FileResult]) -> str:
    diagnostics = [d.to_dict() for r in results for d in r.diagnostics]
    return json.dumps({"diagnostics": diagnostics}, indent=2, ensure_ascii=False)


def summary_rows(result: FileResult) -> list[dict]:
    analysis = result.analysis
    if analysis is None:
        return []
    return [
        {
            "name": r.name,
            "type": r.type,
            "output_shape": list(r.output) if r.output else None,
            "params": r.params,
        }
        for r in sorted(analysis.layers.values(), key=lambda r: r.index)
    ]


def summary_json(results: list[FileResult]) -> str:
    out = []
    for result in results:
        spec = result.document.spec
        out.append(
            {
                "file": result.path,
                "model": spec.model.name if spec else None,
                "input_shape": list(spec.input.shape) if spec else None,
                "layers": summary_rows(result),
                "total_params": result.analysis.total_params if result.analysis else None,
                "diagnostics": [d.to_dict() for d in result.diagnostics],
            }
        )
    return json.dumps(out, indent=2, ensure_ascii=False)


def summary_text(results: list[FileResult]) -> str:
    blocks = []
    for result in results:
        spec = result.document.spec
        if spec is None or result.analysis is None:
            blocks.append(
                f"{result.path}: not a valid spec, no summary\n"
                + "\n".join(map(diagnostic_text, result.diagnostics))
            )
            continue
        rows = [("layer", "type", "output shape", "params")]
        rows += [
            (
                r["name"],
                r["type"],
                fmt_shape(tuple(r["output_shape"]) if r["output_shape"] else None),
                "?" if r["params"] is None else f"{r['params']:,}",
            )
            for r in summary_rows(result)
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            f"{spec.model.name or result.path} ({result.path}): input {fmt_shape(spec.input.shape)}"
        ]
        for n, row in enumerate(rows):
            cells = [row[i].ljust(widths[i]) for i in range(3)] + [row[3].rjust(widths[3])]
            lines.append("  " + "  ".join(cells))
            if n == 0:
                lines.append("  " + "  ".join("─" * w for w in widths))
        total = result.analysis.total_params
        lines.append(f"  total parameters: {total:,}")
        if result.diagnostics:
            lines.append(
                f"  {_plural(len(result.diagnostics), 'finding')}: run `archlint check"
                f" {result.path}` for details"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)

"""The command line: a thin shell over the Python API.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage errors or unreadable files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archlint.check import Config, FileResult, check, installed_rules
from archlint.diagnostics import RESERVED, Severity
from archlint.loader import LoadError

SEVERITIES = click.Choice(["error", "warning", "info"])
FORMATS = click.Choice(["text", "json"])


def _expand(paths: tuple[str, ...]) -> list[Path]:
    """Files as given; directories searched recursively for .toml and .json files."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".toml", ".json"))
        else:
            files.append(path)
    return files


def _check_all(paths: tuple[str, ...], config: Config) -> tuple[list[FileResult], bool]:
    """Results for every readable file; unreadable ones are reported on stderr (exit 2)."""
    results, unreadable = [], False
    for path in _expand(paths):
        try:
            results.append(check(path, config=config))
        except LoadError as exc:
            click.echo(f"archlint: error: {exc}", err=True)
            unreadable = True
    return results, unreadable


def _codes(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.group()
@click.version_option(package_name="archlint")
def main() -> None:
    """archlint: static checks for convolutional network architectures."""


@main.command("check")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option(
    "--fail-on",
    type=SEVERITIES,
    default="warning",
    show_default=True,
    help="The lowest severity that makes the exit code 1.",
)
@click.option("--select", multiple=True, help="Only these rules (codes or names, comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rules (codes or names).")
def check_command(paths, fmt, fail_on, select, ignore) -> None:
    """Check architecture spec files (.toml, .json) or directories of them."""
    from archlint import report

    config = Config(
        select=_codes(select) or None, ignore=_codes(ignore), fail_on=Severity.parse(fail_on)
    )
    _reject_unknown(config.select or [], "--select")
    _reject_unknown(config.ignore, "--ignore")
    results, unreadable = _check_all(paths, config)
    click.echo(report.check_json(results) if fmt == "json" else report.check_text(results))
    sys.exit(2 if unreadable else 1 if any(r.fails(config.fail_on) for r in results) else 0)


@main.command("summary")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def summary_command(paths, fmt) -> None:
    """Per-layer output shapes and parameter counts, with totals."""
    from archlint import report

    results, unreadable = _check_all(paths, Config())
    click.echo(report.summary_json(results) if fmt == "json" else report.summary_text(results))
    sys.exit(2 if unreadable else 1 if any(r.analysis is None for r in results) else 0)


@main.command("rules")
@click.option("--markdown", is_flag=True, help="The README's rule table.")
def rules_command(markdown: bool) -> None:
    """List every rule: code, name, default severity, origin and summary."""
    rules, problems = installed_rules()
    if markdown:
        click.echo(rules_table(rules))
        return
    for r in rules:
        click.echo(f"{r.code}  {r.name:<26} {str(r.severity):<8} {r.origin:<10} {r.summary}")
    for k in RESERVED:
        click.echo(f"{k.code}  {k.name:<26} {str(k.severity):<8} {'reserved':<10} {k.summary}")
    for p in problems:
        click.echo(f"archlint: {p.message}", err=True)


@main.command("explain")
@click.argument("rule")
def explain_command(rule: str) -> None:
    """Print a rule's documentation (by code or name)."""
    rules, _ = installed_rules()
    for r in rules:
        if rule in (r.code, r.name):
            click.echo(f"{r.code} {r.name} (default severity: {r.severity})\n\n{r.doc}")
            return
    raise click.UsageError(f"no rule {rule!r}; `archlint rules` lists them")


@main.command("types")
def types_command() -> None:
    """List the layer types of the spec format and their keys."""
    from archlint.layers import LAYER_CLASSES

    for cls in LAYER_CLASSES:
        types = ", ".join(cls.model_fields["type"].annotation.__args__)
        keys = [k for k in cls.model_fields if k not in ("type", "name", "inputs", "ignore")]
        click.echo(f"{types}\n    keys: {', '.join(keys) or '(none)'}")


def _reject_unknown(selected: list[str], option: str) -> None:
    rules, _ = installed_rules()
    known = {x for r in rules for x in (r.code, r.name)} | {
        x for k in RESERVED for x in (k.code, k.name)
    }
    for name in selected:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise click.UsageError(f"{option}: unknown rule '{name}'{hint}")


def rules_table(rules) -> str:
    """The README's rule table, from each rule's docstring summary (written once)."""
    lines = ["| code | name | severity | what it finds |", "|---|---|---|---|"]
    lines += [f"| {r.code} | `{r.name}` | {r.severity} | {r.summary} |" for r in rules]
    lines += [
        f"| {k.code} | `{k.name}` | {k.severity} | Reserved: {k.summary}. |" for k in RESERVED
    ]
    return "\n".join(lines)

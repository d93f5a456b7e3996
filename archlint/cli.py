"""The command line: a thin shell over the Python API.

Exit codes: 0 clean, 1 findings at or above the failing severity, 2 usage, config or internal
errors (unreadable files, a broken config, a rule plugin that fails to load).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import sys
from pathlib import Path

import click

from archlint.check import FileResult, check
from archlint.config import Config, ConfigError, find_config, load_config, parse_config
from archlint.cost import DTYPE_BYTES
from archlint.diagnostics import RESERVED
from archlint.loader import LoadError
from archlint.registry import installed_rules

SEVERITIES = click.Choice(["error", "warning", "info"])


class _Configs:
    """The config for each file: --config, else the nearest one above it (cached by folder)."""

    def __init__(self, explicit: str | None, overrides: dict) -> None:
        self.override_keys = set(overrides)
        self.overrides = parse_config(overrides) if overrides else None
        self.explicit = self._apply(load_config(Path(explicit))) if explicit else None
        self.by_file: dict[Path, Config] = {}

    def _apply(self, config: Config) -> Config:
        o = self.overrides
        if o is None:
            return config
        return dataclasses.replace(
            config,
            select=o.select if o.select is not None else config.select,
            extend_select=config.extend_select + o.extend_select,
            ignore=config.ignore + o.ignore,
            fail_on=o.fail_on if "fail-on" in self.override_keys else config.fail_on,
            rule_timeout=o.rule_timeout
            if "rule-timeout" in self.override_keys
            else config.rule_timeout,
        )

    def for_file(self, path: Path) -> Config:
        if self.explicit is not None:
            return self.explicit
        found = find_config(path)
        if found not in self.by_file:
            self.by_file[found] = self._apply(load_config(found) if found else Config())
        return self.by_file[found]


def _run(
    paths, config_path, overrides, discovery=None
) -> tuple[list[FileResult], list[Config], int]:
    """Check every file; returns the results, their configs and the worst usage exit code.

    The garbage collector is off while the files are checked (collecting the specs' objects
    only costs time) and as it was afterwards: the CLI also runs inside other processes
    (click's CliRunner, tests), which must get their collector back.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check_files(paths, config_path, overrides, discovery)
    finally:
        if collecting:
            gc.enable()


def _check_files(
    paths, config_path, overrides, discovery=None
) -> tuple[list[FileResult], list[Config], int]:
    """Files named on the command line that are not specs are named on stderr, with the
    reason, and change no exit code (a pre-commit hook passes every .toml and .json file);
    those found in folders are only counted. Folders are walked as archlint/discovery.py
    says (excludes, .gitignore files); `discovery`: its command-line options."""
    from archlint.discovery import Discovery, Options

    rules, plugin_problems = installed_rules()
    status = 0
    for problem in plugin_problems:  # said once per run, not once per file
        kind = problem.kind
        click.echo(f"archlint: {kind.code} {kind.name}: {problem.message}", err=True)
        status = 2
    try:
        configs = _Configs(config_path, overrides)
        results, used = [], []
        named, unnamed_skipped = {Path(name) for name in paths}, 0
        found = Discovery(configs.for_file, discovery or Options()).find(paths)
        for path in found.excluded:
            click.echo(f"{path}: skipped: excluded (--force-exclude)", err=True)
        for path in found.files:
            config = configs.for_file(path)
            try:
                result = check(path, config=config)
            except LoadError as exc:
                click.echo(f"archlint: error: {exc}", err=True)
                status = 2
                continue
            if result.document.is_spec:
                results.append(result)
                used.append(config)
            elif path in named:
                click.echo(f"{path}: skipped: {result.document.skip_reason}", err=True)
            else:
                unnamed_skipped += 1
        if unnamed_skipped:
            files = f"{unnamed_skipped} file{'s' if unnamed_skipped > 1 else ''}"
            click.echo(f"archlint: skipped {files} found in folders: not specs", err=True)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    return results, used, status


def _fix(result: FileResult, config: Config, unsafe: bool) -> FileResult:
    """Apply what can be fixed, write the file back, say what changed on stderr."""
    if result.document.format not in ("toml", "json") or result.analysis is None:
        return result
    from archlint.fix import fix

    fixed = fix(result, config, unsafe)
    if fixed.applied:
        path = Path(result.path)
        crlf = b"\r\n" in path.read_bytes()  # keep the file's line endings
        _write(path, fixed.text, newline="\r\n" if crlf else "\n")
        for d in fixed.applied:
            value = json.dumps(d.fix.new)
            click.echo(f"fixed {d.file}: {d.layer}: {d.fix.key} = {value} ({d.code})", err=True)
    return fixed.result


def _write(path: str | Path, text: str, newline: str | None = None) -> None:
    """Write a file atomically (archlint/files.py); a failure is exit 2, not a traceback."""
    from archlint.files import write_text

    try:
        write_text(path, text, newline=newline)
    except OSError as exc:
        click.echo(f"archlint: error: {path}: cannot write: {exc.strerror or exc}", err=True)
        sys.exit(2)


def _names(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.group()
@click.version_option(package_name="archlint")
def main() -> None:
    """archlint: static checks for convolutional network architectures."""


@main.command("check")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
    show_default=True,
)  # fmt: skip
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Use this config file instead of searching for one.",
)
@click.option(
    "--fail-on",
    type=SEVERITIES,
    help="The lowest severity that makes the exit code 1 (default: warning).",
)
@click.option("--select", multiple=True, help="Only these rules (codes or names, comma-separated).")
@click.option("--extend-select", multiple=True, help="These rules as well.")
@click.option("--ignore", multiple=True, help="Skip these rules (codes or names).")
@click.option(
    "--fix",
    "apply_fixes",
    is_flag=True,
    help="Apply fixes that leave strictly fewer findings and no new ones.",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix, also apply fixes that change shapes downstream.",
)
@click.option(
    "--rule-timeout",
    type=float,
    metavar="SECONDS",
    help="Abandon a rule still running after this long on one file, as AL906 (default: 10;"
    " 0: no limit).",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="The folder sarif and github paths are relative to (default: each file's git work"
    " tree; for github, GITHUB_WORKSPACE when set).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="PATTERNS",
    help="Skip these files and folders when walking folders: gitignore-style patterns,"
    " comma-separated, relative to the current folder (replaces the config's and the defaults).",
)
@click.option(
    "--extend-exclude",
    multiple=True,
    metavar="PATTERNS",
    help="Skip these as well as the config's (or the default) excludes.",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip what .gitignore files ignore when walking folders (default: on).",
)
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply the excludes to paths named on the command line too (for pre-commit).",
)
def check_command(
    paths,
    fmt,
    config_path,
    fail_on,
    select,
    extend_select,
    ignore,
    apply_fixes,
    unsafe_fixes,
    rule_timeout,
    root,
    exclude,
    extend_exclude,
    respect_gitignore,
    force_exclude,
) -> None:
    """Check architecture specs (.toml, .json), ONNX models (.onnx) or directories of them."""
    from archlint import report
    from archlint.discovery import Options, pattern_problem

    patterns = {"--exclude": _names(exclude), "--extend-exclude": _names(extend_exclude)}
    for option, values in patterns.items():
        for problem in filter(None, map(pattern_problem, values)):
            raise click.BadParameter(problem, param_hint=option)
    discovery = Options(
        exclude=tuple(patterns["--exclude"]) if exclude else None,
        extend_exclude=tuple(patterns["--extend-exclude"]),
        respect_gitignore=respect_gitignore,
        force_exclude=force_exclude,
    )

    overrides: dict = {}
    if select:
        overrides["select"] = _names(select)
    if extend_select:
        overrides["extend-select"] = _names(extend_select)
    if ignore:
        overrides["ignore"] = _names(ignore)
    if fail_on:
        overrides["fail-on"] = fail_on
    if rule_timeout is not None:
        overrides["rule-timeout"] = rule_timeout
    results, configs, status = _run(paths, config_path, overrides, discovery)
    if apply_fixes:
        results = [_fix(r, c, unsafe_fixes) for r, c in zip(results, configs)]
    if fmt == "json":
        click.echo(report.check_json(results))
    elif fmt == "sarif":
        from archlint.sarif import sarif

        click.echo(sarif(results, root=root))
    elif fmt == "github":
        click.echo(report.check_github(results, root=root))
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(report.check_text(results, color=color), color=color)
    failed = any(r.fails(c.fail_on) for r, c in zip(results, configs))
    sys.exit(status or (1 if failed else 0))


@main.command("summary")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True,
              help="Element type for memory figures.")  # fmt: skip
@click.option("--batch", type=click.IntRange(1, 1_000_000), default=1, show_default=True,
              help="Batch size for MACs and activation memory.")  # fmt: skip
@click.option(
    "--fc-equivalent",
    is_flag=True,
    help="Beside each conv, the parameters a fully connected layer would need.",
)
def summary_command(paths, fmt, config_path, dtype, batch, fc_equivalent) -> None:
    """Per-layer output shapes, parameters, MACs and memory, with totals."""
    from archlint import summary

    results, _, status = _run(paths, config_path, {})
    options = summary.Options(dtype, batch, fc_equivalent)
    click.echo(
        summary.as_json(results, options) if fmt == "json" else summary.as_text(results, options)
    )
    sys.exit(status or (0 if all(r.shapes_complete for r in results) else 1))


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="List unchanged layers too.")
def diff_command(old, new, fmt, show_all) -> None:
    """Per-layer and total changes in shapes, parameters and MACs between two specs."""
    from archlint import diff, report

    results, _, status = _run((old, new), None, {})
    if status or len(results) != 2:
        raise click.UsageError("diff needs two readable spec files")
    broken = [r for r in results if not r.graph_complete]
    if broken:
        click.echo(report.check_text(broken))
        sys.exit(1)
    changes = diff.diff(*results)
    click.echo(diff.as_json(changes) if fmt == "json" else diff.as_text(changes, show_all))


@main.command("sizes")
@click.argument("paths", nargs=-1, required=True)
@click.option("--range", "span", default=None, metavar="LO..HI",
              help="The sizes to judge (default: enough to show the pattern).")  # fmt: skip
@click.option("--mode", type=click.Choice(["lossless", "exact", "strict"]), default="lossless",
              show_default=True,
              help="lossless: no input row or column floored away; exact: every window divides"
              " exactly (ceil_mode pools aside); strict: ceil_mode pools too.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
def sizes_command(paths, span, mode, fmt) -> None:
    """The input sizes each network takes, per spatial axis, and the nearest to the declared."""
    from archlint.sizes import input_sizes, spatial_axes

    lo, hi = 1, None
    if span:
        try:
            lo, hi = (int(x) for x in span.split(".."))
        except ValueError:
            raise click.UsageError(f"--range {span!r}: give it as LO..HI, e.g. 1..4096") from None
        if not 1 <= lo <= hi:
            raise click.UsageError(f"--range {span!r}: need 1 ≤ LO ≤ HI")
    results, _, status = _run(paths, None, {})
    out = []
    for result in results:
        spec = result.document.spec
        if not result.graph_complete:
            click.echo(f"{result.path}: not a valid spec; `archlint check` says why", err=True)
            status = status or 1
            continue
        if not spatial_axes(spec):
            click.echo(f"{result.path}: the input is a vector of features: no spatial sizes")
            continue
        reports = [input_sizes(spec, a, lo, hi, mode=mode) for a in spatial_axes(spec)]
        if fmt == "json":
            out.append(
                {"file": result.path, "mode": mode, "axes": [_sizes_json(r) for r in reports]}
            )
        else:
            click.echo(f"{result.path}:")
            for r in reports:
                click.echo(f"  {r.describe()}")
                if r.reason:
                    click.echo(f"    {r.declared}: {r.reason}")
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    sys.exit(status)


def _sizes_json(r) -> dict:
    return {
        "axis": r.axis, "declared": r.declared, "declared_valid": r.declared_valid,
        "reason": r.reason, "nearest_below": r.below, "nearest_above": r.above,
        "form": r.form.text() if r.form else None, "range": [r.lo, r.hi],
        "sizes": list(r.sizes), "description": r.describe(),
    }  # fmt: skip


@main.command("graph")
@click.argument("path")
@click.option("-o", "--output", required=True,
              help="Where to write the drawing (- for stdout); .svg, .html, .mmd or .dot"
              " picks the format.")  # fmt: skip
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "html", "mmd", "dot"]),
    help="The format, when the output's extension does not say (or with -o -).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def graph_command(path, output, fmt, config_path) -> None:
    """Draw the network: a box per layer, the shape along each edge, findings marked."""
    from archlint import draw

    try:
        fmt = fmt or draw.format_for(output)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    results, _, status = _run((path,), config_path, {})
    if status:
        sys.exit(status)
    if not results:
        raise click.UsageError(f"{path} is not an architecture spec")
    text = draw.render(results[0], fmt)
    if output == "-":
        click.echo(text, nl=False)
    else:
        _write(output, text)
        click.echo(f"wrote {output}", err=True)
    sys.exit(1 if results[0].analysis is None else 0)


@main.command("convert")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The spec to write: .toml or .json.")  # fmt: skip
def convert_command(model, output) -> None:
    """Convert an ONNX model to an editable spec (.toml or .json, by the output's suffix)."""
    from archlint.convert import convert

    try:
        convert(model, output)
    except LoadError as exc:
        click.echo(f"archlint: error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {output}", err=True)


@main.command("rules")
@click.option("--markdown", is_flag=True, help="The README's rule table.")
def rules_command(markdown: bool) -> None:
    """List every rule: code, name, default severity, origin and summary."""
    rules, problems = installed_rules()
    if markdown:
        click.echo(rules_table(rules))
        return
    for r in rules:
        summary = r.summary if r.default else f"{r.summary} {OFF_BY_DEFAULT}"
        click.echo(f"{r.code}  {r.name:<26} {str(r.severity):<8} {r.origin:<10} {summary}")
    for k in RESERVED:
        click.echo(f"{k.code}  {k.name:<26} {str(k.severity):<8} {'reserved':<10} {k.summary}")
    for p in problems:
        click.echo(f"archlint: {p.kind.code} {p.kind.name}: {p.message}", err=True)


@main.command("explain")
@click.argument("rule")
def explain_command(rule: str) -> None:
    """Print a rule's documentation (by code or name), and where its page is."""
    from archlint import rule_docs

    def page(code: str) -> str:
        link = rule_docs.doc_link(code)  # a URL, else the page's path in the repository
        if link is None:
            return ""
        return f"\n\nDocumentation: {link}" + ("" if "://" in link else " (in the repository)")

    rules, _ = installed_rules()
    for r in rules:
        if rule in (r.code, r.name):
            options = "".join(f"\n  {k} = {v!r}" for k, v in r.options.items())
            click.echo(f"{r.code} {r.name} (default severity: {r.severity}; {r.origin})\n")
            text = r.doc + (f"\n\nOptions and defaults:{options}" if options else "")
            click.echo(text + page(r.code))
            return
    for k in RESERVED:
        if rule in (k.code, k.name):
            text = rule_docs.RESERVED_DOCS.get(k.code, "")
            click.echo(f"{k.code} {k.name} (severity: {k.severity}; reserved)\n")
            click.echo(f"{k.summary}." + (f"\n\n{text}" if text else "") + page(k.code))
            return
    raise click.UsageError(f"no rule {rule!r}; `archlint rules` lists them")


@main.command("types")
def types_command() -> None:
    """List the layer types of the spec format and their keys."""
    from archlint.layers import LAYER_CLASSES

    click.echo("Every layer also takes name, inputs and ignore; required keys are marked *.\n")
    for cls in LAYER_CLASSES:
        types = ", ".join(cls.model_fields["type"].annotation.__args__)
        keys = [
            k + ("*" if field.is_required() else "")
            for k, field in cls.model_fields.items()
            if k not in ("type", "name", "inputs", "ignore")
        ]
        click.echo(f"{types}\n    keys: {', '.join(keys) or '(none)'}")


OFF_BY_DEFAULT = "(off by default: runs only when named in select or extend-select)"


def rules_table(rules) -> str:
    """The README's rule table, from each rule's docstring summary (written once)."""
    lines = ["| code | name | severity | what it finds |", "|---|---|---|---|"]
    lines += [
        f"| {r.code} | `{r.name}` | {r.severity} | {r.summary}"
        f"{'' if r.default else ' ' + OFF_BY_DEFAULT} |"
        for r in rules
    ]
    lines += [f"| {k.code} | `{k.name}` | {k.severity} | Reserved: {k.summary}. |"
              for k in RESERVED]  # fmt: skip
    return "\n".join(lines)

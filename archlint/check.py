"""The pipeline in one place: document -> graph -> analysis -> rules -> located diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from archlint.diagnostics import (
    PLUGIN_ERROR,
    SHAPE_ERROR,
    Diagnostic,
    Finding,
    Problem,
    Reserved,
    Severity,
)
from archlint.graph import build
from archlint.inference import Analysis, infer
from archlint.loader import Document, load
from archlint.registry import Rule, discover
from archlint.spec import Spec


@dataclass
class Config:
    """Which rules run, with which options, and what fails the check."""

    select: list[str] | None = None  # rule codes or names; None: all
    ignore: list[str] = field(default_factory=list)
    options: dict[str, dict] = field(default_factory=dict)  # by rule name or code
    fail_on: Severity = Severity.WARNING

    def selects(self, code: str, name: str) -> bool:
        chosen = self.select is None or code in self.select or name in self.select
        return chosen and code not in self.ignore and name not in self.ignore

    def options_for(self, rule: Rule) -> dict:
        return {
            **rule.options,
            **self.options.get(rule.code, {}),
            **self.options.get(rule.name, {}),
        }


@dataclass
class FileResult:
    """Everything archlint found in one file."""

    document: Document
    analysis: Analysis | None
    diagnostics: list[Diagnostic]

    @property
    def path(self) -> str:
        return self.document.path

    def fails(self, threshold: Severity = Severity.WARNING) -> bool:
        return any(d.severity >= threshold for d in self.diagnostics)


@cache
def installed_rules() -> tuple[tuple[Rule, ...], tuple[Problem, ...]]:
    rules, problems = discover()
    return tuple(rules), tuple(problems)


def analyze(spec: Spec) -> tuple[Analysis, list[Problem]]:
    """Graph and inference for a valid spec: the Analysis rules read, and graph problems."""
    graph, problems = build(spec)
    return infer(spec, graph), problems


def check(
    target: Document | str | Path, rules: list[Rule] | None = None, config: Config | None = None
) -> FileResult:
    """Run the whole pipeline on a file path or a loaded Document."""
    document = target if isinstance(target, Document) else load(target)
    config = config or Config()
    plugin_problems: tuple[Problem, ...] = ()
    if rules is None:
        rules, plugin_problems = map(list, installed_rules())  # type: ignore[assignment]
    problems = list(document.problems) + list(plugin_problems)
    findings: list[tuple[Rule | Reserved, Finding]] = []
    analysis = None
    if document.spec is not None:
        analysis, graph_problems = analyze(document.spec)
        problems += graph_problems
        findings += [(SHAPE_ERROR, f) for f in analysis.refusals(SHAPE_ERROR.name)]
        for rule in rules:
            if config.selects(rule.code, rule.name):
                findings += _run(rule, analysis, config.options_for(rule), problems)
    diagnostics = [_locate_problem(document, p) for p in problems]
    diagnostics += [_locate_finding(document, analysis, r, f) for r, f in findings]
    diagnostics = [
        d
        for d in diagnostics
        if config.selects(d.code, d.rule) and not _suppressed(document, analysis, d)
    ]
    diagnostics.sort(key=lambda d: (d.line, d.column, d.code))
    return FileResult(document, analysis, diagnostics)


def _run(rule: Rule, analysis: Analysis, options: dict, problems: list[Problem]):
    try:
        return [(rule, f) for f in rule.check(analysis, options)]
    except Exception as exc:  # a rule that crashes is reported; the others still run
        problems.append(
            Problem(
                PLUGIN_ERROR,
                f"rule {rule.code} {rule.name} ({rule.origin}) crashed:"
                f" {type(exc).__name__}: {exc}",
            )
        )
        return []


def _locate_problem(document: Document, problem: Problem) -> Diagnostic:
    line, column = document.source_map.locate(problem.path)
    kind = problem.kind
    return Diagnostic(
        document.path,
        max(line, 1),
        max(column, 1),
        kind.code,
        kind.name,
        kind.severity,
        problem.layer,
        problem.message,
        problem.help,
    )


def _locate_finding(
    document: Document, analysis: Analysis | None, rule: Rule | Reserved, finding: Finding
) -> Diagnostic:
    path: tuple = ()
    if analysis is not None and finding.layer in analysis.layers:
        path = ("layers", analysis.layers[finding.layer].index)
        if finding.field:
            path += (finding.field,)
    line, column = document.source_map.locate(path)
    return Diagnostic(
        document.path,
        line,
        column,
        rule.code,
        rule.name,
        finding.severity or rule.severity,
        finding.layer,
        finding.message,
        finding.help,
        finding.note,
    )


def _suppressed(document: Document, analysis: Analysis | None, d: Diagnostic) -> bool:
    """`ignore = [...]` on the layer, or in [model] for the whole file."""
    if document.spec is None:
        return False
    ignored = set(document.spec.model.ignore)
    if analysis is not None and d.layer in analysis.layers:
        ignored |= set(analysis.layers[d.layer].layer.ignore)
    return d.code in ignored or d.rule in ignored

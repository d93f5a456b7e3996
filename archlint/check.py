"""The pipeline in one place: document -> graph -> analysis -> rules -> located diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archlint import suppressions
from archlint.config import Config
from archlint.diagnostics import (
    PLUGIN_ERROR,
    SHAPE_ERROR,
    UNSUPPORTED_OP,
    Diagnostic,
    Finding,
    Problem,
    Reserved,
    Severity,
)
from archlint.graph import build
from archlint.inference import Analysis, infer
from archlint.loader import Document, load
from archlint.registry import Rule, installed_rules
from archlint.spec import Spec


@dataclass
class FileResult:
    """Everything archlint found in one file."""

    document: Document
    analysis: Analysis | None
    diagnostics: list[Diagnostic]

    @property
    def path(self) -> str:
        return self.document.path

    @property
    def graph_complete(self) -> bool:
        """Every layer was reached by inference (no schema error, cycle or bad reference)."""
        spec = self.document.spec
        return self.analysis is not None and len(self.analysis.layers) == len(spec.layers)

    @property
    def shapes_complete(self) -> bool:
        """Every layer's output shape is known."""
        return self.graph_complete and all(r.output for r in self.analysis.layers.values())

    def fails(self, threshold: Severity = Severity.WARNING) -> bool:
        return any(d.severity >= threshold for d in self.diagnostics)


def analyze(spec: Spec) -> tuple[Analysis, list[Problem]]:
    """Graph and inference for a valid spec: the Analysis rules read, and graph problems."""
    graph, problems = build(spec)
    return infer(spec, graph), problems


def check(
    target: Document | str | Path, rules: list[Rule] | None = None, config: Config | None = None
) -> FileResult:
    """Run the whole pipeline on a file path or a loaded Document.

    `rules` defaults to every installed rule (plugins that fail to load are left out: see
    `installed_rules()`); `config` to the defaults, without looking for a config file.
    """
    document = target if isinstance(target, Document) else load(target)
    config = config or Config()
    rules = list(installed_rules()[0]) if rules is None else rules
    problems = list(document.problems)
    findings: list[tuple[Rule | Reserved, Finding]] = []
    analysis = None
    if document.spec is not None:
        analysis, graph_problems = analyze(document.spec)
        problems += graph_problems
        for kind in (SHAPE_ERROR, UNSUPPORTED_OP):  # refusals no rule explains
            findings += [(kind, f) for f in analysis.refusals(kind.name)]
        for rule in rules:
            if config.selects(rule.code, document.path):
                findings += _run(rule, analysis, config.options_for(rule), problems)
    diagnostics = [_locate_problem(document, p, config) for p in problems]
    diagnostics += [_locate_finding(document, analysis, r, f, config) for r, f in findings]
    diagnostics = [d for d in diagnostics if config.selects(d.code, document.path)]
    diagnostics = suppressions.apply(document, analysis, diagnostics, config)
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


def _locate_problem(document: Document, problem: Problem, config: Config) -> Diagnostic:
    line, column = document.source_map.locate(problem.path)
    kind = problem.kind
    return Diagnostic(
        document.path, max(line, 1), max(column, 1), kind.code, kind.name,
        config.severity.get(kind.code, kind.severity), problem.layer, problem.message,
        problem.help, where=_label(document, problem.path),
    )  # fmt: skip


def _label(document: Document, path: tuple) -> str | None:
    """Where a layer is in a file without lines (ONNX): its node."""
    if document.labels and len(path) >= 2 and path[0] == "layers":
        return document.labels.get(path[1])
    return None


def _locate_finding(
    document: Document,
    analysis: Analysis | None,
    rule: Rule | Reserved,
    finding: Finding,
    config: Config,
) -> Diagnostic:
    # a finding on the whole model points at the table it names (e.g. "input"), or [model]
    path: tuple = (finding.field or "model",) if finding.layer is None else ()
    if analysis is not None and finding.layer in analysis.layers:
        path = ("layers", analysis.layers[finding.layer].index)
        if finding.field:
            path += (finding.field,)
    line, column = document.source_map.locate(path)
    # a refusal keeps its own severity (error): PyTorch refuses it whatever the config says
    severity = finding.severity or config.severity.get(rule.code, rule.severity)
    return Diagnostic(
        document.path, line, column, rule.code, rule.name, severity,
        finding.layer, finding.message, finding.help, finding.note, finding.fix,
        _label(document, path),
    )  # fmt: skip

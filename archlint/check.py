"""The pipeline in one place: document -> graph -> analysis -> rules -> located diagnostics."""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
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
    Fix,
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
        selected = [rule for rule in rules if config.selects(rule.code, document.path)]
        for rule, found, problem in run_rules(selected, analysis, config):
            findings += [(rule, f) for f in found]
            problems += [problem] if problem else []
    diagnostics = [_locate_problem(document, p, config) for p in problems]
    diagnostics += [_locate_finding(document, analysis, r, f, config) for r, f in findings]
    diagnostics = [d for d in diagnostics if config.selects(d.code, document.path)]
    diagnostics = suppressions.apply(document, analysis, diagnostics, config)
    diagnostics.sort(key=lambda d: (d.line, d.column, d.code))
    return FileResult(document, analysis, diagnostics)


# --------------------------------------------------------------------------- running the rules
#
# A rule is someone else's code in our process: it may raise anything (SystemExit too), yield
# what is not a Finding, or never return. Whatever it does becomes AL906 on that file, and the
# other rules still run. Each rule has a time budget (config `rule-timeout`), kept by running
# the rules in a worker thread while this one watches the clock. Python cannot stop a thread:
# a rule past its budget is abandoned, and its thread runs on (a daemon, so it does not keep
# the process alive) until archlint exits. Starting a thread costs about a millisecond, a third
# of a small file's check, so one worker runs a file's rules in turn and serves the next file.

Outcome = tuple[Rule, list[Finding], Problem | None]  # a rule, its findings, what went wrong


def run_rules(rules: list[Rule], analysis: Analysis, config: Config) -> list[Outcome]:
    """Each rule's findings and what went wrong with it, in the rules' order."""
    jobs = [(rule, config.options_for(rule)) for rule in rules]
    if not config.rule_timeout:  # 0: no budget, the rules run in this thread
        return [_outcome(rule, analysis, options) for rule, options in jobs]
    budget = min(config.rule_timeout, threading.TIMEOUT_MAX)
    outcomes: list[Outcome] = []
    while len(outcomes) < len(jobs):  # a rule that overran ends a batch: on with the rest
        outcomes += _Batch(jobs[len(outcomes) :], analysis).run(budget)
    return outcomes


def _outcome(rule: Rule, analysis: Analysis, options: dict) -> Outcome:
    """What one rule finds, and what went wrong with it (a crash, output that is no Finding)."""
    found, bad = [], []
    try:
        for item in rule.check(analysis, options):
            checked = _checked(item)
            (found if isinstance(checked, Finding) else bad).append(checked)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit, GeneratorExit...: a rule must not end the run
        return rule, [], _plugin_error(rule, f"crashed: {type(exc).__name__}: {_said(exc)}")
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return rule, found, _plugin_error(rule, f"yielded {bad[0]}{more}")
    return rule, found, None


def _checked(item: object) -> Finding | str:
    """The item as the reporters need it (a severity given by name becomes a Severity), or
    what is wrong with it: reporters trust every Finding they are given."""
    if not isinstance(item, Finding):
        return f"{_shown(item)}, not a Finding"
    if not isinstance(item.message, str):
        return f"a Finding whose message is {_shown(item.message)}, not a string"
    for name in ("layer", "help", "note", "field"):
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            return f"a Finding whose {name} is {_shown(value)}, not a string or None"
    if item.fix is not None and not isinstance(item.fix, Fix):
        return f"a Finding whose fix is {_shown(item.fix)}, not a Fix or None"
    if item.severity is None or isinstance(item.severity, Severity):
        return item
    try:
        return dataclasses.replace(item, severity=Severity.parse(item.severity))
    except (ValueError, AttributeError):
        return f"a Finding of severity {_shown(item.severity)}, not error, warning or info"


def _shown(value: object) -> str:
    """A short repr of what a rule gave, which may be anything."""
    try:
        text = repr(value)
    except Exception:
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _said(exc: BaseException) -> str:
    """What an exception says (even one whose __str__ raises)."""
    try:
        return str(exc)
    except Exception:
        return "(its message cannot be read)"


def _plugin_error(rule: Rule, what: str) -> Problem:
    return Problem(PLUGIN_ERROR, f"rule {rule.code} {rule.name} ({rule.origin}) {what}")


class _Batch:
    """A file's rules, run in turn by a worker thread while the caller watches the clock."""

    def __init__(self, jobs: list[tuple[Rule, dict]], analysis: Analysis) -> None:
        self.jobs, self.analysis = jobs, analysis
        self.outcomes: list[Outcome] = []
        self.started = time.monotonic()  # when the rule now running started
        self.abandoned = False
        self.interrupt: KeyboardInterrupt | None = None  # raised by a rule: the caller's
        self.lock = threading.Lock()
        self.finished = threading.Event()

    def work(self) -> None:
        """In the worker: each rule's outcome, until done or abandoned."""
        try:
            for rule, options in self.jobs:
                outcome = _outcome(rule, self.analysis, options)
                with self.lock:
                    if self.abandoned:
                        return
                    self.outcomes.append(outcome)
                    self.started = time.monotonic()
        except KeyboardInterrupt as exc:
            self.interrupt = exc
        self.finished.set()

    def run(self, budget: float) -> list[Outcome]:
        """The outcomes, up to and including the first rule that ran over `budget` seconds."""
        worker = _worker()
        worker.batches.put(self)
        while not self.finished.wait(max(0.0, self.started + budget - time.monotonic())):
            with self.lock:
                running = len(self.outcomes) < len(self.jobs)
                if running and time.monotonic() - self.started >= budget:  # not just finished
                    self.abandoned = True
                    rule = self.jobs[len(self.outcomes)][0]
                    what = f"did not finish within rule-timeout = {budget:g} s: abandoned"
                    return [*self.outcomes, (rule, [], _plugin_error(rule, what))]
        if self.interrupt is not None:
            raise self.interrupt
        _IDLE.append(worker)
        return self.outcomes


class _Worker:
    """A daemon thread running batches, one after another, until one is abandoned."""

    def __init__(self) -> None:
        self.batches: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="archlint rules", daemon=True).start()

    def _serve(self) -> None:
        while True:
            batch = self.batches.get()
            batch.work()
            if batch.abandoned:
                return


_IDLE: list[_Worker] = []  # workers waiting for a batch (list.pop and append are atomic)
if hasattr(os, "register_at_fork"):  # a forked child has none of their threads
    os.register_at_fork(after_in_child=_IDLE.clear)


def _worker() -> _Worker:
    try:
        return _IDLE.pop()
    except IndexError:
        return _Worker()


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

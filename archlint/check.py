"""The pipeline in one place: document -> graph -> analysis -> rules -> located diagnostics."""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import re
import threading
import time
from dataclasses import dataclass

from archlint import suppressions
from archlint.config import Config, load_config, parse_config
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
from archlint.loader import Document, from_dict, load
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


def analyze(spec: Spec | Document | dict) -> tuple[Analysis, list[Problem]]:
    """Graph and inference for a valid spec: the Analysis rules read, and graph problems.

    Takes a Spec, a Document that loaded (its spec), or a dict in the spec format.
    """
    spec = _spec_argument(spec)
    graph, problems = build(spec)
    return infer(spec, graph), problems


def check(
    target: Document | Spec | dict | str | os.PathLike,
    rules: list[Rule] | None = None,
    config: Config | dict | str | os.PathLike | None = None,
) -> FileResult:
    """Run the whole pipeline on a file path, a loaded Document, a Spec or a dict.

    `rules` defaults to every installed rule (plugins that fail to load are left out: see
    `installed_rules()`); `config` to the defaults, without looking for a config file. A
    config may be given as a Config, as a dict of the keys a config file's [tool.archlint]
    table holds (read by `parse_config`), or as the path of a config file. Anything else is a
    TypeError that says what is taken.
    """
    document = _document_argument(target)
    config = _config_argument(config)
    rules = _rules_argument(rules)
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


# ------------------------------------------------------- the public functions' arguments
#
# The API is called from notebooks and search loops, where a wrong argument must say what is
# wrong with it, not fail deep inside with an AttributeError. What is natural is taken (a Spec
# or a dict given to check, a dict config); anything else is a TypeError naming what is taken.

_TARGETS = "a Document (archlint.load, loads or from_dict), a Spec, a dict in the spec format"


def _document_argument(target: object) -> Document:
    if isinstance(target, Document):
        document = target
    elif isinstance(target, Spec):
        document = Document("<spec>", target)
    elif isinstance(target, dict):
        document = from_dict(target)
    elif isinstance(target, (str, os.PathLike)):
        if isinstance(target, str) and "\n" in target:
            raise ValueError(
                "archlint.check() was given text with line breaks as a path: for a spec's"
                " text, use archlint.check(archlint.loads(text, 'toml' or 'json'))"
            )
        return load(target)
    else:
        raise TypeError(f"archlint.check() takes {_TARGETS} or a file path, not {_a(target)}")
    if document.format == "dict" and document.spec is not None and not document.labels:
        # built in code, so no lines: name each layer where a file would give its line (the
        # way ONNX layers are given by node), instead of a line 1 that means nothing
        labels = {i: f"layers[{i}] ({layer.type} '{layer.name}')"
                  for i, layer in enumerate(document.spec.layers)}  # fmt: skip
        document = dataclasses.replace(document, labels=labels)
    return document


def _spec_argument(spec: object) -> Spec:
    if isinstance(spec, Spec):
        return spec
    document = (
        spec if isinstance(spec, Document) else from_dict(spec) if isinstance(spec, dict) else None
    )
    if document is None:
        raise TypeError(f"archlint.analyze() takes a Spec, a Document or a dict, not {_a(spec)}")
    if document.spec is None:
        first = document.problems[0].message if document.problems else "no spec"
        raise ValueError(
            f"archlint.analyze(): {document.path} is not a valid spec ({first}); "
            "archlint.check() reports every problem, with its place"
        )
    return document.spec


def _config_argument(config: object) -> Config:
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    if isinstance(config, dict):
        return parse_config(config)  # a ConfigError names an unknown key, rule or value
    if isinstance(config, (str, os.PathLike)):
        return load_config(config)
    raise TypeError(
        "archlint.check(config=...) takes a Config, a dict of config keys (as in"
        f" [tool.archlint]) or a config file's path, not {_a(config)}"
    )


def _rules_argument(rules: object) -> list[Rule]:
    if rules is None:
        return list(installed_rules()[0])
    if isinstance(rules, (str, bytes, dict)) or not hasattr(rules, "__iter__"):
        items = [rules]
    else:
        items = list(rules)
    taken = []
    for item in items:
        if isinstance(item, Rule):
            taken.append(item)
        elif all(hasattr(item, a) for a in ("CODE", "NAME", "SEVERITY", "check")):
            taken.append(Rule.from_object(item))  # a rule module, as plugins register
        else:
            hint = (
                "; to run installed rules chosen by code or name, give config={'select': [...]}"
                if isinstance(item, str)
                else ""
            )
            raise TypeError(
                "archlint.check(rules=...) takes a list of Rules (archlint.installed_rules(),"
                f" @archlint.rule, or modules with CODE, NAME, SEVERITY and check), not {_a(item)}"
                + hint
            )
    return taken


def _a(value: object) -> str:
    """'a str ('AL001')', 'an int (3)': what was given, briefly."""
    name = type(value).__name__
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name} ({shown})"


# --------------------------------------------------------------------------- running the rules
#
# A rule is someone else's code in our process: it may raise anything (SystemExit too), yield
# what is not a Finding, or never return. Whatever it does becomes AL906 on that file, and the
# other rules still run. Each rule has a time budget (config `rule-timeout`), kept by running
# the rules in a worker thread while this one watches the clock. Python cannot stop a thread:
# a rule past its budget is abandoned, and its thread runs on (a daemon, so it does not keep
# the process alive) until archlint exits. Starting a thread costs about a millisecond, a third
# of a small file's check, so one worker runs a file's rules in turn and serves the next file.
# The built-in rules are archlint's own, tested and fuzzed: they run in the calling thread,
# which spares a check the hand-over to the worker (about a third of a ResNet-50's check on an
# idle machine, where waking a thread is slow); crashes and bad findings are caught alike.

Outcome = tuple[Rule, list[Finding], Problem | None]  # a rule, its findings, what went wrong


def run_rules(rules: list[Rule], analysis: Analysis, config: Config) -> list[Outcome]:
    """Each rule's findings and what went wrong with it, in the rules' order."""
    jobs = [(rule, config.options_for(rule)) for rule in rules]
    if not config.rule_timeout:  # 0: no budget, the rules run in this thread
        return [_outcome(rule, analysis, options) for rule, options in jobs]
    done = {id(r): _outcome(r, analysis, o) for r, o in jobs if r.origin == "built-in"}
    guarded = [(r, o) for r, o in jobs if r.origin != "built-in"]
    budget = min(config.rule_timeout, threading.TIMEOUT_MAX)
    outcomes: list[Outcome] = []
    while len(outcomes) < len(guarded):  # a rule that overran ends a batch: on with the rest
        outcomes += _Batch(guarded[len(outcomes) :], analysis).run(budget)
    done.update((id(outcome[0]), outcome) for outcome in outcomes)
    return [done[id(rule)] for rule, _ in jobs]


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
    if item.fix is not None and not _writable(item.fix):
        return f"a Finding whose fix {_shown(item.fix)} holds what a spec file cannot"
    texts = {n: getattr(item, n) for n in ("message", "layer", "help", "note", "field")}
    unprintable = {
        n: _SURROGATE.sub("\ufffd", v) for n, v in texts.items() if v and _SURROGATE.search(v)
    }
    if unprintable:  # a lone surrogate: no output can encode it, so it is shown as U+FFFD
        item = dataclasses.replace(item, **unprintable)
    if item.severity is None or isinstance(item.severity, Severity):
        return item
    try:
        return dataclasses.replace(item, severity=Severity.parse(item.severity))
    except (ValueError, AttributeError):
        return f"a Finding of severity {_shown(item.severity)}, not error, warning or info"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _writable(fix: Fix) -> bool:
    """A fix names a key and holds values a TOML or JSON file can write (the JSON report and
    --fix write them)."""
    if not isinstance(fix.key, str):
        return False
    try:
        json.dumps([fix.old, fix.new], allow_nan=False, ensure_ascii=False).encode()
    except (TypeError, ValueError):  # an object, NaN, an integer past the digit limit, or
        return False  # a lone surrogate (UnicodeEncodeError), which no UTF-8 file can hold
    return True


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

"""Fuzzing in the test-suite: hostile specs, files, ONNX models and rule plugins, bounded.

The generators and properties live in fuzz/fuzzlib.py and are shared with the standalone
fuzzer (fuzz/fuzz.py, which runs 100,000+ cases in parallel and shrinks what it finds). Here
hypothesis draws every choice, so a failure shrinks to a small case and the run is the same on
any machine (derandomize=True, no example database). Properties, each asserted on every case:

- no exception escapes archlint.from_dict/loads/load/check, summary, draw, sizes, the
  reporters, or the CLI (in-process, catch_exceptions=False); load() may raise LoadError,
  and only for a file that is not UTF-8;
- the CLI exits 0, 1 or 2, prints no "Traceback", and `check --format json` says what
  archlint.check says;
- every diagnostic of a TOML or JSON file has line >= 1 and column >= 1, on a line the file has;
- TOML and JSON of the same data give the same diagnostics (code, severity, layer, message);
  CRLF line endings give the same diagnostics as LF, at the same lines and columns;
- no negative number in the JSON of check, summary or sizes (but a receptive field's `start`,
  the centre of the first output's field, which may lie in the padding);
- a config (dict, file, --config) is a Config or a ConfigError and exit 2;
- every command takes at most fuzzlib.SOFT_SECONDS (10 s) of CPU time, measured per command
  as process time so that a loaded machine does not make it flaky, and answers within
  fuzzlib.HARD_SECONDS (300 s) of wall time (a SIGALRM turns a hang into a failure);
- `check --fix --unsafe-fixes` never rewrites a file with a syntax or schema error, and leaves
  fewer findings and no new ones; an ONNX model converted to a spec gives the same findings;
- hostile rules: a rule that raises, yields what is not a Finding, a Finding with a field of
  the wrong type, returns junk or overruns its `rule-timeout` is one AL906 naming it, and the
  other rules still run. SystemExit (and GeneratorExit, any BaseException) raised by a rule
  is its failure, not a request to end archlint: AL906. KeyboardInterrupt is the user's
  Ctrl-C: it propagates out of check() and ends the run. A plugin that fails to load in any
  way (SystemExit on import included) is AL906 and exit 2.

Open defects found by the fuzzers are tracked below with strict xfails holding their smallest
reproducers (fuzzlib.KNOWN lists their signatures, so that the fuzz tests do not fail on
them): when a defect is fixed its xfail passes, which fails the suite until the xfail and its
KNOWN line are removed.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlint
from archlint.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fuzz"))
import fuzzlib  # noqa: E402

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)


def holds(case: dict) -> None:
    """Every property on a case; a known open defect is left to its xfail below."""
    with tempfile.TemporaryDirectory(prefix="archlint-fuzz-") as work:
        try:
            fuzzlib.run(case, Path(work), collect=False)
        except fuzzlib.Failure as failure:
            if fuzzlib.known(failure.signature):
                return
            raise AssertionError(f"{failure}\n\ncase: {fuzzlib.pyrepr(case)[:3000]}") from None


def source(data) -> fuzzlib.Source:
    return fuzzlib.HypothesisSource(data)


# ------------------------------------------------------------------------- specs as data


@FUZZ
@given(st.data())
def test_generated_specs(data):
    """Specs built from scratch: every property through from_dict, TOML and JSON text."""
    holds(fuzzlib.gen_spec_case(source(data), cli=False, origin="generated"))


@FUZZ
@given(st.data())
def test_mutated_samples(data):
    """The samples with keys and values mutated: huge and negative numbers, wrong types,
    unknown and missing keys, duplicate names, unknown references, cycles, deep nesting."""
    holds(fuzzlib.gen_spec_case(source(data), cli=False, origin="sample"))


@pytest.mark.parametrize("kind", fuzzlib.LAYER_TYPE_NAMES)
@settings(FUZZ, max_examples=3)
@given(data=st.data())
def test_every_layer_type_with_random_settings(kind, data):
    holds(fuzzlib.gen_spec_case(source(data), cli=False, origin="generated", kind=kind))


# ------------------------------------------------------------------------- files as bytes


@FUZZ
@given(st.data())
def test_byte_mutations_of_spec_files(data):
    """Flipped, inserted and deleted bytes, truncation, invalid UTF-8, BOMs, CRLF."""
    holds(fuzzlib.gen_text_case(source(data), cli=False))


@FUZZ
@given(st.data())
def test_onnx_models_built_and_mutated(data):
    """Small models built with onnx.helper, inconsistent on purpose, then byte-mutated."""
    holds(fuzzlib.gen_onnx_case(source(data), cli=False))


@settings(FUZZ, max_examples=30)
@given(st.data())
def test_the_cli_on_all_of_them(data):
    """check (every format, and --fix), summary, sizes, graph and convert, in-process."""
    holds(fuzzlib.generate(source(data), ["spec", "text", "onnx"], cli=True))


@FUZZ
@given(st.data())
def test_configs(data):
    """Configs with every key, in and out of range, as dicts, files and --config: a Config or a
    ConfigError (exit 2), never a crash."""
    holds(fuzzlib.gen_config_case(source(data), cli=True))


@settings(FUZZ, max_examples=12)
@given(st.data())
def test_work_grows_no_faster_than_the_size_to_the_power_1_5(data):
    """Work counted (profiler events, the same on any machine and under any load) for one
    command on a chain, a fan-in, residual blocks, a layer per diagnostic, long names and an
    all-to-all concat, at size n and 3n."""
    holds(fuzzlib.gen_scaling_case(source(data)))


# ------------------------------------------------------------------------- hostile plugins


@FUZZ
@given(st.data())
def test_hostile_rules(data):
    holds(fuzzlib.gen_plugin_case(source(data), cli=False))


@settings(FUZZ, max_examples=20)
@given(st.data())
def test_hostile_rules_through_the_cli(data):
    holds(fuzzlib.gen_plugin_case(source(data), cli=True))


TINY = {"input": {"features": 4}, "layers": [{"name": "fc", "type": "linear", "out_features": 2}]}


@pytest.mark.parametrize("timeout", [0, 5])
def test_keyboard_interrupt_in_a_rule_propagates(timeout):
    """Decided: Ctrl-C is the user's, not the rule's failure; it ends the run."""
    stop = threading.Event()
    rule = fuzzlib.make_rule(0, {"kind": "raise", "exc": "KeyboardInterrupt"}, stop)
    config = archlint.parse_config({"rule-timeout": timeout})
    with pytest.raises(KeyboardInterrupt):
        archlint.check(archlint.from_dict(TINY), rules=[rule, fuzzlib.sentinel], config=config)


@pytest.mark.parametrize("exc", ["SystemExit0", "SystemExit3", "SystemExitText", "GeneratorExit",
                                 "BaseException", "BadStr", "MemoryError"])  # fmt: skip
@pytest.mark.parametrize("timeout", [0, 5])
def test_a_rule_that_raises_is_one_plugin_error(exc, timeout):
    """Decided: SystemExit from a rule is the rule's failure (AL906), not an exit."""
    holds({"kind": "plugin", "data": TINY, "rules": [{"kind": "raise", "exc": exc}],
           "timeout": timeout})  # fmt: skip


@pytest.mark.parametrize("kind", ["sleep", "forever"])
def test_a_rule_past_its_budget_is_abandoned(kind):
    holds({"kind": "plugin", "data": TINY, "rules": [{"kind": kind}], "timeout": 0.2,
           "cli": True})  # fmt: skip


LOADS_FINE = [h for h in fuzzlib.LOAD_FAILURES if not h.startswith("import-system-exit")
              and h != "attr-system-exit"]  # fmt: skip


@pytest.mark.parametrize("how", LOADS_FINE)
def test_a_plugin_that_fails_to_load_is_one_plugin_error_and_exit_2(how):
    holds({"kind": "plugin-load", "plugins": [how, "fine"], "cli": True})


# ------------------------------------------------------------------------- open defects
#
# Each found by the fuzzers, shrunk, and reported; the smallest reproducer is the test.


def strict(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


def no_failure(case: dict) -> None:
    """The case passes every property, known defects included."""
    with tempfile.TemporaryDirectory(prefix="archlint-fuzz-") as work:
        fuzzlib.run(case, Path(work), collect=False)


@pytest.mark.parametrize("kind", [[], {}])
def test_a_layer_type_that_is_a_list_or_table_is_a_schema_error(kind):
    doc = archlint.loads(json.dumps({"input": {"features": 1}, "layers": [{"type": kind}]}), "json")
    assert [p.kind.code for p in doc.problems] == ["AL902"]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_a_lone_surrogate_in_a_json_file_is_printed_not_a_crash(tmp_path, fmt):
    spec = tmp_path / "s.json"
    spec.write_text('{"input": {"features": 1}, "layers": [{"type": "\\ud800"}]}')
    result = CliRunner().invoke(main, ["check", "--format", fmt, str(spec)],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 1 and "AL902" in result.output


@pytest.mark.parametrize("how", ["import-system-exit", "import-system-exit-0", "attr-system-exit"])
def test_a_plugin_that_exits_while_loading_is_one_plugin_error_and_exit_2(how):
    no_failure({"kind": "plugin-load", "plugins": [how], "cli": True})


@pytest.mark.parametrize("layer", [None, "nowhere"])
def test_a_fix_on_no_layer_is_not_applied_and_not_a_crash(layer):
    no_failure({"kind": "plugin", "data": TINY, "rules": [{"kind": "fix", "layer": layer}],
                "timeout": 0, "cli": True, "fix": True})  # fmt: skip


@pytest.mark.parametrize("fix", [2, 5], ids=["an-object", "an-int-of-5001-digits"])
def test_a_fix_holding_what_json_cannot_encode_is_a_plugin_error(fix):
    no_failure({"kind": "plugin", "data": TINY, "rules": [{"kind": "fix", "fix": fix,
                "layer": "fc"}], "timeout": 0})  # fmt: skip


def test_nesting_past_the_limit_is_said_alike_in_toml_and_json():
    deep = fuzzlib.nested(29)
    no_failure({"kind": "spec", "data": {"layers": [{"kernel_size": [deep]}]}, "toml": "tables"})


@pytest.mark.parametrize("line", ["a." * 40 + "a = 1", "[" + "a." * 40 + "a]"],
                         ids=["dotted-key", "dotted-header"])  # fmt: skip
def test_dotted_keys_past_the_limit_are_refused_before_parsing(line, monkeypatch):
    text = f'[input]\nfeatures = 1\n[[layers]]\ntype = "relu"\n{line}\n'

    class NoParsing:
        TOMLDecodeError = ValueError

        @staticmethod
        def loads(text):
            raise AssertionError("parsed: the limit was not found before the parser ran")

    monkeypatch.setattr(sys.modules["archlint.readers.text"], "tomllib", NoParsing)
    [d] = archlint.check(archlint.loads(text)).diagnostics
    assert (d.code, d.line) == ("AL902", 5)


def test_sizes_of_an_opaque_layer_with_two_inputs():
    # what an ONNX Concat along the batch axis becomes (found from an ONNX model)
    layer = {"type": "opaque", "op": "x", "inputs": ["input", "input"]}
    no_failure({"kind": "spec", "data": {"input": {"channels": 1, "length": 1}, "layers": [layer]}})


def test_drawing_a_densely_connected_network_takes_work_in_proportion():
    no_failure({"kind": "scaling", "shape": "dense", "n": 8, "stage": "draw", "draw": "svg"})


def test_a_huge_integer_as_a_layer_type_prints_no_traceback():
    printed = []
    hook, sys.unraisablehook = sys.unraisablehook, printed.append
    try:
        doc = archlint.from_dict({"input": {"features": 1}, "layers": [{"type": 10**5000}]})
    finally:
        sys.unraisablehook = hook
    assert [p.kind.code for p in doc.problems] == ["AL902"]
    assert printed == []


def test_every_known_defect_has_its_strict_xfail():
    """fuzzlib.KNOWN (what the fuzz tests let pass) names the strict xfails above."""
    for test in fuzzlib.KNOWN.values():
        marks = [m for m in getattr(globals().get(test), "pytestmark", []) if m.name == "xfail"]
        assert marks and marks[0].kwargs["strict"], test


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_a_plugins_text_with_a_lone_surrogate_is_printed_not_a_crash(fmt):
    # found by fuzz/fuzz.py (seed 7, case 4467) after the JSON reader's surrogates were fixed:
    # a rule's own message can hold one too
    no_failure({"kind": "plugin", "data": {"input": {"channels": 1, "height": 1, "width": 1},
                "layers": [{"type": "linear", "out_features": 1}]},
                "rules": [{"kind": "bad-finding", "fields": {"layer": 6}}], "cli": True,
                "fmt": fmt})  # fmt: skip


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_fix_holding_a_lone_surrogate_is_a_plugin_error(fmt):
    # found by fuzz/fuzz.py (seed 11): the JSON report wrote the fix's value as it was
    no_failure({"kind": "plugin", "data": {"input": {"channels": 1, "height": 1, "width": 1},
                "layers": [{"type": "linear", "out_features": 1}]},
                "rules": [{"kind": "fix", "fix": 8}], "cli": True, "fmt": fmt})  # fmt: skip

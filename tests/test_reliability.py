"""Hostile input and hostile rules: each is a diagnostic at its place, never a traceback, a
silent pass, a stall or a change to the process that runs archlint."""

import gc
import json
import re
import sys
import threading
import time

import pytest
from click.testing import CliRunner

import archlint
from archlint import report
from archlint.cli import main
from archlint.diagnostics import MAX_DEPTH, MAX_DIGITS
from archlint.readers import text
from archlint.sarif import sarif
from archlint.spec import MAX_LAYERS
from conftest import SAMPLES

HEAD = '[input]\nchannels = 3\nheight = {}\nwidth = 8\n\n[[layers]]\ntype = "relu"\n'
HUGE = "1" + "0" * 4400  # past Python's 4,300-digit limit for int("...")


def diagnostics(text: str, fmt: str = "toml") -> list[archlint.Diagnostic]:
    return archlint.check(archlint.loads(text, fmt, f"spec.{fmt}")).diagnostics


# ------------------------------------------------------------ numbers of thousands of digits


@pytest.mark.parametrize(
    "text,fmt,line",
    [
        (HEAD.format(HUGE), "toml", 3),
        (
            '{"input": {"channels": 3,\n"height": ' + HUGE + ', "width": 8}, "layers": []}',
            "json",
            2,
        ),
        (HEAD.format("0x" + "f" * 3000), "toml", 3),  # no conversion limit: still too long
        (HEAD.format("1" * (MAX_DIGITS + 1)), "toml", 3),
    ],
)
def test_a_number_of_thousands_of_digits_is_a_schema_error_on_its_line(text, fmt, line):
    [d] = diagnostics(text, fmt)
    assert (d.code, d.line) == ("AL902", line)
    assert f"archlint reads numbers of at most {MAX_DIGITS} digits" in d.message


def test_long_digits_in_strings_and_comments_are_not_numbers():
    text = f'[model]\ndescription = "{HUGE}"  # {HUGE}\n\n' + HEAD.format(8)
    assert diagnostics(text) == []


def test_an_integer_built_in_code_past_the_limit_is_located():
    doc = archlint.from_dict({"input": {"channels": 3, "height": 10**5000, "width": 8},
                              "layers": [{"type": "relu"}]})  # fmt: skip
    [problem] = doc.problems
    assert problem.kind.code == "AL902" and problem.path == ("input", "height")
    # a hex number of few digits and many bits is caught after parsing, at its key
    [d] = diagnostics(HEAD.format("0x" + "f" * (MAX_DIGITS - 2)))
    assert (d.code, d.line) == ("AL902", 3) and "more than 100 digits" in d.message


def test_every_integer_key_has_a_range_so_a_huge_one_in_code_is_a_schema_error():
    # softmax's dim was a bare int: 10**5000 passed validation, and the refusal's message
    # then crashed on the interpreter's digit limit
    for layer in ({"type": "softmax", "dim": 10**5000}, {"type": "log_softmax", "dim": 32}):
        doc = archlint.from_dict({"input": {"channels": 3, "height": 8, "width": 8},
                                  "layers": [layer]})  # fmt: skip
        [problem] = doc.problems
        assert problem.kind.code == "AL902" and problem.path == ("layers", 0, "dim")
        assert archlint.check(doc).diagnostics[0].code == "AL902"


def test_the_interpreters_digit_limit_is_left_alone(tmp_path):
    before = sys.get_int_max_str_digits()
    spec = tmp_path / "huge.json"
    spec.write_text('{"input": {"channels": ' + HUGE + '}, "layers": []}')
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{spec}:1:24: AL902 error: a number of 4,401 digits" in result.output
    assert sys.get_int_max_str_digits() == before


# ------------------------------------------------------------------------------- deep nesting


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_deep_nesting_in_code_is_a_located_schema_error():
    doc = archlint.from_dict({"input": {"channels": nested(1000), "height": 8, "width": 8},
                              "layers": [{"type": "relu"}]})  # fmt: skip
    [problem] = doc.problems
    assert problem.kind.code == "AL902" and "nested too deeply" in problem.message
    assert problem.path[:2] == ("input", "channels") and len(problem.path) == MAX_DEPTH
    holds_itself: dict = {}
    holds_itself["a"] = holds_itself
    [problem] = archlint.from_dict({"input": holds_itself, "layers": []}).problems
    assert "holds itself" in problem.message and problem.path == ("input", "a")


@pytest.mark.parametrize(
    "text,fmt,line",
    [
        (HEAD.format(8) + "x = " + "[" * 1000 + "]" * 1000 + "\n", "toml", 8),
        ('{"layers": [],\n"input": ' + "[" * 5000 + "]" * 5000 + "}", "json", 2),
        (HEAD.format(8) + ".".join(["a"] * 1000) + " = 1\n", "toml", 8),  # dotted keys
    ],
)
def test_deep_nesting_in_a_file_is_a_schema_error_on_its_line(text, fmt, line):
    [d] = diagnostics(text, fmt)
    assert (d.code, d.line) == ("AL902", line) and "nested too deeply" in d.message


def test_the_limits_are_a_specs_other_files_are_not_judged_by_them():
    deep = '{"config": {"layers": ' + "[" * 40 + "]" * 40 + "}, " + f'"n": {"9" * 200}}}'
    doc = archlint.loads(deep, "json", "keras.json")
    assert not doc.is_spec and doc.problems == []


def test_brackets_in_strings_and_comments_are_not_nesting():
    many = "[{" * MAX_DEPTH
    toml = (
        f'[model]  # {many}\nname = "{many}\\"{many}"\n'
        f"description = '''{many}\n''{many}'''\n\n"
        + HEAD.format(8)
        + f'name = """{many}\\"""{many}""""\n'  # the relu layer's
    )
    assert diagnostics(toml) == []
    json_text = (
        '{"model": {"name": "' + many + '\\"\\\\' + many + '"},'
        ' "input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"type": "relu"}]}'
    )
    assert diagnostics(json_text, "json") == []


def test_nesting_up_to_the_limit_reads_as_usual():
    padding = "[" * (MAX_DEPTH - 3) + "1" + "]" * (MAX_DEPTH - 3)  # the layers table, a layer
    found = diagnostics(HEAD.format(8) + f"padding = {padding}\n")
    assert [d.code for d in found] == ["AL902"] and "nested too deeply" not in found[0].message


# ---------------------------------------------------------------------------- hostile rules

STRIDES = (SAMPLES / "lecture" / "strides_7x7.toml").read_text(encoding="utf-8")


@archlint.rule("X910", "counts-layers", "info")
def counts(analysis, options):
    """Reports the number of layers."""
    yield archlint.Finding(None, f"{len(analysis.layers)} layers")


def check_with(*rules, **config) -> archlint.FileResult:
    doc = archlint.loads(STRIDES, "toml", "strides.toml")
    return archlint.check(doc, rules=[*rules, counts], config=archlint.parse_config(config))


def messages(result: archlint.FileResult) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in result.diagnostics]


def test_a_rule_that_yields_none_is_a_plugin_error_and_the_rest_is_kept():
    @archlint.rule("X911", "yields-none")
    def yields_none(analysis, options):
        """Yields None among findings."""
        yield archlint.Finding(None, "a real one")
        yield None
        yield 42

    found = messages(check_with(yields_none))
    assert (
        "AL906",
        "rule X911 yields-none (code) yielded None, not a Finding (and 1 more)",
    ) in found
    assert ("X911", "a real one") in found and ("X910", "4 layers") in found


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_a_finding_of_an_unknown_severity_never_reaches_a_reporter(fmt):
    @archlint.rule("X912", "odd-severity")
    def odd(analysis, options):
        """Findings of a severity by name, known and unknown."""
        yield archlint.Finding(None, "known", severity="error")
        yield archlint.Finding(None, "unknown", severity="fatal")

    result = check_with(odd)
    found = messages(result)
    assert ("AL906", "rule X912 odd-severity (code) yielded a Finding of severity 'fatal', not"
            " error, warning or info") in found  # fmt: skip
    assert ("X912", "known") in found and ("X910", "4 layers") in found
    assert {type(d.severity) for d in result.diagnostics} == {archlint.Severity}
    render = {"text": report.check_text, "github": report.check_github,
              "json": report.check_json, "sarif": sarif}[fmt]  # fmt: skip
    assert "AL906" in render([result])


@pytest.mark.parametrize(
    "exc", [SystemExit(0), SystemExit(1), GeneratorExit(), type("Odd", (BaseException,), {})()]
)
def test_a_rule_that_raises_any_base_exception_is_a_plugin_error(exc):
    @archlint.rule("X913", "exits")
    def exits(analysis, options):
        """Raises a BaseException."""
        raise exc
        yield

    found = messages(check_with(exits))
    assert ("AL906", f"rule X913 exits (code) crashed: {type(exc).__name__}: {exc}") in found
    assert ("X910", "4 layers") in found


def test_a_keyboard_interrupt_in_a_rule_still_stops_the_run():
    @archlint.rule("X914", "interrupted")
    def interrupted(analysis, options):
        """Raises KeyboardInterrupt, as Ctrl-C would."""
        raise KeyboardInterrupt
        yield

    with pytest.raises(KeyboardInterrupt):
        check_with(interrupted)
    with pytest.raises(KeyboardInterrupt):
        check_with(interrupted, **{"rule-timeout": 0})


@pytest.fixture
def release():
    """An event a stuck rule waits for: set at the end, so its abandoned thread ends too."""
    event = threading.Event()
    yield event
    event.set()


def test_a_rule_that_never_returns_is_abandoned_after_its_budget(release):
    @archlint.rule("X915", "stuck")
    def stuck(analysis, options):
        """Never returns (within any budget a test would give it)."""
        release.wait(60)  # before the budget existed, the check waited this long
        yield archlint.Finding(None, "too late")

    @archlint.rule("X916", "runs-after")
    def after(analysis, options):
        """Runs after the stuck rule."""
        yield archlint.Finding(None, "still ran")

    found = messages(check_with(stuck, after, **{"rule-timeout": 0.2}))
    assert ("AL906", "rule X915 stuck (code) did not finish within rule-timeout = 0.2 s:"
            " abandoned") in found  # fmt: skip
    assert ("X916", "still ran") in found and ("X910", "4 layers") in found
    assert ("X915", "too late") not in found


def test_a_rule_that_yields_forever_is_abandoned_too(release):
    @archlint.rule("X917", "endless")
    def endless(analysis, options):
        """Yields findings until released (or a minute has passed: without a budget)."""
        end = time.monotonic() + 60
        while not release.is_set() and time.monotonic() < end:
            time.sleep(0.001)
            yield archlint.Finding(None, "again")

    result = check_with(endless, **{"rule-timeout": 0.2})
    assert [d.code for d in result.diagnostics].count("AL906") == 1
    assert ("X910", "4 layers") in messages(result)


def test_the_cli_reports_a_rule_that_exits_and_fails_the_file(monkeypatch, tmp_path):
    @archlint.rule("X918", "exit-zero")
    def exit_zero(analysis, options):
        """Tries to end archlint with success."""
        raise SystemExit(0)
        yield

    rules, problems = archlint.installed_rules()
    monkeypatch.setattr(sys.modules["archlint.check"], "installed_rules",
                        lambda: ((*rules, exit_zero), problems))  # fmt: skip
    spec = tmp_path / "strides.toml"
    spec.write_text(STRIDES)
    result = CliRunner().invoke(main, ["check", "--rule-timeout", "5", str(spec)])
    assert result.exit_code == 1
    assert "AL906 error: rule X918 exit-zero (code) crashed: SystemExit: 0" in result.output
    assert "AL001 warning" in result.output  # the built-in rules still ran


@pytest.mark.parametrize("value", [-1, "10", True, float("nan"), float("inf"), 10**400])
def test_rule_timeout_must_be_a_number_of_seconds(value):
    with pytest.raises(archlint.ConfigError, match="rule-timeout"):
        archlint.parse_config({"rule-timeout": value})
    assert archlint.parse_config({"rule-timeout": 2}).rule_timeout == 2.0
    assert archlint.Config().rule_timeout == 10.0


# -------------------------------------------------------------- the CLI run inside a process


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cli_leaves_the_garbage_collector_as_it_found_it(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        result = CliRunner().invoke(main, ["check", str(SAMPLES / "tiny_resnet.toml")])
        assert result.exit_code in (0, 1)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# ----------------------------------------------------------------------------- skipped files


def test_a_file_named_and_skipped_is_named_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.toml").write_text("")
    (tmp_path / "noise.json").write_text("q#'%]x\x01 not json at all")
    result = CliRunner().invoke(main, ["check", "empty.toml", "noise.json"])
    assert result.exit_code == 0  # as for a pre-commit hook given pyproject.toml alone
    assert "empty.toml: skipped: not an archlint spec (no [input] or [[layers]])" in result.stderr
    assert ("noise.json: skipped: not valid JSON (line 1, column 1: Expecting value), and no"
            " layers in it") in result.stderr  # fmt: skip
    assert "All checks passed (0 files)." in result.stdout


def test_files_skipped_in_a_folder_are_counted_not_named(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "net.toml").write_text((SAMPLES / "networks" / "resnet18.toml").read_text())
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0
    assert "archlint: skipped 2 files found in folders: not specs" in result.stderr
    assert "pyproject" not in result.output and "in 1 file:" in result.stdout


# --------------------------------------------------------------------- no negative numbers

HOSTILE = [
    [{"type": "pad", "pad": [-3, -3, -3, -3]}, {"type": "flatten"},
     {"type": "linear", "out_features": 4}],
    [{"type": "slice", "dim": 1, "start": -5, "end": -1, "step": 2}, {"type": "global_avgpool"}],
    [{"type": "conv_transpose2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1,
      "output_padding": 1}, {"type": "upsample", "scale_factor": 0.5}],
    [{"type": "reshape", "shape": [-1, 2]}, {"type": "expand", "shape": [-1, -1]}],
    [{"type": "flatten", "start_dim": 1}, {"type": "mean", "dim": -1}],
    [{"name": "a", "type": "conv2d", "out_channels": 3, "kernel_size": 1},
     {"type": "add", "inputs": ["a", "input"]}, {"type": "sub", "value": -2.5}],
    [{"type": "conv2d", "out_channels": 1_000_000, "kernel_size": 9, "padding": 1_000_000,
      "dilation": 1_000_000}],
    [{"type": "maxpool2d", "kernel_size": 9, "stride": 9}, {"type": "conv2d", "out_channels": 2,
      "kernel_size": 5}],  # collapses: the layers after it are unknown, never negative
    [{"name": "one", "type": "conv2d", "out_channels": 1, "kernel_size": 1},  # broadcast 1 to 3
     {"type": "mul", "inputs": ["input", "one"]}, {"type": "flatten"},
     {"type": "linear", "out_features": 2}],
]  # fmt: skip


def negatives(value: object, where: str = "") -> list[str]:
    """Where a number below zero sits, but for a receptive field's `start` (legitimately
    signed: the centre of the first output's field lies in the padding)."""
    if isinstance(value, dict):
        return [n for k, v in value.items() if k != "start" for n in negatives(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in negatives(v, f"{where}[{i}]")]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return [f"{where} = {value}"] if is_number and value < 0 else []


@pytest.mark.parametrize("batch", ["1", "7"])
def test_no_size_parameter_count_or_mac_is_ever_negative(tmp_path, batch):
    configs = {".archlint.toml"}  # samples/bad/*/ hold the configs their spec needs: not specs
    files = sorted(str(p) for p in SAMPLES.rglob("*.toml") if p.name not in configs) + sorted(
        str(p) for p in SAMPLES.rglob("*.json")
    )
    for i, layers in enumerate(HOSTILE):
        path = tmp_path / f"hostile{i}.json"
        path.write_text(json.dumps({"input": {"channels": 3, "height": 8, "width": 8},
                                    "layers": layers}))  # fmt: skip
        files.append(str(path))
    result = CliRunner().invoke(main, ["summary", "--format", "json", "--batch", batch, *files])
    summaries = json.loads(result.stdout)
    assert len(summaries) == len(files)
    found = [n for s in summaries for n in negatives(s, s["file"])]
    assert found == []
    text = CliRunner().invoke(main, ["summary", "--batch", batch, *files]).stdout
    assert [line for line in text.splitlines() if re.search(r"(?<![\w.])-\s?\d", line)] == []


# ------------------------------------------------------------------- files and layer counts


def test_a_spec_of_more_than_max_layers_is_refused_before_its_layers_are_validated():
    layers = [{"type": "relu"}] * (MAX_LAYERS + 1)
    doc = archlint.from_dict({"input": {"channels": 3, "height": 8, "width": 8}, "layers": layers})
    [problem] = doc.problems
    assert problem.kind.code == "AL902" and problem.path == ("layers",)
    assert problem.message == f"layers: a spec has at most 100,000 layers, not {MAX_LAYERS + 1:,}"
    exact = archlint.from_dict({"input": {"channels": 3, "height": 8, "width": 8},
                                "layers": layers[:MAX_LAYERS]})  # fmt: skip
    assert exact.problems == [] and len(exact.spec.layers) == 100_000


def test_a_file_past_the_size_limit_is_not_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "MAX_TEXT_BYTES", 1024)  # a small limit, a small file
    spec = tmp_path / "big.toml"
    spec.write_text(HEAD.format(8) + "# padding\n" * 200)
    data = tmp_path / "records.json"
    data.write_text(json.dumps({"rows": list(range(1000))}))

    def unparsed(*args, **kwargs):
        raise AssertionError("a file past the limit was parsed")

    monkeypatch.setattr(text, "_parse", unparsed)
    result = CliRunner().invoke(main, ["check", str(spec), str(data)], catch_exceptions=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    size = spec.stat().st_size / 2**20
    assert (
        f"{spec}:1:1: AL902 error: the file is {size:,.1f} MiB: a spec file is at most 0 MiB"
        in (result.output)
    )
    assert f"{data}: skipped" in result.output  # no layers in it: not a spec


def test_the_text_is_scanned_for_brackets_only_when_the_data_is_too_deep(monkeypatch):
    calls = []
    scan = text._too_deep
    monkeypatch.setattr(text, "_too_deep", lambda *a: calls.append(a) or scan(*a))
    assert diagnostics(HEAD.format(8)) == [] and calls == []
    deep = "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)
    [d] = diagnostics(HEAD.format(8) + f"inputs = {deep}\n")
    # the document, the layers array and its table nest too: the 30th bracket is the 33rd level
    assert d.code == "AL902" and (d.line, d.column) == (8, 10 + MAX_DEPTH - 3) and len(calls) == 1


def test_built_in_rules_run_in_the_calling_thread_and_others_under_the_budget(monkeypatch):
    pipeline = sys.modules["archlint.check"]  # the module: archlint.check is the function
    batches = []
    real = pipeline._Batch
    monkeypatch.setattr(pipeline, "_Batch", lambda jobs, a: batches.append(jobs) or real(jobs, a))
    doc = archlint.load(SAMPLES / "networks" / "resnet50.toml")
    assert [d.code for d in archlint.check(doc).diagnostics] == ["AL008"] * 3
    assert batches == []  # no hand-over to the worker thread for archlint's own rules

    @archlint.rule("X901", "yields-one")
    def one(analysis, options):
        yield archlint.Finding(None, "one")

    rules = [*archlint.installed_rules()[0], one]
    codes = [d.code for d in archlint.check(doc, rules=rules).diagnostics]
    assert sorted(codes) == ["AL008"] * 3 + ["X901"]
    assert [[r.code for r, _ in jobs] for jobs in batches] == [["X901"]]

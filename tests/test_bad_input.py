"""Every problem in a file is a located diagnostic with a reserved code, never a traceback."""

import json

import pytest
from click.testing import CliRunner

import archlint
from archlint.cli import main
from conftest import SAMPLES

HEAD = "[input]\nchannels = 3\nheight = 32\nwidth = 32\n\n"


def diagnostics(text: str, fmt: str = "toml") -> list[archlint.Diagnostic]:
    return archlint.check(archlint.loads(text, fmt, f"spec.{fmt}")).diagnostics


def only(text: str, fmt: str = "toml") -> archlint.Diagnostic:
    found = diagnostics(text, fmt)
    assert len(found) == 1, found
    return found[0]


def test_toml_syntax_error_is_located():
    d = only("[input]\nchannels = 3\nheight =\n")
    assert (d.code, d.rule, d.line, d.column) == ("AL901", "syntax-error", 3, 9)


def test_json_syntax_error_is_located():
    d = only('{"input": {"channels": 3,,}}', "json")
    assert (d.code, d.line, d.column) == ("AL901", 1, 26)


def test_typo_in_a_key_says_did_you_mean():
    d = only(
        HEAD + '[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 8\n'
        "kernel_size = 3\nstrdie = 2\n"
    )
    assert (d.code, d.line, d.layer) == ("AL902", 11, "c")
    assert "unknown key 'strdie'" in d.message
    assert d.help == "did you mean 'stride'?"


def test_unknown_layer_type_points_at_type():
    d = only(HEAD + '[[layers]]\nname = "c"\ntype = "Conv2D"\n')
    assert (d.line, d.message, d.help) == (
        8,
        "unknown layer type 'Conv2D'",
        "did you mean 'conv2d'?",
    )


def test_missing_type_and_missing_field():
    d = only(HEAD + '[[layers]]\nname = "c"\n')
    assert "needs a 'type'" in d.message and d.line == 6
    d = only(HEAD + '[[layers]]\nname = "c"\ntype = "conv2d"\nkernel_size = 3\n')
    assert d.message == "missing key 'out_channels' (conv2d layer needs it)" and d.line == 6


@pytest.mark.parametrize(
    "value,words",
    [
        ("0", "greater than or equal to 1"),
        ("-3", "greater than or equal to 1"),
        ("1_000_001", "less than or equal to 1000000"),
        ('"8"', "valid integer"),
        ("8.0", "valid integer"),
        ("true", "valid integer"),
    ],
)
def test_bad_sizes_are_schema_errors_on_their_line(value, words):
    d = only(
        HEAD + f'[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = {value}\nkernel_size = 3\n'
    )
    assert (d.code, d.line, d.layer) == ("AL902", 9, "c")
    assert words in d.message


def test_per_axis_list_of_the_wrong_length():
    d = only(HEAD + '[[layers]]\ntype = "conv2d"\nout_channels = 8\nkernel_size = [3, 3, 3]\n')
    assert "needs 1 or 2 values for a 2-d layer, got 3" in d.message and d.line == 9


def test_input_without_a_layout():
    d = only('[input]\nchannels = 3\nheight = 7\n\n[[layers]]\ntype = "relu"\n')
    assert d.code == "AL902" and "height and width" in d.message and d.line == 1


def test_key_after_a_table_header_gets_a_toml_hint():
    found = diagnostics("[input]\nchannels = 3\nheight = 7\nwidth = 7\nlayers = []\n")
    assert {d.message for d in found} >= {"unknown key 'layers' in [input]"}
    assert any("belongs to that table" in (d.help or "") for d in found)


def test_unknown_reference_duplicate_name_and_cycle():
    found = archlint.check(SAMPLES / "bad" / "graph-error.toml").diagnostics
    assert [(d.code, d.line) for d in found] == [("AL903", 15), ("AL903", 21)]
    assert found[1].help == "did you mean 'conv1'?"
    cycle = diagnostics(
        HEAD + '[[layers]]\nname = "a"\ntype = "relu"\ninputs = ["b"]\n\n'
        '[[layers]]\nname = "b"\ntype = "relu"\ninputs = ["a"]\n'
    )
    assert [d.code for d in cycle] == ["AL903"]
    assert "cycle" in cycle[0].message and "a → b → a" in cycle[0].message.replace(
        "b → a → b", "a → b → a"
    )


def test_layer_nobody_reads_is_reported():
    d = only(
        HEAD + '[[layers]]\nname = "lost"\ntype = "relu"\n\n'
        '[[layers]]\nname = "out"\ntype = "relu"\ninputs = ["input"]\n'
    )
    assert (d.rule, d.layer, d.line) == ("unused-output", "lost", 6)


def test_single_input_layer_given_two_inputs():
    d = only(HEAD + '[[layers]]\nname = "r"\ntype = "relu"\ninputs = ["input", "input"]\n')
    assert d.code == "AL903" and "takes one input" in d.message


def test_json_duplicate_key_is_reported():
    d = only(
        '{"input": {"channels": 3, "height": 8, "width": 8, "width": 9},'
        ' "layers": [{"type": "relu"}]}',
        "json",
    )
    assert "duplicate key 'width'" in d.message


@pytest.mark.parametrize(
    "text",
    [
        "[[layers]]\n",
        "layers = 3",
        '{"input": [], "layers": {}}',
        '{"input": {"channels": 3, "length": 9}, "layers": [3]}',
        '{"layers": [{"type": "relu"}]}',
        '{"layers": [}',
    ],
)
def test_nonsense_specs_give_diagnostics_not_exceptions(text):
    fmt = "json" if text.startswith("{") else "toml"
    found = diagnostics(text, fmt)
    assert found and all(d.severity == archlint.Severity.ERROR for d in found)


@pytest.mark.parametrize(
    "text,fmt",
    [("", "toml"), ("input = 3", "toml"), ('{"instruction": "Translate", "input": "bonjour", "output": "hello"}', "json"), ('[project]\nname = "x"\n', "toml"), ('"just a string"', "json"),
     ("[]", "json"), ("null", "json"), ("{}", "json"), ('{"name": "pkg", "version": "1"}', "json"),
     ('{"compilerOptions": {}, // comment\n}', "json")],
)  # fmt: skip
def test_other_toml_and_json_files_are_not_specs(text, fmt):
    doc = archlint.loads(text, fmt, f"other.{fmt}")
    assert not doc.is_spec


def test_cli_never_prints_a_traceback_and_exits_2_for_unreadable(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe not utf-8")
    for args in (
        ["check", str(tmp_path / "missing.toml")],
        ["check", str(bad)],
        ["summary", str(tmp_path / "missing.toml")],
        ["check", str(tmp_path)],
    ):
        result = runner.invoke(main, args)
        assert "Traceback" not in result.output
        assert result.exit_code == 2, (args, result.output)
    result = runner.invoke(
        main, ["check", "--format", "json", str(SAMPLES / "bad" / "syntax-error.toml")]
    )
    assert result.exit_code == 1
    assert json.loads(result.output)["diagnostics"][0]["code"] == "AL901"


def test_schema_messages_speak_the_users_terms():
    found = diagnostics(
        HEAD
        + '[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 8\nkernel_size = {h = 3}\npadding = [1, [0, 1, 2]]\n'
    )
    assert [d.message for d in found] == [
        'kernel_size: should be a valid integer or a valid list (got {"h": 3})',
        "padding[1]: should be a valid integer; should have at most 2 items, not 3 (got [0, 1, 2])",
    ]


def test_deep_nesting_and_a_byte_order_mark(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"input": ' + "[" * 5000 + "]" * 5000 + ', "layers": []}')
    [d] = archlint.check(deep).diagnostics  # past MAX_DEPTH: a limit, as for a size (AL902)
    assert (d.code, d.line, d.column) == ("AL902", 1, 42) and "nested too deeply" in d.message
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + (SAMPLES / "lecture" / "one_by_one.toml").read_bytes())
    assert archlint.check(bom).diagnostics == []

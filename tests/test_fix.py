"""`archlint check --fix`: mechanical fixes applied only where they leave fewer findings."""

import json
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlint
from archlint.cli import main
from archlint.diagnostics import Fix
from archlint.fix import edit, fix
from conftest import SAMPLES


def copy(tmp_path, sample: str):
    path = tmp_path / sample.split("/")[-1]
    shutil.copy(SAMPLES / sample, path)
    return path


def test_safe_fix_keeps_comments_and_formatting(tmp_path):
    path = copy(tmp_path, "bad/bias-before-batchnorm.toml")
    before = path.read_text()
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    after = path.read_text()
    assert result.exit_code == 0 and "All checks passed" in result.output
    assert after.startswith(before.split("[[layers]]")[0])  # the comment header is untouched
    assert after.replace("bias = false\n", "") == before
    assert "fixed" in result.output and "conv1: bias = false (AL010)" in result.output


def test_unsafe_fixes_need_the_flag(tmp_path):
    path = copy(tmp_path, "lecture/strides_7x7.toml")
    before = path.read_text()
    assert CliRunner().invoke(main, ["check", "--fix", str(path)]).exit_code == 1
    assert path.read_text() == before  # changing the padding changes the shape: unsafe
    result = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", str(path)])
    assert result.exit_code == 0
    stride3 = archlint.check(path).analysis.layers["stride3"]
    assert stride3.output == (1, 3, 3) and stride3.layer.padding == 1


def test_unsafe_fixes_of_padding_in_a_vgg_stage(tmp_path):
    path = copy(tmp_path, "bad/padding-mismatch.toml")
    CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", str(path)])
    left = [(d.rule, d.layer) for d in archlint.check(path).diagnostics]
    assert left == [("padding-mismatch", "even")]  # no mechanical fix for an even 'same' kernel


def test_json_is_fixed_too(tmp_path):
    data = {"input": {"channels": 3, "height": 8, "width": 8},
            "layers": [{"type": "flatten"}, {"name": "fc", "type": "linear", "in_features": 100, "out_features": 10}]}  # fmt: skip
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(data, indent=4))
    CliRunner().invoke(main, ["check", "--fix", str(path)])
    fixed = json.loads(path.read_text())
    assert fixed["layers"][1]["in_features"] == 192
    assert path.read_text().splitlines()[1].startswith("    ")  # the indentation is kept


def test_a_fix_that_would_add_findings_is_not_applied():
    @archlint.rule("X100", "bad-fixer", "warning")
    def bad_fixer(analysis, options):
        """Proposes a fix that breaks the file."""
        for layer in analysis.layers.values():
            if layer.type == "conv2d":
                yield archlint.Finding(layer.name, "too wide", fix=Fix("out_channels", 8, 0))

    text = (SAMPLES / "lecture" / "one_by_one.toml").read_text()
    result = archlint.check(archlint.loads(text, "toml", "x.toml"), rules=[bad_fixer])
    fixed = fix(result, archlint.Config(), unsafe=True, rules=[bad_fixer])
    assert fixed.applied == [] and fixed.text == text


def test_fix_keeps_crlf_line_endings(tmp_path):
    path = tmp_path / "crlf.toml"
    path.write_bytes(
        (SAMPLES / "bad" / "bias-before-batchnorm.toml").read_bytes().replace(b"\n", b"\r\n")
    )
    CliRunner().invoke(main, ["check", "--fix", str(path)])
    data = path.read_bytes()
    assert b"bias = false\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


# ---------------------------------------------------------- JSON: fixed as a text edit

SPEC = """{"model": {"name": "net"}, "input": {"channels": 3, "height": 8, "width": 8},
 "layers": [{"name": "c", "type": "conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "bias": false},
            {"name": "bn", "type": "batchnorm2d", "num_features": 4, "eps": 1E-5},
            {"type": "flatten"}, {"name": "fc", "type": "linear", "in_features": 100, "out_features": 10}]}
"""


def test_json_fix_changes_only_the_value(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(SPEC)
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert result.exit_code == 0 and "fc: in_features = 144 (AL006)" in result.output
    # the exponent keeps its spelling, the objects their lines
    assert path.read_text() == SPEC.replace('"in_features": 100', '"in_features": 144')


def test_a_json_file_with_a_duplicate_key_is_not_rewritten(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(SPEC.replace('{"name": "net"}', '{"name": "a", "name": "b"}'))
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert path.read_bytes() == before
    assert result.exit_code == 1 and "AL902 error: duplicate key 'name'" in result.output


@pytest.mark.parametrize(
    "name, text",
    [
        ("syntax-error.toml", (SAMPLES / "bad" / "syntax-error.toml").read_text()),
        ("schema-error.json", (SAMPLES / "bad" / "schema-error.json").read_text()),
        ("syntax-error.json", SPEC[:-3]),
        ("schema-error.json", SPEC.replace('"eps"', '"epsilon"')),
    ],
)
def test_a_file_that_does_not_parse_or_validate_is_never_rewritten(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", str(path)])
    assert result.exit_code == 1 and path.read_bytes() == before


def test_a_new_json_key_follows_its_neighbours_on_one_line(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(SPEC.replace(', "bias": false', "").replace("100", "144"))
    CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert path.read_text() == SPEC.replace("100", "144")


def test_a_new_json_key_gets_a_line_like_its_neighbours_and_crlf_stays(tmp_path):
    text = (
        '{\n  "input": {"channels": 3, "height": 8, "width": 8},\n  "layers": [\n'
        '    {\n      "name": "c",\n      "type": "conv2d",\n      "out_channels": 4,\n'
        '      "kernel_size": 3\n    },\n    {"type": "batchnorm2d", "num_features": 4}\n  ]\n}\n'
    )
    path = tmp_path / "spec.json"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    CliRunner().invoke(main, ["check", "--fix", str(path)])
    fixed = text.replace('"kernel_size": 3\n', '"kernel_size": 3,\n      "bias": false\n')
    assert path.read_bytes() == fixed.replace("\n", "\r\n").encode()


def test_json_edit_is_not_misled_by_strings_or_duplicates():
    text = '{"model": {"name": "]"}, "layers": [{"name": "x\\"]}[{,:", "type": "relu"}, {"type": "linear", "in_features": 1, "in_features": 2}]}'
    edited = edit(text, "json", 1, "in_features", 7)
    assert edited == text.replace('"in_features": 2', '"in_features": 7')  # the one json keeps
    assert json.loads(edited)["layers"][0]["name"] == 'x"]}[{,:'


def test_json_edit_adds_a_key_to_an_object_of_one_member():
    assert edit('{"layers": [{"type": "flatten"}]}', "json", 0, "x", [1, 2]) == (
        '{"layers": [{"type": "flatten", "x": [1, 2]}]}'
    )
    assert edit('{"layers":[{"type":"flatten"}]}', "json", 0, "x", 1) == (
        '{"layers":[{"type":"flatten","x":1}]}'
    )
    text = '{"layers": [\r\n  {\r\n    "type": "flatten"\r\n  }\r\n]}'
    assert edit(text, "json", 0, "x", 1) == text.replace('"flatten"', '"flatten",\r\n    "x": 1')


# ------------------------------------------------ property: a fix touches only its value


class Layout:
    """A value written as JSON in a layout hypothesis draws (per object or array: on one line
    or one item a line, the indentation, the spacing around ':' and ','; per number, one of its
    spellings), with where each scalar was written and how a key added to each object would be
    spaced: enough to say exactly which bytes a fix may change."""

    def __init__(self, draw) -> None:
        self.draw = draw
        self.text = ""
        self.spans: dict[tuple, tuple[int, int]] = {}  # path -> scalar's (start, end)
        self.additions: dict[tuple, tuple] = {}  # object path -> (comma, colon) for a new key

    def write(self, value, path=(), indent=""):
        draw = self.draw
        if isinstance(value, dict | list):
            items = list(value.items() if isinstance(value, dict) else enumerate(value))
            one_item_a_line = draw(st.booleans())
            colon = draw(st.sampled_from([":", ": ", " : "]))
            comma = "," if one_item_a_line else draw(st.sampled_from([",", ", ", " , "]))
            inner = indent + draw(st.sampled_from(["  ", "    ", "\t", " "]))
            self.text += "{" if isinstance(value, dict) else "["
            for n, (key, item) in enumerate(items):
                self.text += (comma if n else "") + ("\n" + inner if one_item_a_line else "")
                if isinstance(value, dict):
                    self.text += json.dumps(key, ensure_ascii=draw(st.booleans())) + colon
                self.write(item, path + (key,), inner)
            self.additions[path] = (",\n" + inner if one_item_a_line else comma), colon
            self.text += ("\n" + indent if one_item_a_line else "") + "}]"[isinstance(value, list)]
        else:
            start = len(self.text)
            if isinstance(value, str):
                self.text += json.dumps(value, ensure_ascii=draw(st.booleans()))
            elif isinstance(value, float):  # spelled in any of JSON's ways
                mantissa, exponent = f"{value:e}".split("e")
                self.text += draw(st.sampled_from([
                    json.dumps(value), f"{mantissa}E{int(exponent)}", f"{mantissa}e{exponent}",
                    f"{value * 10:.6f}E-1",
                ]))  # fmt: skip
            else:
                self.text += json.dumps(value)
            self.spans[path] = (start, len(self.text))


# any text, with JSON's own syntax often in it: a scanner must not take it for structure
NAMES = st.text(st.sampled_from('"\\[]{},: ') | st.characters(codec="utf-8"), max_size=8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data(), model_name=NAMES, conv_name=NAMES, add_a_key=st.booleans(),
       eps=st.sampled_from([1e-5, 1e-3, 2.5e-4]), crlf=st.booleans())  # fmt: skip
def test_a_json_fix_changes_only_the_fixed_value(
    tmp_path, data, model_name, conv_name, add_a_key, eps, crlf
):
    """The fix is either a value replaced (in_features) or a key added (bias = false)."""
    conv = {"name": "c" + conv_name, "type": "conv2d", "in_channels": 3, "out_channels": 4,
            "kernel_size": 3}  # fmt: skip
    if not add_a_key:
        conv["bias"] = False
    in_features = 144 if add_a_key else 100  # 4×6×6 arrive
    conv = dict(data.draw(st.permutations(list(conv.items()))))
    spec = {
        "model": {"name": model_name},
        "input": {"channels": 3, "height": 8, "width": 8},
        "layers": [
            conv,
            {"name": "bn", "type": "batchnorm2d", "num_features": 4, "eps": eps, "momentum": 0.1},
            {"type": "relu"},
            {"type": "flatten"},
            {"name": "fc", "type": "linear", "in_features": in_features, "out_features": 10},
        ],
    }
    layout = Layout(data.draw)
    layout.write(spec)
    before = layout.text
    if add_a_key:  # after the conv's last member, in the style of its members
        end = layout.spans[("layers", 0, list(conv)[-1])][1]
        comma, colon = layout.additions[("layers", 0)]
        after = before[:end] + comma + '"bias"' + colon + "false" + before[end:]
    else:
        start, end = layout.spans[("layers", 4, "in_features")]
        after = before[:start] + "144" + before[end:]
    path = tmp_path / "spec.json"
    newline = "\r\n" if crlf else "\n"
    path.write_bytes(before.replace("\n", newline).encode())
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == after.replace("\n", newline).encode()
    expected = json.loads(before)
    if add_a_key:
        expected["layers"][0]["bias"] = False
    else:
        expected["layers"][4]["in_features"] = 144
    assert json.loads(path.read_text()) == expected

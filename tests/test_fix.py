"""`archlint check --fix`: mechanical fixes applied only where they leave fewer findings."""

import json
import shutil

from click.testing import CliRunner

import archlint
from archlint.cli import main
from archlint.diagnostics import Fix
from archlint.fix import fix
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

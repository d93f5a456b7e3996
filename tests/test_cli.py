"""The command line as a user sees it: snapshots of the text, JSON shapes, exit codes."""

import json
import os

import pytest
from click.testing import CliRunner

from archlint.cli import main
from conftest import ROOT

SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE = os.environ.get("ARCHLINT_UPDATE_SNAPSHOTS") == "1"


def invoke(*args: str):
    cwd = os.getcwd()
    os.chdir(ROOT)  # relative paths in the output, as a user in the repository sees them
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize(
    "name,args",
    [
        ("check-strides", ["check", "samples/lecture/strides_7x7.toml"]),
        ("check-bad", ["check", "samples/bad"]),
        ("check-networks", ["check", "samples/networks"]),
        ("summary-tiny-resnet", ["summary", "samples/tiny_resnet.toml"]),
        ("summary-resnet18", ["summary", "samples/networks/resnet18.toml"]),
    ],
)
def test_rendered_output_matches_snapshot(name, args):
    """A change in wording shows up here, as a reviewed change (ARCHLINT_UPDATE_SNAPSHOTS=1)."""
    result = invoke(*args)
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        path.write_text(result.output, encoding="utf-8")
    assert result.output == path.read_text(encoding="utf-8")


def test_exit_codes():
    assert invoke("check", "samples/networks/resnet18.toml").exit_code == 0
    assert invoke("check", "samples/lecture/strides_7x7.toml").exit_code == 1
    assert invoke("check", "--fail-on", "error", "samples/lecture/strides_7x7.toml").exit_code == 0
    assert invoke("check", "--fail-on", "info", "samples/networks/resnet18.toml").exit_code == 1
    assert (
        invoke(
            "check", "--select", "padding-mismatch", "samples/lecture/strides_7x7.toml"
        ).exit_code
        == 0
    )
    assert invoke("check", "--ignore", "AL001", "samples/lecture/strides_7x7.toml").exit_code == 0
    bad = invoke("check", "--select", "paddin-mismatch", "samples/tiny_resnet.toml")
    assert bad.exit_code == 2 and "did you mean 'padding-mismatch'" in bad.output
    assert invoke("check", "--format", "xml", "samples/tiny_resnet.toml").exit_code == 2
    assert invoke("check").exit_code == 2
    assert invoke("explain", "nope").exit_code == 2


def test_check_json_has_the_documented_keys():
    result = invoke("check", "--format", "json", "samples/lecture/strides_7x7.toml")
    [d] = json.loads(result.output)["diagnostics"]
    assert set(d) >= {
        "file",
        "line",
        "column",
        "code",
        "rule",
        "severity",
        "layer",
        "message",
        "help",
    }
    assert (d["code"], d["rule"], d["severity"], d["layer"]) == (
        "AL001",
        "non-integer-output",
        "warning",
        "stride3",
    )


def test_summary_json():
    result = invoke(
        "summary", "--format", "json", "samples/tiny_resnet.toml", "samples/bad/syntax-error.toml"
    )
    tiny, broken = json.loads(result.output)
    assert tiny["model"] == "tiny-resnet" and tiny["input_shape"] == [3, 32, 32]
    assert tiny["layers"][0] == {
        "name": "stem",
        "type": "conv2d",
        "output_shape": [16, 32, 32],
        "params": 448,
        "macs": 16 * 32 * 32 * 27,
        "activation_bytes": 16 * 32 * 32 * 4,
        "receptive_field": [{"size": 3, "jump": 1, "start": 0}] * 2,
    }
    assert tiny["total_params"] == 43_770
    assert broken["layers"] == [] and broken["diagnostics"][0]["code"] == "AL901"
    assert result.exit_code == 1


def test_unknown_shape_is_null_in_summary_json():
    result = invoke("summary", "--format", "json", "samples/bad/collapsed-activation-map.toml")
    [data] = json.loads(result.output)
    shapes = {layer["name"]: layer["output_shape"] for layer in data["layers"]}
    assert shapes["pool4"] == [1, 1, 1] and shapes["conv"] is None and shapes["fc"] is None


def test_explain_and_rules_and_types():
    explained = invoke("explain", "AL001").output
    assert "non-integer-output" in explained and "**Fails**" in explained
    assert invoke("explain", "bias-before-batchnorm").exit_code == 0
    listing = invoke("rules").output
    assert "AL010  bias-before-batchnorm" in listing and "built-in" in listing
    types = invoke("types").output
    assert "conv_transpose2d" in types
    assert "keys: dim*, keepdim\n" in types and "keys: pad*, mode, value\n" in types


def test_sizes_command():
    result = invoke("sizes", "samples/networks/squeezenet1_0.toml")
    assert result.exit_code == 0
    assert (
        "height: 2·k + 1 for k ≥ 10 (21, 23, 25, …); declared 224 loses input: nearest 223 and 225"
        in result.output
    )
    data = json.loads(
        invoke(
            "sizes",
            "--format",
            "json",
            "--mode",
            "exact",
            "--range",
            "1..100",
            "samples/networks/vgg16.toml",
        ).output
    )
    [height, width] = data[0]["axes"]
    assert (
        height["form"] == "32·k for k ≥ 1"
        and height["sizes"] == [32, 64, 96]
        and height["declared_valid"]
    )
    assert invoke("sizes", "--range", "9..3", "samples/networks/vgg16.toml").exit_code == 2
    assert invoke("sizes", "samples/bad/graph-error.toml").exit_code == 1

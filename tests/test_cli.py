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


# Regression snapshots: archlint's own output, recorded by archlint. They prove only that the
# output has not changed (a reviewed change is re-recorded with ARCHLINT_UPDATE_SNAPSHOTS=1);
# what is true in them is backed by the tests named in tests/snapshots/README.md. Each file
# starts with this header, which says so to whoever opens it.
SNAPSHOT_HEADER = (
    "# REGRESSION SNAPSHOT, recorded by archlint itself (ARCHLINT_UPDATE_SNAPSHOTS=1): it proves\n"
    "# only that the output did not change. What backs its figures: tests/snapshots/README.md.\n"
)
SNAPSHOTS_RUN = {
    "check-strides": ["check", "samples/lecture/strides_7x7.toml"],
    "check-bad": ["check", "samples/bad"],
    "check-networks": ["check", "samples/networks"],
    "summary-tiny-resnet": ["summary", "samples/tiny_resnet.toml"],
    "summary-resnet18": ["summary", "samples/networks/resnet18.toml"],
}


@pytest.mark.parametrize("name", SNAPSHOTS_RUN)
def test_rendered_output_matches_regression_snapshot(name):
    """A change in wording shows up here, as a reviewed change (ARCHLINT_UPDATE_SNAPSHOTS=1)."""
    result = invoke(*SNAPSHOTS_RUN[name])
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        path.write_text(SNAPSHOT_HEADER + result.output, encoding="utf-8")
    recorded = path.read_text(encoding="utf-8")
    assert recorded.startswith(SNAPSHOT_HEADER), "a snapshot must say it is a regression snapshot"
    assert result.output == recorded[len(SNAPSHOT_HEADER) :]


def test_every_snapshot_is_run_and_listed_with_what_backs_it():
    assert {p.stem for p in SNAPSHOTS.glob("*.txt")} == set(SNAPSHOTS_RUN)
    listed = (SNAPSHOTS / "README.md").read_text(encoding="utf-8")
    for name in SNAPSHOTS_RUN:
        assert f"`{name}.txt`" in listed, name


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
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = re.search(r'`json`: `\{"diagnostics": \[\{(.*?)\}\]\}`', readme)[1]
    keys = [key.strip().strip('"') for key in documented.split(",")]
    assert keys == ["file", "where", "line", "column", "code", "rule", "severity", "layer",
                    "message", "note", "help", "fix"]  # fmt: skip
    result = invoke("check", "--format", "json", "samples/lecture/strides_7x7.toml")
    [d] = json.loads(result.output)["diagnostics"]
    assert list(d) == keys  # every documented key, no other, in the documented order
    # stride 3 on a 7-wide input: (7 − 3)/3 + 1 = 2.33, floored to 2; windows at 0-2 and 3-5
    # leave the last row and column (6) unread; padding 1 gives (9 − 3)/3 + 1 = 3 exactly
    assert d == {
        "file": "samples/lecture/strides_7x7.toml",
        "where": None,  # a TOML file has lines; `where` is for ONNX nodes
        "line": 35,
        "column": 1,
        "code": "AL001",
        "rule": "non-integer-output",
        "severity": "warning",
        "layer": "stride3",
        "message": "output height and width (7 − 3 + 2·0)/3 + 1 = 2.33 are not integers",
        "note": "frameworks floor it to 2: the last 1 row and column of the 7-wide input is never read",
        "help": "stride = 2 gives 3 exactly; or padding = 1 gives 3 exactly; or an input height"
        " and width of 6 or 9 gives 2 or 3 exactly",
        "fix": {"key": "padding", "old": 0, "new": 1, "safe": False},  # changes the shape: unsafe
    }


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

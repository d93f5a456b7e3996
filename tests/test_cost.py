"""MACs and memory: torchvision's published totals, and hand-counted small cases."""

import json

import pytest
from click.testing import CliRunner

import archlint
from archlint import cost
from archlint.cli import main
from conftest import SAMPLES, run

# torchvision's model tables list these as "GFLOPS"; they count multiply-accumulates
TORCHVISION_GMACS = {
    "alexnet": 0.714,
    "vgg16": 15.47,
    "resnet18": 1.814,
    "resnet50": 4.09,
    "mobilenet_v2": 0.301,
}


@pytest.mark.parametrize("name,gmacs", TORCHVISION_GMACS.items())
def test_macs_match_torchvision_within_one_percent(name, gmacs):
    analysis = archlint.check(SAMPLES / "networks" / f"{name}.toml").analysis
    assert analysis.total_macs / 1e9 == pytest.approx(gmacs, rel=0.01)


def test_macs_of_grouped_dilated_and_transposed_convolutions():
    def macs(layer, **input_):
        return run([dict(layer, name="x")], **input_).analysis.layers["x"].macs

    # 8×8 output, 16 channels, each (32/4)·3·3 multiply-accumulates
    assert macs({"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1, "groups": 4},
                channels=32, height=8, width=8) == 8 * 8 * 16 * 8 * 9  # fmt: skip
    # dilation widens the window but not the taps: still 3·3 per output
    assert macs({"type": "conv2d", "out_channels": 1, "kernel_size": 3, "dilation": 2},
                channels=1, height=9, width=9) == 5 * 5 * 9  # fmt: skip
    # transposed: every input element meets (C_out/groups)·k·k weights
    assert macs({"type": "conv_transpose2d", "out_channels": 8, "kernel_size": 2, "stride": 2},
                channels=4, height=5, width=5) == 4 * 5 * 5 * 8 * 4  # fmt: skip
    assert macs({"type": "linear", "out_features": 10}, features=100) == 1000
    assert macs({"type": "maxpool2d", "kernel_size": 2}, channels=1, height=4, width=4) == 0


def test_activation_memory_and_peak_by_hand():
    # input 1×4×4 (64 B) -> a: 2×4×4 (128 B) -> b: 2×4×4 (128 B); c = add(a, b) (128 B)
    result = run(
        [{"name": "a", "type": "conv2d", "out_channels": 2, "kernel_size": 1},
         {"name": "b", "type": "relu"},
         {"name": "c", "type": "add", "inputs": ["a", "b"]}],
        channels=1, height=4, width=4,
    )  # fmt: skip
    totals = cost.totals(result.analysis)
    assert totals.activation_bytes == 64 + 3 * 128  # the input counts, as in the peak
    # running a frees the input (64 + 128 = 192); b keeps a alive (128 + 128 = 256);
    # c needs a, b and itself: 384
    assert totals.peak_activation_bytes == 384
    half = cost.totals(result.analysis, dtype="float16", batch=4)
    assert half.peak_activation_bytes == 384 // 2 * 4 and half.param_bytes == totals.params * 2


def test_summary_json_has_costs_and_totals():
    result = CliRunner().invoke(main, ["summary", "--format", "json", "--batch", "2",
                                       str(SAMPLES / "networks" / "resnet18.toml")])  # fmt: skip
    [data] = json.loads(result.output)
    conv1 = data["layers"][0]
    assert conv1["name"] == "conv1" and conv1["macs"] == 2 * 118_013_952
    assert conv1["activation_bytes"] == 2 * 64 * 112 * 112 * 4
    totals = data["totals"]
    assert totals["params"] == 11_689_512 and totals["flops"] == 2 * totals["macs"]
    assert totals["macs"] == pytest.approx(2 * 1.814e9, rel=0.01)
    assert data["dtype"] == "float32" and data["batch"] == 2
    last = next(layer for layer in data["layers"] if layer["name"] == "layer4.1.conv2")
    assert last["receptive_field"] == [{"size": 435, "jump": 32, "start": 0}] * 2
    assert data["layers"][-1]["receptive_field"] is None  # the classifier's output is a vector


def test_fc_equivalent_shows_the_lectures_comparison():
    result = CliRunner().invoke(main, ["summary", "--fc-equivalent",
                                       str(SAMPLES / "lecture" / "ten_5x5_filters.toml")])  # fmt: skip
    assert "760" in result.output and "31,467,520" in result.output
    result = CliRunner().invoke(main, ["summary", "--format", "json", "--fc-equivalent",
                                       str(SAMPLES / "lecture" / "ten_5x5_filters.toml")])  # fmt: skip
    assert json.loads(result.output)[0]["layers"][0]["fc_equivalent_params"] == 31_467_520


def test_summary_fits_in_100_columns(monkeypatch):
    monkeypatch.chdir(SAMPLES / "networks")  # the header names the file as given: keep it short
    for path in (SAMPLES / "networks").glob("*.toml"):
        result = CliRunner().invoke(main, ["summary", "--fc-equivalent", path.name])
        assert max(len(line) for line in result.output.splitlines()) <= 100, path.name

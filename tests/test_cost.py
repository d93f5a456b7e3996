"""MACs and memory: torchvision's published totals, and hand-counted small cases."""

import json

import pytest
from click.testing import CliRunner

import archlint
from archlint import cost
from archlint.cli import main
from conftest import ROOT, SAMPLES, run

# torchvision's published figures: each model's weights.meta["_ops"] in torchvision/models/*.py
# (ResNet50_Weights.IMAGENET1K_V1 has "_ops": 4.089), the "GFLOPS" column of its model table,
# which counts multiply-accumulates of convolutions and linear layers. The README quotes these
# five and claims 0.1%; tests/test_networks.py holds the other samples' published figures.
TORCHVISION_GMACS = {
    "alexnet": 0.714,
    "vgg16": 15.47,
    "resnet18": 1.814,
    "resnet50": 4.089,
    "mobilenet_v2": 0.301,
}
README_TOLERANCE = 0.001  # "within 0.1%"


@pytest.mark.parametrize("name,gmacs", TORCHVISION_GMACS.items())
def test_macs_match_torchvision_within_a_tenth_of_a_percent(name, gmacs):
    analysis = archlint.check(SAMPLES / "networks" / f"{name}.toml").analysis
    assert analysis.total_macs / 1e9 == pytest.approx(gmacs, rel=README_TOLERANCE)


def test_readme_quotes_these_figures_and_this_tolerance():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    claim = re.search(r"which the samples reproduce within ([0-9.]+)%: (.*?);\s", readme, re.S)
    assert claim, "the README's MAC claim moved: update this test with it"
    assert float(claim[1]) / 100 == README_TOLERANCE
    quoted = dict(re.findall(r"([A-Za-z][\w-]*) ([0-9.]+) G", " ".join(claim[2].split())))
    names = {"AlexNet": "alexnet", "VGG-16": "vgg16", "ResNet-18": "resnet18",
             "ResNet-50": "resnet50", "MobileNetV2": "mobilenet_v2"}  # fmt: skip
    assert {names[k]: float(v) for k, v in quoted.items()} == TORCHVISION_GMACS


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


def test_grouped_transposed_convolution_by_hand():
    """nn.ConvTranspose2d(4, 8, 3, stride=2, groups=2) on 4×5×5, counted by hand.

    PyTorch's weight is (in_channels, out_channels/groups, k, k) = (4, 4, 3, 3): 144 weights and
    8 biases. Output side (5 − 1)·2 + 3 = 11. Every one of the 4·5·5 = 100 input elements is
    scattered through the (8/2)·3·3 = 36 weights of its group: 3,600 MACs (7,200 if groups were
    ignored, 1,800 if they divided twice).
    """
    layer = {"name": "up", "type": "conv_transpose2d", "out_channels": 8, "kernel_size": 3,
             "stride": 2, "groups": 2}  # fmt: skip
    up = run([layer], channels=4, height=5, width=5).analysis.layers["up"]
    assert up.output == (8, 11, 11)
    assert up.params == 4 * 4 * 3 * 3 + 8 == 152
    assert up.macs == 100 * 36 == 3_600
    # groups = 4 (depthwise-like: 4 groups of 1 input to 2 outputs): weight (4, 2, 3, 3), 72 + 8;
    # each input element meets (8/4)·9 = 18 weights
    up4 = run([dict(layer, groups=4, bias=False)], channels=4, height=5, width=5).analysis
    assert (up4.layers["up"].params, up4.layers["up"].macs) == (72, 100 * 18)
    # 1-d and 3-d follow the same rule: (C_in·L) · (C_out/groups) · k
    up1 = run([dict(layer, type="conv_transpose1d")], channels=4, length=5).analysis.layers["up"]
    assert (up1.output, up1.params, up1.macs) == ((8, 11), 4 * 4 * 3 + 8, 4 * 5 * 4 * 3)


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
    # conv1: 7×7 stride 2 from 3 to 64 channels on 224, padding 3: 112×112 outputs of 3·7·7
    assert conv1["name"] == "conv1" and conv1["macs"] == 2 * 64 * 112 * 112 * 3 * 7 * 7
    assert conv1["params"] == 64 * 3 * 7 * 7 == 9_408  # no bias before its batch norm
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


def test_fc_equivalent_adds_its_column_and_keeps_every_other(monkeypatch):
    monkeypatch.chdir(SAMPLES)

    def table(*args: str) -> list[list[str]]:
        out = CliRunner().invoke(main, ["summary", *args, "lecture/ten_5x5_filters.toml"]).output
        lines = out.splitlines()
        return [lines[1].split("  "), lines[3].split()]  # the header and the conv's row

    plain, compared = table(), table("--fc-equivalent")
    header = [cell.strip() for cell in plain[0] if cell.strip()]
    assert header == ["layer", "type", "output shape", "params", "MACs", "memory", "RF"]
    assert [cell.strip() for cell in compared[0] if cell.strip()] == [
        "layer", "type", "output shape", "params", "as fc layer", "MACs", "memory", "RF"
    ]  # fmt: skip
    # conv: 10×32×32, 760 parameters, 10·32·32·75 = 768,000 MACs, 10·32·32·4 B = 40.0 KiB,
    # a 5×5 field; as a fully connected layer (32·32·10)·(32·32·3 + 1) = 31,467,520
    assert plain[1] == ["conv", "conv2d", "10×32×32", "760", "768.00K", "40.0", "KiB", "5"]
    assert compared[1] == plain[1][:4] + ["31,467,520"] + plain[1][4:]
    resnet = CliRunner().invoke(main, ["summary", "--fc-equivalent", "networks/resnet18.toml"])
    assert "layer4.1.conv2" in resnet.output and "3.1 MiB" in resnet.output  # memory stays
    # a name too long for the room left is cut to its end, which tells the layers apart
    cut = [line.split()[0] for line in resnet.output.splitlines() if line.startswith("  …")]
    assert cut and all(name.endswith(("downsample.0", "downsample.1")) for name in cut), cut
    assert max(len(line) for line in resnet.output.splitlines()) <= 100


def test_summary_fits_in_100_columns(monkeypatch):
    monkeypatch.chdir(SAMPLES / "networks")  # the header names the file as given: keep it short
    for path in (SAMPLES / "networks").glob("*.toml"):
        result = CliRunner().invoke(main, ["summary", "--fc-equivalent", path.name])
        assert max(len(line) for line in result.output.splitlines()) <= 100, path.name


def test_tiny_resnet_summary_by_hand():
    """Every figure of tests/snapshots/summary-tiny-resnet.txt, counted independently.

    samples/tiny_resnet.toml: 3×32×32 -> stem 3×3 conv to 16, padding 1 -> batch norm -> relu
    -> block_conv 3×3 16 -> 16, padding 1 -> skip = relu + block_conv -> 2×2 max pool -> flatten
    -> linear to 10.
    """
    result = CliRunner().invoke(
        main, ["summary", "--format", "json", str(SAMPLES / "tiny_resnet.toml")]
    )
    [data] = json.loads(result.output)
    map_bytes = 16 * 32 * 32 * 4  # 65,536 B, 64.0 KiB: a 16×32×32 float32 map
    expected = [
        # name, params, MACs, activation bytes, receptive field
        ("stem", 16 * 3 * 9 + 16, 16 * 32 * 32 * 3 * 9, map_bytes, 3),  # 448; 442,368
        ("stem_bn", 2 * 16, 0, map_bytes, 3),  # a scale and a shift per channel
        ("stem_relu", 0, 0, map_bytes, 3),
        ("block_conv", 16 * 16 * 9 + 16, 16 * 32 * 32 * 16 * 9, map_bytes, 3 + 2),  # 2,320
        ("skip", 0, 0, map_bytes, 5),  # the union of 3 and 5
        ("pool", 0, 0, 16 * 16 * 16 * 4, 5 + 1),  # 2×2 at stride 1 in input pixels
        ("flatten_6", 0, 0, 4096 * 4, None),
        ("fc", 4096 * 10 + 10, 4096 * 10, 10 * 4, None),  # 40,970; 40,960
    ]
    got = [
        (row["name"], row["params"], row["macs"], row["activation_bytes"],
         row["receptive_field"][0]["size"] if row["receptive_field"] else None)
        for row in data["layers"]
    ]  # fmt: skip
    assert got == expected
    totals = data["totals"]
    assert totals["params"] == 448 + 32 + 2320 + 40970 == 43_770
    assert totals["macs"] == 442_368 + 2_359_296 + 40_960 == 2_842_624
    # the input (3·32·32·4 = 12,288 B) and every layer's output: 372,776 B, 364.0 KiB
    assert totals["activation_bytes"] == 12_288 + 5 * map_bytes + 16_384 + 16_384 + 40
    # at skip, stem_relu, block_conv and skip itself are alive: 3 × 64 KiB = 192 KiB
    assert totals["peak_activation_bytes"] == 3 * map_bytes


def test_bytes_per_element_of_each_dtype():
    # IEEE 754 binary64, binary32 and binary16 and bfloat16 (1 sign, 8 exponent, 7 fraction
    # bits) are 8, 4, 2 and 2 bytes; int8 is 1. A 1×4×4 input and a 1×1 conv to 2 channels:
    # 4 parameters, and 16 + 32 elements of activations
    result = run([{"name": "a", "type": "conv2d", "out_channels": 2, "kernel_size": 1}],
                 channels=1, height=4, width=4)  # fmt: skip
    for dtype, size in {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}.items():
        totals = cost.totals(result.analysis, dtype=dtype)
        assert (totals.param_bytes, totals.activation_bytes) == (4 * size, 48 * size), dtype
    assert set(cost.DTYPE_BYTES) == {"float64", "float32", "float16", "bfloat16", "int8"}


def test_the_input_counts_in_the_peak_while_a_layer_still_reads_it():
    # input 1×4×4 (16 elements) -> a: 1×1 conv to 1 channel (16) -> c = input + a (16): when c
    # runs, the input, a and c are alive: 48 elements, 192 B as float32, 2 × 192 for a batch of 2
    result = run(
        [{"name": "a", "type": "conv2d", "out_channels": 1, "kernel_size": 1},
         {"name": "c", "type": "add", "inputs": ["input", "a"]}],
        channels=1, height=4, width=4,
    )  # fmt: skip
    assert cost.peak_activation_bytes(result.analysis) == 48 * 4
    assert cost.peak_activation_bytes(result.analysis, "float16", batch=2) == 48 * 2 * 2
    # a lone relu: while it runs, its input and its output, 32 elements
    alone = run([{"name": "r", "type": "relu"}], channels=1, height=4, width=4)
    assert cost.peak_activation_bytes(alone.analysis, "int8", batch=3) == (16 + 16) * 3


def test_human_figures_use_decimal_counts_and_binary_bytes():
    # counts: K = 10³, M = 10⁶, G = 10⁹, two decimals; bytes: KiB = 2¹⁰, MiB = 2²⁰, GiB = 2³⁰
    assert cost.human(999) == "999"
    assert cost.human(1_000) == "1.00K" and cost.human(442_368) == "442.37K"
    assert cost.human(999_999) == "1000.00K" and cost.human(1_000_000) == "1.00M"
    assert cost.human(1_000_000_000) == "1.00G" and cost.human(1_814_073_344) == "1.81G"
    assert cost.human(40, "B") == "40 B" and cost.human(1023, "B") == "1023 B"
    assert cost.human(1024, "B") == "1.0 KiB" and cost.human(65_536, "B") == "64.0 KiB"
    assert cost.human(3 * 2**20 + 2**19, "B") == "3.5 MiB"
    assert cost.human(5 * 2**30, "B") == "5.0 GiB" and cost.human(2**40, "B") == "1024.0 GiB"

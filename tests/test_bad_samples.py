"""samples/bad/: one failing spec per rule, and every finding on them counted by hand.

tests/snapshots/check-bad.txt records how `archlint check samples/bad` prints; that snapshot is
archlint's own output and proves only that nothing changed. This file backs it: each finding's
code, layer, line and column, counted from the sample files, and the figures in its message,
computed by hand in the comments (PyTorch's rules: out = ⌊(n + 2p − k)/s⌋ + 1; a conv has
out·in/groups·k·k weights and out biases; a linear layer in·out weights and out biases).
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

import archlint
from archlint.cli import main
from conftest import SAMPLES

BAD = SAMPLES / "bad"

# file (relative to samples/bad) -> [(code, layer, line, column, words the message holds)]
EXPECTED = {
    # conv1 (line 10, no bias key: the layer's header) has the default bias, 32 of them, and
    # bn1 right after it subtracts the mean
    "bias-before-batchnorm.toml": [
        ("AL010", "conv1", 10, 1, "the bias (32 parameters) is cancelled by bn1"),
    ],
    # groups = 24 (line 17) divides neither 32 nor 32; bn's num_features = 64 (line 23), 32 arrive
    "channel-mismatch.toml": [
        ("AL005", "depthwise", 17, 1, "groups = 24 does not divide the 32 input or the 32 output"),
        ("AL005", "bn", 23, 1, "num_features = 64 but the input has 32 channels"),
    ],
    # 28 → 14 → 7; pool3 (line 20): (7 − 2)/2 + 1 = 3.5, floored to 3; pool4 (line 25):
    # (3 − 2)/2 + 1 = 1.5, floored to 1; conv's 3-wide window (kernel_size, line 34) on 1: −1
    "collapsed-activation-map.toml": [
        ("AL001", "pool3", 20, 1, "(7 − 2 + 2·0)/2 + 1 = 3.5"),
        ("AL001", "pool4", 25, 1, "(3 − 2 + 2·0)/2 + 1 = 1.5"),
        ("AL002", "conv", 34, 1, "(1 − 3 + 2·0)/1 + 1 = −1"),
    ],
    # conv: 32·3·3·3 + 32 = 896; fc1 (out_features, line 27): 32·64·64 = 131,072 inputs,
    # 131,072·512 + 512 = 67,109,376; fc2: 512·10 + 10 = 5,130; in all 67,115,402 (99.99%)
    "fc-parameter-dominance.toml": [
        ("AL009", "fc1", 27, 1, "holds 67,109,376 of the network's 67,115,402 parameters (100%)"),
    ],
    # conv keeps 16×32×32, the pool halves it: 16·16·16 = 4,096 features arrive at fc, whose
    # in_features (line 28) is 16·112·112 = 200,704
    "feature-mismatch.toml": [
        ("AL006", "fc", 28, 1, "in_features = 200704 but 4096 features arrive"),
    ],
    # the second name = "conv1" is on line 15; inputs = [.., "cnov1"] on line 21
    "graph-error.toml": [
        ("AL903", "conv1", 15, 1, "duplicate name 'conv1'"),
        ("AL903", "merge", 21, 1, "input 'cnov1' is not a layer of this spec"),
    ],
    # conv1: ⌊(56 + 2 − 3)/2⌋ + 1 = 28; shortcut keeps 56: (128, 28, 28) + (128, 56, 56) at
    # inputs (line 35)
    "merge-mismatch.toml": [
        ("AL007", "add", 35, 1, "cannot add shapes (128, 28, 28), (128, 56, 56)"),
    ],
    # stride = 3 (line 15): (7 − 3)/3 + 1 = 2.33
    "non-integer-output.toml": [
        ("AL001", "conv1", 15, 1, "(7 − 3 + 2·0)/3 + 1 = 2.33"),
    ],
    # conv2 (line 18, no padding key): 56 − 3 + 1 = 54 between two size-keeping convs;
    # even: 'same' with k = 4 pads 3 in all, 1 before and 2 after (padding, line 36);
    # pool: padding 2 (line 42) over half its kernel of 2, which PyTorch refuses
    "padding-mismatch.toml": [
        ("AL004", "conv2", 18, 1, "padding 0 changes the height from 56 to 54"),
        ("AL004", "even", 36, 1, "pads 1 before and 2 after"),
        ("AL004", "pool", 42, 1, "padding 2 is more than half the kernel (2)"),
    ],
    # line 4: 4 spaces, {, "name" (6-11), :, space, "conv1" (14-20), ",", space, "type" (23-28),
    # :, space, "conv2d" (31-38), ",", space, "out_channels" (41-54), :, space, 8 (57), ",",
    # space, "kernel_size" (60-72), :, space, 3 (75), ",", space: "strdie" starts at column 78.
    # line 5: 4 spaces, {, "name" (6-11), :, space, "pool" (14-19), ",", space: "type" at 22
    "schema-error.json": [
        ("AL902", "conv1", 4, 78, "unknown key 'strdie' in conv2d layer"),
        ("AL902", "pool", 5, 22, "unknown layer type 'maxpool'"),
    ],
    # four un-padded 5×5 convs: 32 → 28 → 24 → 20 → 16, 16 of 32 rows lost; conv4's
    # kernel_size is line 44
    "shrinking-activation-map.toml": [
        ("AL003", "conv4", 44, 1, "shrink the height from 32 to 16 (50% lost)"),
    ],
    # stride 2 (line 15) with a 1×1 window: rows and columns 0, 2, 4, ...: one pixel in 2·2 = 4
    "stride-exceeds-kernel.toml": [
        ("AL008", "downsample.0", 15, 1, "reads 1 in 4 positions of the network input (25%)"),
    ],
    # line 4 is "height =": the value is missing at column 9, after "height" (1-6), a space, "="
    "syntax-error.toml": [
        ("AL901", None, 4, 9, ""),
    ],
    # ./.archlint.toml: max_params = 1,000,000. conv1 64·3·9 + 64 = 1,792; conv2 128·64·9 + 128
    # = 73,856; conv3 256·128·9 + 256 = 295,168; conv4 512·256·9 + 512 = 1,180,160; fc 512·10 +
    # 10 = 5,130: 1,556,106 in all, 156% of the budget; a whole-model finding, at [model] (line 3)
    "budget-exceeded/budget-exceeded.toml": [
        ("AL011", None, 3, 1, "parameters: 1,556,106 is over the budget of 1,000,000 (156% of it)"),
    ],
    # ./.archlint.toml selects lossy-input-size. Padded convs keep the size, each 2×2 pool
    # halves it: 100 → 50 → 25 → 12.5 at pool3, so a side must be a multiple of 8: 96 or 104.
    # AL012 is at [input] (line 6); pool3's header is line 42
    "lossy-input-size/lossy-input-size.toml": [
        (
            "AL012",
            None,
            6,
            1,
            "input height and width 100 lose input at pool3; the nearest sizes"
            " that lose nothing: 96 and 104",
        ),  # fmt: skip
        ("AL001", "pool3", 42, 1, "(25 − 2 + 2·0)/2 + 1 = 12.5"),
    ],
}


def check(relative: str) -> archlint.FileResult:
    """Check a sample with the config the command line would find for it."""
    path = BAD / relative
    found = archlint.find_config(path)
    config = archlint.load_config(found) if found else archlint.Config()
    return archlint.check(path, config=config)


def specs() -> set[str]:
    return {
        p.relative_to(BAD).as_posix()
        for p in BAD.rglob("*")
        if p.suffix in (".toml", ".json") and p.name != ".archlint.toml"
    }


def test_every_sample_is_counted_here():
    assert specs() == set(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_findings_are_the_hand_counted_ones(relative):
    result = check(relative)
    found = [(d.code, d.layer, d.line, d.column) for d in result.diagnostics]
    assert found == [expected[:4] for expected in EXPECTED[relative]]
    for d, (*_, words) in zip(result.diagnostics, EXPECTED[relative]):
        assert words in d.message, (d.message, words)


def test_one_failing_spec_per_rule_named_after_it():
    """The README: samples/bad holds one failing spec per rule; each fires the rule it names."""
    from archlint.diagnostics import GRAPH_ERROR, SCHEMA_ERROR, SYNTAX_ERROR

    rules, _ = archlint.installed_rules()
    built_in = [r for r in rules if r.origin == "built-in"]
    assert len(built_in) == 12
    for rule in [*built_in, SYNTAX_ERROR, SCHEMA_ERROR, GRAPH_ERROR]:
        named = [s for s in specs() if Path(s).stem == rule.name]
        assert len(named) == 1, rule.name
        assert rule.code in [d.code for d in check(named[0]).diagnostics], rule.name


def test_check_of_the_folder_finds_each_samples_config(monkeypatch):
    monkeypatch.chdir(SAMPLES.parent)
    result = CliRunner().invoke(main, ["check", "--format", "json", "samples/bad"])
    import json

    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert {"AL011", "AL012"} <= codes
    assert result.exit_code == 1

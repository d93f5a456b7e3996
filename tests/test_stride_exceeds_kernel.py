"""AL008 stride-exceeds-kernel: re-parameterisable blocks fold away; near misses do not.

RepVGG, MobileOne and ACNet train parallel convolutions of one input, each followed at most
by batch norm and summed by add, and fold them into one convolution for deployment: a 1×1
stride-2 branch beside a 3×3 stride-2 padding-1 conv is its centre tap and loses nothing.
"""

import pytest

import archlint
from conftest import SAMPLES, run

RULE = "stride-exceeds-kernel"


def flagged(result) -> list[str]:
    return [d.layer for d in result.diagnostics if d.rule == RULE]


def conv(name, inputs, out=16, kernel=3, stride=2, padding=1, **keys):
    return dict(name=name, type="conv2d", inputs=inputs, out_channels=out, kernel_size=kernel,
                stride=stride, padding=padding, bias=False, **keys)  # fmt: skip


def bn(name, inputs):
    return {"name": name, "type": "batchnorm2d", "inputs": inputs}


def block(*branches):
    """A 16-channel stem, the branches (lists of layers), an add of their last layers, a relu."""
    layers = [conv("stem", "input", stride=1), *(layer for branch in branches for layer in branch)]
    tails = [branch[-1]["name"] for branch in branches]
    return layers + [{"name": "add", "type": "add", "inputs": tails}, {"type": "relu"}]


def rep_3x3(name="b3", source="stem", **keys):
    return [conv(name, source, **keys), bn(f"{name}.bn", name)]


def rep_1x1(name="b1", source="stem", **keys):
    return [conv(name, source, **dict({"kernel": 1, "padding": 0}, **keys)), bn(f"{name}.bn", name)]


# --- blocks that fold into one convolution: quiet -------------------------------------------


def test_repvgg_block_with_stride_2_is_one_3x3_conv():
    result = run(block(rep_3x3(), rep_1x1()))
    assert result.diagnostics == []
    # the same 1×1 alone, or beside a branch it does not fold into, is reported
    assert flagged(
        run(block(rep_1x1(), [{"name": "other", "type": "relu", "inputs": "stem"}]))
    ) == ["b1"]


@pytest.mark.parametrize("groups", [1, 16])  # MobileOne's dense and depthwise blocks
def test_mobileone_block_with_several_3x3_branches_a_1x1_and_an_identity(groups):
    with_identity = block(
        *(rep_3x3(f"b3_{i}", stride=1, groups=groups) for i in range(3)),
        rep_1x1(stride=1, groups=groups),
        [bn("skip", "stem")],
    )
    assert run(with_identity).diagnostics == []
    stride_2 = block(*(rep_3x3(f"b3_{i}", groups=groups) for i in range(3)), rep_1x1(groups=groups))
    assert run(stride_2).diagnostics == []


def test_acnet_asymmetric_branches_and_a_bare_1x1_fold_too():
    acnet = block(
        rep_3x3(),
        rep_3x3("b13", kernel=[1, 3], padding=[0, 1]),
        rep_3x3("b31", kernel=[3, 1], padding=[1, 0]),
        [conv("b1", "stem", kernel=1, padding=0)],  # no batch norm: it folds as well
    )
    assert flagged(run(acnet)) == []


def test_the_folded_conv_is_judged_once_on_its_widest_branch():
    # a dilated 3×3 (taps −2, 0, 2) holds the 1×1's tap 0 but is itself sparse at stride 2
    dilated = block(rep_3x3(dilation=2, padding=2), rep_1x1())
    assert flagged(run(dilated)) == ["b3"]


# --- near misses that do not fold: reported ------------------------------------------------


def test_a_1x1_with_another_stride_than_the_3x3_is_reported():
    # on a 4×4 map a 3×3 stride-1 padding-0 conv and a 1×1 stride-2 conv both give 2×2
    layers = block(rep_3x3(stride=1, padding=0), rep_1x1())
    result = run(layers, channels=3, height=4, width=4)
    assert result.analysis.layers["add"].output == (16, 2, 2)
    assert flagged(result) == ["b1"]


def test_a_1x1_with_a_relu_before_the_add_is_reported():
    relu = rep_1x1() + [{"name": "b1.relu", "type": "relu", "inputs": "b1.bn"}]
    assert flagged(run(block(rep_3x3(), relu))) == ["b1"]
    bare = [conv("b1", "stem", kernel=1, padding=0), {"name": "b1.relu", "type": "relu"}]
    assert flagged(run(block(rep_3x3(), bare))) == ["b1"]


def test_a_1x1_whose_output_is_also_used_elsewhere_is_reported():
    layers = block(rep_3x3(), rep_1x1())
    layers[-1:] = [{"name": "probe", "type": "add", "inputs": ["add", "b1"]}, {"type": "relu"}]
    assert flagged(run(layers)) == ["b1"]


def test_a_1x1_off_the_3x3_window_is_reported():
    # 3×3 padding 0 and 1×1 padding 0 at stride 2: tap 0 is the corner, but 15 ≠ 16 outputs
    corner = run(block(rep_3x3(padding=0), rep_1x1()))
    assert flagged(corner) == ["b1"]
    assert "merge-mismatch" in [d.rule for d in corner.diagnostics]
    # a dilated 3×3 shifted by one (taps −1, 1, 3) gives 16 outputs too, but never reads tap 0
    shifted = block(rep_3x3(dilation=2, padding=[[1, 2], [1, 2]]), rep_1x1())
    result = run(shifted)
    assert result.analysis.layers["add"].output == (16, 16, 16)
    assert flagged(result) == ["b3", "b1"]


def test_a_1x1_reading_another_input_is_reported():
    other = rep_1x1(source="stem.relu")
    layers = block(rep_3x3(), other)
    layers.insert(1, {"name": "stem.relu", "type": "relu", "inputs": "stem"})
    assert flagged(run(layers)) == ["b1"]


def test_a_1x1_with_other_groups_channels_or_padding_values_is_reported():
    depthwise = block(rep_3x3(), rep_1x1(groups=16))
    assert flagged(run(depthwise)) == ["b1"]
    one_channel = run(block(rep_3x3(), rep_1x1(out=1)))  # add broadcasts it to 16
    assert one_channel.analysis.layers["add"].output == (16, 16, 16)
    assert flagged(one_channel) == ["b1"]
    # on 33 rows both give 17 outputs and tap −1 is the 3×3's corner, but the 1×1 pads with
    # zeros where the 3×3 reflects: they differ at the border
    reflect = rep_3x3(padding_mode="reflect")
    zeros = rep_1x1(padding=[[1, 0], [1, 0]])
    assert flagged(run(block(reflect, zeros), channels=3, height=33, width=33)) == ["b1"]
    same = rep_1x1(padding=[[1, 0], [1, 0]], padding_mode="reflect")
    assert flagged(run(block(reflect, same), channels=3, height=33, width=33)) == []


# --- what the message says ------------------------------------------------------------------


@pytest.mark.parametrize("network", ["resnet18", "resnet50"])
def test_resnet_projection_shortcuts_are_reported_and_the_main_branch_reads_the_rest(network):
    result = archlint.check(SAMPLES / "networks" / f"{network}.toml")
    found = [d for d in result.diagnostics if d.rule == RULE]
    assert [d.layer for d in found] == [f"layer{n}.0.downsample.0" for n in (2, 3, 4)]
    for d, n in zip(found, (2, 3, 4)):
        [source] = result.analysis.graph.predecessors(d.layer)
        assert d.severity == archlint.Severity.INFO
        assert d.message == (
            "stride 2 with a 1-wide window (kernel 1, stride 2): reads 1 in 4 positions of its"
            f" input '{source}' (25%); the other branch from it, 'layer{n}.0.conv1', reads the rest"
        )
        assert "ResNet-D" in d.help


def test_never_seen_only_where_nothing_reads_the_rest():
    lone = archlint.check(SAMPLES / "bad" / "stride-exceeds-kernel.toml")
    [d] = [d for d in lone.diagnostics if d.rule == RULE]
    assert d.message.endswith(
        "reads 1 in 4 positions of the network input (25%); nothing else reads it,"
        " so the rest are never seen"
    )
    # an input that is also an output of the network is seen, by whoever uses that output
    layers = [conv("stem", "input", stride=1), conv("b1", "stem", kernel=1, padding=0)]
    both = archlint.from_dict(
        {"model": {"outputs": ["stem", "b1"]}, "input": {"channels": 3, "height": 32, "width": 32},
         "layers": layers}
    )  # fmt: skip
    [d] = archlint.check(both).diagnostics
    assert d.message.endswith("'stem' (25%); the rest are never read by this layer")
    # two 1×1 branches fold into one 1×1, reported once; its sibling skips the same positions
    two = run(block(rep_1x1("a"), rep_1x1("b")))
    [d] = [d for d in two.diagnostics if d.rule == RULE]
    assert d.layer == "a" and d.message.endswith("; the rest are never read by this layer")


def test_a_slice_beside_the_shortcut_does_not_read_the_rest():
    spec = {
        "input": {"channels": 8, "height": 8, "width": 8},
        "layers": [
            {"name": "s", "type": "slice", "dim": 1, "end": 2, "inputs": "input"},
            {"name": "short", "type": "conv2d", "out_channels": 8, "kernel_size": 1,
             "stride": 2, "inputs": "input"},
        ],
        "model": {"outputs": ["s", "short"]},
    }  # fmt: skip
    [d] = archlint.check(archlint.from_dict(spec)).diagnostics
    assert d.code == "AL008" and "reads the rest" not in d.message


def pre_activation_block(main_kernel: int) -> dict:
    """A DPN-like block: the shortcut (1×1, stride 2) has its own batch norm and ReLU of the
    block input x; the main branch reads x through another batch norm, then a conv."""
    main = {"name": "m.conv", "type": "conv2d", "out_channels": 8, "kernel_size": main_kernel,
            "stride": 2, "padding": main_kernel // 2}  # fmt: skip
    return {
        "input": {"channels": 8, "height": 8, "width": 8},
        "layers": [
            {"name": "x", "type": "relu"},
            {"name": "s.bn", "type": "batchnorm2d"},
            {"name": "s.act", "type": "relu"},
            {"name": "s.conv", "type": "conv2d", "out_channels": 8, "kernel_size": 1,
             "stride": 2},
            {"name": "m.bn", "type": "batchnorm2d", "inputs": "x"},
            main,
            {"name": "sum", "type": "add", "inputs": ["s.conv", "m.conv"]},
        ],
    }  # fmt: skip


def test_a_pre_activation_shortcut_is_seen_from_where_the_branches_part():
    # the main branch's 3×3 conv reads every position of x
    [d] = archlint.check(archlint.from_dict(pre_activation_block(3))).diagnostics
    assert d.code == "AL008" and "the other branch from 'x', 'm.bn', reads the rest" in d.message


def test_two_sparse_branches_do_not_cover_each_other():
    # each branch's batch norm passes its input on to a 1×1 stride-2 conv: 3/4 never read
    found = archlint.check(archlint.from_dict(pre_activation_block(1))).diagnostics
    assert sorted(d.layer for d in found) == ["m.conv", "s.conv"]
    assert not any("reads the rest" in d.message for d in found)

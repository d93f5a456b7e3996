"""Shapes and parameter counts of single layers, against values PyTorch is known to produce.

The expected numbers are PyTorch's answers for these configurations (as torch.nn gives them),
not archlint's formula written again; the differential test covers thousands more.
"""

import pytest

from conftest import codes, run


def out(layer: dict, **input_) -> tuple:
    result = run([dict(layer, name="x")], **input_)
    return result.analysis.layers["x"].output


def params(layer: dict, **input_) -> int:
    return run([dict(layer, name="x")], **input_).analysis.layers["x"].params


@pytest.mark.parametrize(
    "layer,size,expected",
    [
        # nn.MaxPool2d(3, 2, ceil_mode=True) on 6x6 -> 3x3 (ceil keeps the partial last window)
        ({"type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True}, 6, 3),
        ({"type": "maxpool2d", "kernel_size": 3, "stride": 2}, 6, 2),
        # the last window would start in the right padding: PyTorch drops it (5 -> 3, not 4)
        (
            {"type": "maxpool2d", "kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
            5,
            3,
        ),
        (
            {"type": "avgpool2d", "kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
            5,
            3,
        ),
        # SqueezeNet's pool: MaxPool2d(3, 2, ceil_mode=True) on 109 -> 54
        ({"type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True}, 109, 54),
        # dilation 2 makes a 3x3 window 5 wide: 32 -> 28
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "dilation": 2}, 32, 28),
        ({"type": "maxpool2d", "kernel_size": 3, "stride": 1, "dilation": 2}, 32, 28),
        # 'same' keeps the size for even kernels and dilation, at stride 1
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 4, "padding": "same"}, 7, 7),
        (
            {
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": 3,
                "dilation": 3,
                "padding": "same",
            },
            9,
            9,
        ),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 5, "padding": "valid"}, 9, 5),
        # ConvTranspose2d(k=3, s=2, p=1, output_padding=1) doubles: 16 -> 32
        (
            {
                "type": "conv_transpose2d",
                "out_channels": 8,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            },
            16,
            32,
        ),
        ({"type": "conv_transpose2d", "out_channels": 8, "kernel_size": 2, "stride": 2}, 16, 32),
        ({"type": "conv_transpose2d", "out_channels": 8, "kernel_size": 3, "dilation": 2}, 10, 14),
        ({"type": "upsample", "scale_factor": 2}, 7, 14),
        ({"type": "upsample", "scale_factor": 1.5}, 7, 10),
        ({"type": "upsample", "size": 20}, 7, 20),
        ({"type": "adaptive_avgpool2d", "output_size": [6, 6]}, 13, 6),
        ({"type": "global_avgpool"}, 13, 1),
    ],
)
def test_2d_output_sizes(layer, size, expected):
    shape = out(layer, channels=3, height=size, width=size)
    assert shape[1:] == (expected, expected)


def test_1d_and_3d_layers_share_the_arithmetic():
    assert out(
        {"type": "conv1d", "out_channels": 8, "kernel_size": 5, "stride": 2}, channels=2, length=100
    ) == (8, 48)
    assert out({"type": "maxpool1d", "kernel_size": 2}, channels=2, length=9) == (2, 4)
    assert out(
        {"type": "conv3d", "out_channels": 4, "kernel_size": [3, 3, 3], "padding": [1, 0, 0]},
        channels=1,
        depth=8,
        height=10,
        width=12,
    ) == (4, 8, 8, 10)
    assert (
        params(
            {"type": "conv3d", "out_channels": 4, "kernel_size": 3},
            channels=2,
            depth=8,
            height=8,
            width=8,
        )
        == 4 * 2 * 27 + 4
    )
    assert out({"type": "batchnorm1d"}, channels=5, length=7) == (5, 7)
    assert out({"type": "batchnorm1d"}, features=16) == (16,)


def test_rectangular_kernels_strides_and_paddings():
    layer = {
        "type": "conv2d",
        "out_channels": 4,
        "kernel_size": [3, 5],
        "stride": [1, 2],
        "padding": [1, 2],
    }
    assert out(layer, channels=3, height=20, width=31) == (4, 20, 16)
    assert params(layer) == 4 * 3 * 15 + 4


@pytest.mark.parametrize(
    "layer,expected",
    [
        ({"type": "conv2d", "out_channels": 64, "kernel_size": 7, "bias": False}, 64 * 32 * 49),
        (
            {"type": "conv2d", "out_channels": 32, "kernel_size": 3, "groups": 32, "bias": False},
            288,
        ),
        ({"type": "conv2d", "out_channels": 64, "kernel_size": 1, "groups": 4}, 64 * 8 + 64),
        (
            {"type": "conv_transpose2d", "out_channels": 16, "kernel_size": 2, "stride": 2},
            32 * 16 * 4 + 16,
        ),
        (
            {"type": "conv_transpose2d", "out_channels": 16, "kernel_size": 3, "groups": 4},
            32 * 4 * 9 + 16,
        ),
        ({"type": "batchnorm2d"}, 64),
        ({"type": "batchnorm2d", "affine": False}, 0),
        ({"type": "prelu", "num_parameters": 32}, 32),
        ({"type": "maxpool2d", "kernel_size": 2}, 0),
    ],
)
def test_parameter_counts(layer, expected):
    assert params(layer, channels=32, height=8, width=8) == expected


def test_linear_acts_on_the_last_axis_like_pytorch():
    result = run(
        [{"type": "linear", "name": "fc", "out_features": 10}], channels=4, height=6, width=5
    )
    fc = result.analysis.layers["fc"]
    assert fc.output == (4, 6, 10) and fc.params == 5 * 10 + 10
    assert codes(result) == ["feature-mismatch"]


def test_concat_adds_channels_and_add_keeps_shape():
    result = run(
        [
            {"name": "a", "type": "conv2d", "out_channels": 8, "kernel_size": 1, "inputs": "input"},
            {
                "name": "b",
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": 3,
                "padding": 1,
                "inputs": ["input"],
            },
            {"name": "cat", "type": "concat", "inputs": ["a", "b", "input"]},
            {"name": "se", "type": "global_avgpool"},
            {"name": "scale", "type": "mul", "inputs": ["cat", "se"]},
        ]
    )
    layers = result.analysis.layers
    assert layers["cat"].output == (15, 32, 32)
    assert layers["scale"].output == (15, 32, 32)
    assert result.diagnostics == []


@pytest.mark.parametrize(
    "layer,rule",
    [
        (
            {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"},
            "padding-mismatch",
        ),
        ({"type": "maxpool2d", "kernel_size": 3, "padding": 2}, "padding-mismatch"),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "groups": 2}, "channel-mismatch"),
        (
            {"type": "conv2d", "out_channels": 3, "kernel_size": 3, "groups": 3, "in_channels": 6},
            "channel-mismatch",
        ),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 40}, "collapsed-activation-map"),
        ({"type": "maxpool2d", "kernel_size": 64, "stride": 1}, "collapsed-activation-map"),
        (
            {
                "type": "conv_transpose2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "output_padding": 2,
            },
            "shape-error",
        ),
        (
            {"type": "conv_transpose2d", "out_channels": 4, "kernel_size": 1, "padding": 20},
            "collapsed-activation-map",
        ),
        ({"type": "batchnorm2d", "num_features": 4}, "channel-mismatch"),
        ({"type": "conv1d", "out_channels": 4, "kernel_size": 3}, "shape-error"),
    ],
)
def test_what_pytorch_refuses_is_an_error_on_that_layer(layer, rule):
    result = run([dict(layer, name="x")])
    errors = [d for d in result.diagnostics if d.severity == 3]
    assert [(d.rule, d.layer) for d in errors][:1] == [(rule, "x")]


def test_unknown_shapes_propagate_and_the_rest_is_still_checked():
    result = run(
        [
            {"name": "dead", "type": "conv2d", "out_channels": 4, "kernel_size": 64},
            {"name": "after", "type": "relu"},
            {
                "name": "ok",
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 3,
                "inputs": ["input"],
            },
            {"name": "merge", "type": "concat", "inputs": ["after", "ok"]},
        ],
        channels=3,
        height=32,
        width=32,
    )
    layers = result.analysis.layers
    assert layers["after"].output is None and layers["merge"].output is None
    assert layers["ok"].output == (4, 10, 10)
    assert sorted(codes(result)) == ["collapsed-activation-map", "non-integer-output"]


def test_asymmetric_padding_per_axis():
    result = run(
        [{"name": "c", "type": "conv2d", "out_channels": 1, "kernel_size": 2, "stride": 2, "padding": [[0, 1], [0, 1]]},
         {"name": "p", "type": "maxpool2d", "kernel_size": 2, "padding": [1, [0, 1]]}],
        channels=1, height=5, width=5,
    )  # fmt: skip
    c, p = result.analysis.layers["c"], result.analysis.layers["p"]
    assert c.output == (1, 3, 3) and c.axes[0].formula() == "(5 − 2 + 0 + 1)/2 + 1 = 3"
    assert p.output == (1, 2, 2)  # height (3 + 2 − 2)/2 + 1 = 2.5 → 2; width (3 + 1 − 2)/2 + 1 = 2
    assert [d.rule for d in result.diagnostics] == []  # only padding goes unread on the height


def test_a_padding_pair_of_the_wrong_length_is_a_schema_error():
    import archlint

    doc = archlint.from_dict({"input": {"channels": 1, "height": 5, "width": 5},
                              "layers": [{"name": "c", "type": "conv2d", "out_channels": 1, "kernel_size": 2, "padding": [[0, 1, 2], [0, 1]]}]})  # fmt: skip
    assert any(p.message.startswith("padding[0]: ") for p in doc.problems)

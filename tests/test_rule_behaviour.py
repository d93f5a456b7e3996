"""Rule behaviour beyond the documentation examples: edge cases and what must stay quiet."""

from conftest import codes, run


def messages(result, rule: str) -> list[str]:
    return [d.message for d in result.diagnostics if d.rule == rule]


def test_padding_so_large_that_rows_see_only_zeros():
    result = run(
        [{"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 4}]
    )
    [message] = messages(result, "padding-mismatch")
    assert (
        "padding 4 with a 3-wide window: the first 2 and the last 2 output rows see only padding"
        in message
    )
    quiet = run(
        [{"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 2}]
    )
    assert codes(quiet) == []


def test_same_padding_on_an_even_kernel_is_asymmetric():
    result = run(
        [{"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 2, "padding": "same"}]
    )
    assert messages(result, "padding-mismatch") == [
        "padding = 'same' with the 2-wide window on the height axis pads 0 before and 1 after:"
        " the output is shifted by half a pixel"
    ]


def test_out_of_step_padding_needs_size_keeping_neighbours_on_both_sides():
    conv = {"type": "conv2d", "out_channels": 8, "kernel_size": 3}
    lonely = run([dict(conv, name="a", padding=1), dict(conv, name="b")])
    assert codes(lonely) == []  # nothing after it to be out of step with
    stage = run([dict(conv, name="a", padding=1), {"type": "relu"}, dict(conv, name="b", bias=False),
                 {"type": "batchnorm2d"}, dict(conv, name="c", padding=1)])  # fmt: skip
    assert [(d.rule, d.layer) for d in stage.diagnostics] == [("padding-mismatch", "b")]


def test_shrinking_threshold_option_and_chains_broken_by_down_sampling():
    import archlint

    conv = {"type": "conv2d", "out_channels": 4, "kernel_size": 5}
    layers = [
        dict(conv, name="a"),
        dict(conv, name="b"),
        dict(conv, name="c"),
        dict(conv, name="d"),
    ]
    assert (
        "a → b → c → d shrink the height from 32 to 16 (50% lost)"
        in messages(run(layers), "shrinking-activation-map")[0]
    )
    loose = archlint.parse_config({"rules": {"shrinking-activation-map": {"threshold": 0.6}}})
    doc = archlint.from_dict(
        {"input": {"channels": 3, "height": 32, "width": 32}, "layers": layers}
    )
    assert archlint.check(doc, config=loose).diagnostics == []
    pooled = layers[:2] + [{"name": "pool", "type": "maxpool2d", "kernel_size": 2}] + layers[2:]
    [message] = messages(run(pooled), "shrinking-activation-map")  # 32→24, pool, 12→4
    assert message.startswith("c → d shrink the height from 12 to 4")


def test_stride_exceeds_kernel_counts_dilated_taps_exactly():
    dilated = run(
        [
            {
                "name": "c",
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": 3,
                "dilation": 2,
                "stride": 2,
                "padding": 2,
            }
        ]
    )
    [message] = messages(dilated, "stride-exceeds-kernel")
    assert "reads 1 in 4 positions of the network input (25%)" in message
    fine = run(
        [
            {
                "name": "c",
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": 3,
                "dilation": 2,
                "stride": 3,
                "padding": 2,
            }
        ]
    )
    assert codes(fine) == []  # taps 0, 2, 4 cover every residue modulo 3


def test_non_integer_output_quiet_when_only_padding_is_dropped_or_ceil_mode():
    stem = run([{"name": "c", "type": "conv2d", "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3, "bias": False}],
               channels=3, height=224, width=224)  # fmt: skip
    assert stem.analysis.layers["c"].axes[0].formula() == "(224 − 7 + 2·3)/2 + 1 = 112.5"
    assert codes(stem) == []
    ceil = run([{"name": "p", "type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True}],
               channels=3, height=110, width=110)  # fmt: skip
    assert codes(ceil) == []
    floor = run(
        [{"name": "p", "type": "maxpool2d", "kernel_size": 3, "stride": 2}],
        channels=3,
        height=110,
        width=110,
    )
    [d] = floor.diagnostics
    assert d.help.startswith("ceil_mode = true keeps the partial last window")


def test_add_broadcasting_follows_pytorch_with_the_batch_axis():
    gap = {"name": "gap", "type": "global_avgpool"}
    # a per-channel term (C, 1, 1) added to the map, as GCNet does: deliberate, quiet
    assert codes(run([gap, {"name": "sum", "type": "add", "inputs": ["input", "gap"]}])) == []
    # a row (C, H, 1) added to the map: it runs, but it is almost surely a mistake
    rows = {"name": "rows", "type": "adaptive_avgpool2d", "output_size": [None, 1]}
    [d] = run([rows, {"name": "sum", "type": "add", "inputs": ["input", "rows"]}]).diagnostics
    assert (d.rule, d.severity, d.message) == (
        "merge-mismatch",
        2,
        "add broadcasts (3, 32, 32), (3, 32, 1) to (3, 32, 32)",
    )
    # a vector (C,) against a (C, H, W) map: (N, C) against (N, C, H, W) in PyTorch, refused
    flat = [
        gap,
        {"name": "vec", "type": "flatten"},
        {"name": "sum", "type": "add", "inputs": ["input", "vec"]},
    ]
    assert (
        codes(run(flat)) == ["merge-mismatch"] and run(flat).analysis.layers["sum"].output is None
    )
    mul = [gap, {"name": "scale", "type": "mul", "inputs": ["input", "gap"]}]
    assert codes(run(mul)) == []


def test_reflect_padding_must_be_smaller_than_the_input():
    reflect = {
        "name": "c",
        "type": "conv2d",
        "out_channels": 4,
        "kernel_size": 3,
        "padding": 4,
        "padding_mode": "reflect",
    }
    assert codes(run([reflect], channels=3, height=4, width=4)) == ["shape-error"]
    assert codes(run([dict(reflect, padding=1)], channels=3, height=4, width=4)) == []
    circular = dict(reflect, padding_mode="circular")
    assert (
        codes(run([circular], channels=3, height=4, width=4)) == []
    )  # 4 ≤ 4; and no "zeros" warning


def test_bias_before_batchnorm_only_when_every_reader_is_batchnorm():
    conv = {"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 1}
    branch = run([conv, {"name": "bn", "type": "batchnorm2d"},
                  {"name": "side", "type": "relu", "inputs": ["c"]},
                  {"name": "cat", "type": "concat", "inputs": ["bn", "side"]}])  # fmt: skip
    assert codes(branch) == []
    assert codes(run([dict(conv, bias=False), {"type": "batchnorm2d"}])) == []


def test_one_unpadded_layer_reducing_a_map_to_a_vector_is_not_shrinking():
    # LeNet-5's C5, FCN's fc6, a DCGAN discriminator's head: a map reduced to 1×1 on purpose
    c5 = run(
        [{"name": "c5", "type": "conv2d", "out_channels": 120, "kernel_size": 5}],
        channels=16,
        height=5,
        width=5,
    )
    assert codes(c5) == []
    head = [{"name": "a", "type": "conv2d", "out_channels": 8, "kernel_size": 3},
            {"name": "b", "type": "conv2d", "out_channels": 8, "kernel_size": 3}]  # fmt: skip
    assert codes(run(head, channels=3, height=5, width=5)) == []  # 5 → 3 → 1: ends at a vector
    assert codes(run(head, channels=3, height=7, width=7)) == ["shrinking-activation-map"]  # 7 → 3


def test_upsample_refusals_follow_pytorch():
    import archlint

    def one(layer):
        doc = archlint.from_dict(
            {"input": {"channels": 3, "height": 7, "width": 7}, "layers": [dict(layer, name="u")]}
        )
        return (
            [p.message for p in doc.problems]
            if doc.spec is None
            else [(d.rule, d.message) for d in archlint.check(doc).diagnostics]
        )

    assert one({"type": "upsample"}) == ["give exactly one of scale_factor and size"]
    assert one({"type": "upsample", "scale_factor": 0.1}) == [
        ("collapsed-activation-map", "scale_factor 0.1 gives an output of 0×0")
    ]
    assert one({"type": "upsample", "scale_factor": [2, 2, 2]}) == [
        ("shape-error", "3 values of scale_factor for 2 spatial axes")
    ]
    assert one({"type": "upsample", "scale_factor": 2, "mode": "trilinear"}) == [
        ("shape-error", "mode 'trilinear' needs 3 spatial axes, got 2")
    ]
    assert one({"type": "upsample", "scale_factor": 2, "align_corners": True}) == [
        "align_corners only applies to linear, bilinear, bicubic and trilinear"
    ]
    assert (
        one({"type": "upsample", "scale_factor": 2, "mode": "bilinear", "align_corners": True})
        == []
    )


def test_linear_bias_before_batchnorm1d_only_on_vectors():
    fc = {"name": "fc", "type": "linear", "out_features": 32}
    vector = run([fc, {"type": "batchnorm1d"}], features=64)
    assert [(d.rule, d.message) for d in vector.diagnostics] == [
        (
            "bias-before-batchnorm",
            "the bias (32 parameters) is cancelled by batchnorm1d_1, which subtracts the mean right after",
        )
    ]
    assert "bias-before-batchnorm" not in codes(
        run([fc, {"type": "batchnorm1d"}], channels=16, length=8)
    )  # bias along L


def test_fc_parameter_dominance_fires_at_55_percent_and_not_at_45_by_default():
    def network(c_in: int, c_mid: int, out_features: int):
        # a 1×1 conv without bias holds c_in·c_mid parameters, the linear layer c_mid·out_features
        return run(
            [{"name": "conv", "type": "conv2d", "out_channels": c_mid, "kernel_size": 1, "bias": False},
             {"type": "flatten"},
             {"name": "fc", "type": "linear", "out_features": out_features, "bias": False}],
            channels=c_in, height=1, width=1,
        )  # fmt: skip

    # 900·1000 = 900,000 in the conv, 1000·1100 = 1,100,000 in fc: fc holds 55% of 2,000,000
    dominant = network(900, 1000, 1100)
    assert dominant.analysis.total_params == 2_000_000
    assert messages(dominant, "fc-parameter-dominance") == [
        "holds 1,100,000 of the network's 2,000,000 parameters (55%)"
    ]
    # 1100·2000 = 2,200,000 in the conv, 2000·900 = 1,800,000 in fc: 45% of 4,000,000, and
    # still over min_params (1,000,000), so only the share keeps it quiet
    shared = network(1100, 2000, 900)
    assert shared.analysis.total_params == 4_000_000
    assert codes(shared) == []


def test_fc_parameter_dominance_counts_a_layer_of_exactly_min_params_and_needs_a_conv():
    # a 1×1 conv from 1 to 1,000 channels (1,000 weights), then fc of 1,000·1,000 = 1,000,000
    # weights: exactly min_params (1,000,000 by default), which "smaller layers" does not exclude
    conv = {"name": "conv", "type": "conv2d", "out_channels": 1000, "kernel_size": 1, "bias": False}
    fc = {"name": "fc", "type": "linear", "out_features": 1000, "bias": False}
    at_the_limit = run([dict(conv, out_channels=1000), {"type": "flatten"}, fc],
                       channels=1, height=1, width=1)  # fmt: skip
    assert at_the_limit.analysis.layers["fc"].params == 1_000_000
    assert messages(at_the_limit, "fc-parameter-dominance") == [
        "holds 1,000,000 of the network's 1,001,000 parameters (100%)"
    ]
    # 999·1,001 = 999,999 weights: one short of min_params, never reported
    below = run([dict(conv, out_channels=999), {"type": "flatten"}, dict(fc, out_features=1001)],
                channels=1, height=1, width=1)  # fmt: skip
    assert below.analysis.layers["fc"].params == 999_999 and codes(below) == []
    # exactly half, share = 0.5: a layer "may hold" that share, so it is not reported
    half = run([dict(conv, out_channels=1000), {"type": "flatten"}, fc],
               channels=1000, height=1, width=1)  # fmt: skip
    assert half.analysis.total_params == 2 * half.analysis.layers["fc"].params == 2_000_000
    assert codes(half) == []
    # no convolution at all: a multi-layer perceptron is all fully connected layers, by design
    mlp = run([{"name": "fc1", "type": "linear", "out_features": 2000, "bias": False},
               {"name": "fc2", "type": "linear", "out_features": 10}], features=1000)  # fmt: skip
    assert mlp.analysis.layers["fc1"].params == 2_000_000 and codes(mlp) == []

"""Every worked number of the lecture (../shared/seed/README.md) comes out of archlint."""

from fractions import Fraction

import archlint
from conftest import SAMPLES, codes, run


def layer(path: str, name: str) -> archlint.LayerResult:
    result = archlint.check(SAMPLES / "lecture" / path)
    return result.analysis.layers[name]


def test_ten_5x5_filters_give_32x32x10_with_760_parameters():
    conv = layer("ten_5x5_filters.toml", "conv")
    assert conv.output == (10, 32, 32)
    assert conv.params == 760
    assert conv.axes[0].formula() == "(32 − 5 + 2·2)/1 + 1 = 32"


def test_fc_equivalent_needs_31467520_parameters():
    assert layer("fc_equivalent.toml", "fc").params == 31_467_520
    assert layer("fc_equivalent.toml", "fc").output == (10240,)


def test_a_3x3x3_filter_is_28_numbers_and_gives_30x30():
    f = layer("single_filter.toml", "filter")
    assert (f.params, f.output) == (28, (1, 30, 30))


def test_7x7_strides_1_2_3_and_padding():
    assert layer("strides_7x7.toml", "stride1").output == (1, 5, 5)
    assert layer("strides_7x7.toml", "stride2").output == (1, 3, 3)
    stride3 = layer("strides_7x7.toml", "stride3")
    assert stride3.axes[0].exact == Fraction(7, 3)
    assert stride3.axes[0].formula() == "(7 − 3 + 2·0)/3 + 1 = 2.33"
    assert layer("strides_7x7.toml", "padded").output == (1, 7, 7)


def test_stride_3_on_7x7_is_reported_with_the_arithmetic():
    result = archlint.check(SAMPLES / "lecture" / "strides_7x7.toml")
    [d] = result.diagnostics
    assert (d.rule, d.layer) == ("non-integer-output", "stride3")
    assert "(7 − 3 + 2·0)/3 + 1 = 2.33" in d.message
    assert "floor it to 2" in d.note
    assert d.help.startswith("stride = 2 gives 3 exactly; or padding = 1 gives 3 exactly")
    # on request, the whole network's view: which input sizes would lose nothing
    config = archlint.parse_config({"extend-select": ["lossy-input-size"]})
    network = archlint.check(SAMPLES / "lecture" / "strides_7x7.toml", config=config).diagnostics[0]
    assert (
        network.message
        == "input height and width 7 lose input at stride3; the nearest sizes that lose nothing: 3 and 9"
    )


def test_six_1x1_filters_give_32x32x6_with_24_parameters():
    conv = layer("one_by_one.toml", "conv")
    assert (conv.output, conv.params) == ((6, 32, 32), 24)


def test_pooling_keeps_depth_and_has_no_parameters():
    for name in ("max", "avg"):
        pool = layer("pooling.toml", name)
        assert (pool.output, pool.params) == ((64, 112, 112), 0)


def test_unpadded_stack_shrinks_and_is_reported():
    result = archlint.check(SAMPLES / "lecture" / "no_padding_stack.toml")
    sizes = [r.output[1] for r in result.analysis.layers.values() if r.type == "conv2d"]
    assert sizes == [28, 24, 20, 16]
    assert codes(result) == ["shrinking-activation-map"]


def test_conv_is_an_fc_layer_with_zeros_outside_the_window():
    """The same mapping as a conv has 760 weights, as an fc layer 31,467,520."""
    conv = run([{"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}])
    fc = run([{"type": "flatten"}, {"type": "linear", "out_features": 10 * 32 * 32}])
    assert conv.analysis.total_params == 760
    assert fc.analysis.total_params == 31_467_520

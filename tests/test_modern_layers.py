"""The newer layer types beyond their arithmetic (which test_layer_types_torch.py checks against
PyTorch): how rules, receptive fields and the graph treat them."""

import archlint
from archlint import Severity
from archlint.receptive import receptive_fields

MAP = {"channels": 8, "height": 16, "width": 16}


def check(layers: list[dict], input: dict = MAP):
    doc = archlint.from_dict({"input": input, "layers": layers})
    assert doc.spec is not None, doc.problems
    return archlint.check(doc)


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_a_channels_last_mlp_is_not_a_linear_on_a_map():
    # ConvNeXt's block: the permute puts the channels last on purpose
    mlp = [
        {"name": "nhwc", "type": "permute", "dims": [1, 2, 0]},
        {"name": "ln", "type": "layernorm", "normalized_shape": 8},
        {"name": "fc1", "type": "linear", "out_features": 32},
        {"type": "gelu"},
        {"name": "fc2", "type": "linear", "out_features": 8},
        {"name": "nchw", "type": "permute", "dims": [2, 0, 1]},
    ]
    assert codes(check(mlp)) == []
    # without the permute the linear layers act on the width: reported, as before
    assert codes(check(mlp[2:5])) == ["AL006", "AL006"]


def test_receptive_fields_follow_the_axes_through_a_permute():
    conv = {"name": "dw", "type": "conv2d", "out_channels": 8, "kernel_size": [7, 3],
            "padding": [3, 1], "groups": 8}  # fmt: skip
    permuted = [
        conv,
        {"name": "nhwc", "type": "permute", "dims": [1, 2, 0]},
        {"name": "fc", "type": "linear", "out_features": 8},
        {"name": "nchw", "type": "permute", "dims": [2, 0, 1]},
        {"name": "pool", "type": "maxpool2d", "kernel_size": [2, 3]},
    ]
    plain = [conv, {"name": "nchw", "type": "conv2d", "out_channels": 8, "kernel_size": 1},
             permuted[-1]]  # fmt: skip
    fields = receptive_fields(check(permuted).analysis)
    expected = receptive_fields(check(plain).analysis)
    assert fields["nhwc"] == fields["fc"] == expected["dw"]
    assert fields["pool"] == expected["pool"]
    # height (7 then 2) and width (3 then 3) stay apart: the axes were not swapped
    assert [f.size for f in fields["pool"]] == [8, 5]


def test_a_flattened_network_axis_has_no_field():
    layers = [{"name": "hw", "type": "reshape", "shape": [8, 256]},
              {"name": "m", "type": "mean", "dim": 1}]  # fmt: skip
    assert receptive_fields(check(layers).analysis) == {}


def test_add_of_a_value_takes_one_input_and_concat_takes_one_or_more():
    assert codes(check([{"type": "add", "value": 1.0}])) == []
    two = [{"name": "a", "type": "relu"},
           {"type": "mul", "value": 0.5, "inputs": ["input", "a"]}]  # fmt: skip
    assert "AL903" in codes(check(two))
    assert codes(check([{"type": "add"}])) == ["AL903"]  # an add of one input, no value
    one = check([{"name": "cat", "type": "concat", "inputs": ["input"]}])
    assert codes(one) == [] and one.analysis.layers["cat"].output == (8, 16, 16)


def test_a_declared_size_pytorch_does_not_use_is_a_warning():
    unused = check([{"type": "instancenorm2d", "num_features": 4}])
    used = check([{"type": "instancenorm2d", "num_features": 4, "affine": True}])
    assert [(d.code, d.severity) for d in unused.diagnostics] == [("AL005", Severity.WARNING)]
    assert [(d.code, d.severity) for d in used.diagnostics] == [("AL005", Severity.ERROR)]


def test_layernorm_over_a_maps_channels_says_how():
    [d] = check([{"name": "ln", "type": "layernorm", "normalized_shape": 8}]).diagnostics
    assert d.code == "AL905" and "(8, 16, 16)" in d.message
    assert "permute dims = [1, 2, 0]" in d.help


def test_broadcasting_never_mixes_the_batch_into_a_sample():
    # with the batch, (N, 8) + (N, 1, 8) is (N, N, 8): refused, never a shape with -1 in it
    layers = [{"name": "flat", "type": "flatten"},
              {"name": "sum", "type": "add", "inputs": ["flat", "input"]}]  # fmt: skip
    result = check(layers, {"channels": 1, "length": 8})
    assert codes(result) == ["AL007"] and result.analysis.layers["sum"].output is None
    assert "meeting the batch axis" in result.diagnostics[0].message


def test_softmax_checks_its_dim():
    layers = [{"type": "flatten"}, {"name": "sm", "type": "softmax", "dim": 1}]
    [d] = check(layers).diagnostics  # (2048,) has dim 0 or -1 only
    assert (d.code, d.layer) == ("AL905", "sm") and "dim 1 is out of range" in d.message


def test_dims_written_as_pytorch_counts_them_get_a_hint():
    [mean] = check([{"type": "mean", "dim": [2, 3]}]).diagnostics
    assert mean.code == "AL905" and "(dim = [1, 2])" in mean.help
    [permute] = check([{"type": "permute", "dims": [0, 2, 3, 1]}]).diagnostics
    assert permute.help.startswith("dims = [1, 2, 0]")


def test_a_bias_before_instance_norm_is_cancelled_too():
    conv = {"name": "conv", "type": "conv2d", "out_channels": 8, "kernel_size": 3}
    assert codes(check([conv, {"type": "instancenorm2d"}])) == ["AL010"]
    assert codes(check([conv, {"type": "groupnorm", "num_groups": 2}])) == []  # not per channel
    assert codes(check([{"type": "layernorm", "normalized_shape": 16},
                        {"type": "batchnorm2d"}])) == []  # fmt: skip


def test_a_merge_that_reads_one_branch_twice_has_the_union_field():
    # c read twice and a global gate g: the field is c's union with g's (the whole map), and
    # moves as c's does (jump 1), whatever the order of the inputs
    layers = [{"name": "c", "type": "conv2d", "out_channels": 8, "kernel_size": 3},
              {"name": "g", "type": "global_avgpool", "inputs": "input"},
              {"name": "m", "type": "mul", "inputs": ["c", "c", "g"]},
              {"name": "n", "type": "mul", "inputs": ["g", "c", "c"]}]  # fmt: skip
    fields = receptive_fields(check(layers).analysis)
    assert fields["m"] == fields["n"] and {f.jump for f in fields["m"]} == {1}


def test_schema_errors_of_a_layer_type_named_like_its_key():
    # the type `pad` has a key `pad`: errors still name the key at fault, on its line
    text = '[input]\nchannels = 3\nheight = 8\nwidth = 8\n\n[[layers]]\ntype = "pad"\npad = [1, 1]\nmode = "zeros"\nbogus = 1\n'
    found = archlint.check(archlint.loads(text)).diagnostics
    assert [(d.line, d.message.split(":")[0]) for d in found] == [
        (9, "mode"), (10, "unknown key 'bogus' in pad layer")]  # fmt: skip
    [missing] = archlint.check(archlint.loads(text.replace("pad = [1, 1]\n", ""))).diagnostics[:1]
    assert missing.message.startswith("missing key 'pad'")


def test_a_reshape_that_counts_the_batch_gets_a_hint_where_it_fails():
    layers = [{"type": "reshape", "shape": [-1, 8, 16, 16]},
              {"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 3}]  # fmt: skip
    [d] = check(layers).diagnostics
    assert (d.code, d.layer) == ("AL905", "c") and "counts the batch" in d.help


def test_a_linear_over_vit_style_tokens_is_not_a_feature_mismatch():
    layers = [{"type": "flatten", "start_dim": 1}, {"type": "permute", "dims": [1, 0]},
              {"name": "fc", "type": "linear", "out_features": 16}]  # fmt: skip
    assert codes(check(layers)) == []
    assert codes(check([{"type": "flatten", "start_dim": 1},
                        {"name": "fc", "type": "linear", "out_features": 16}])) == []  # fmt: skip

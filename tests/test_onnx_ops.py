"""ONNX operators and patterns of modern CNNs, one small model each, built with onnx.helper.

Each model's output shape comes from onnx.reference.ReferenceEvaluator, which really runs it;
its parameters are the learnt initializers named in the case (weights, biases, normalisation
scales and shifts), counted here from their dims. archlint must model every node (no
unsupported-op), give that shape and those parameters, and convert to a spec that checks the
same. The node names follow PyTorch's exporter, so the layer names are module paths.
"""

from __future__ import annotations

from math import prod

import numpy as np
import pytest

import archlint
from conftest import import_or_skip

onnx = import_or_skip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from archlint.convert import convert  # noqa: E402

INT64_MAX = 2**63 - 1


def W(name: str, *dims: int) -> TensorProto:
    rng = np.random.default_rng(len(name) + sum(dims))
    return numpy_helper.from_array(rng.standard_normal(dims).astype(np.float32), name)


def C(name: str, values, dtype=np.float32) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def I(name: str, values) -> TensorProto:  # noqa: E743
    return C(name, values, np.int64)


def N(op: str, inputs, outputs=("y",), name: str = "", **attrs):
    return helper.make_node(op, list(inputs), list(outputs), name=name or None, **attrs)


def make(nodes, x_shape, inits=(), opset=17, outputs=("y",)):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        initializer=list(inits),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def erf_gelu(x: str, y: str, scope: str) -> list:
    """F.gelu as PyTorch's exporter writes it before opset 20: x · ½ · (1 + erf(x / √2))."""
    return [
        N("Div", [x, "sqrt2"], [f"{scope}d"], name=f"{scope}/Div"),
        N("Erf", [f"{scope}d"], [f"{scope}e"], name=f"{scope}/Erf"),
        N("Add", [f"{scope}e", "one"], [f"{scope}a"], name=f"{scope}/Add"),
        N("Mul", [x, f"{scope}a"], [f"{scope}m"], name=f"{scope}/Mul"),
        N("Mul", [f"{scope}m", "half"], [y], name=f"{scope}/Mul_1"),
    ]


GELU_CONSTS = [C("sqrt2", 1.4142135381698608), C("one", 1.0), C("half", 0.5)]
X = [1, 8, 6, 6]

# name: (model, the learnt initializers, the layer types expected (None: not checked))
CASES = {
    "reduce_mean_keepdims_0": (
        make([N("ReduceMean", ["x"], axes=[2, 3], keepdims=0)], X), [], ["mean"]),
    "reduce_mean_keepdims_1_is_global_pool": (
        make([N("ReduceMean", ["x"], axes=[-1, -2])], X), [], ["global_avgpool"]),
    "reduce_sum_axes_input": (
        make([N("ReduceSum", ["x", "ax"], keepdims=0)], X, [I("ax", [1])]), [], ["sum"]),
    "reduce_max_last_axis": (
        make([N("ReduceMax", ["x"], axes=[-1], keepdims=1)], X), [], ["amax"]),
    "l2_normalisation": (
        make([N("ReduceL2", ["x"], ["n"], axes=[1], keepdims=1), N("Div", ["x", "n"])], X),
        [], ["vector_norm", "div"]),
    "split_opset_13": (
        make([N("Split", ["x", "sp"], ["a", "b"], axis=1),
              N("Concat", ["b", "a"], axis=1)], X, [I("sp", [3, 5])], opset=13),
        [], ["slice", "slice", "concat"]),
    "split_opset_18_num_outputs": (
        make([N("Split", ["x"], ["a", "b"], axis=1, num_outputs=2),
              N("Add", ["a", "b"])], X, opset=18),
        [], ["slice", "slice", "add"]),
    "slice_channels_and_width": (
        make([N("Slice", ["x", "s", "e", "a", "st"])], X,
             [I("s", [2, 1]), I("e", [INT64_MAX, -1]), I("a", [1, 3]), I("st", [1, 2])]),
        [], None),
    "pad_constant": (
        make([N("Pad", ["x", "pads"])], X, [I("pads", [0, 0, 1, 2, 0, 0, 3, 4])]),
        [], ["pad"]),
    "pad_reflect_and_edge": (
        make([N("Pad", ["x", "p1"], ["r"], mode="reflect"), N("Pad", ["r", "p2"], mode="edge")],
             X, [I("p1", [0, 0, 1, 1, 0, 0, 1, 1]), I("p2", [0, 0, 0, 2, 0, 0, 0, 0])]),
        [], ["pad", "pad"]),
    "pad_negative_crops": (
        make([N("Pad", ["x", "pads"])], X, [I("pads", [0, 0, -1, 0, 0, 0, 0, -2])]),
        [], ["pad"]),
    "transpose_to_channels_last": (
        make([N("Transpose", ["x"], perm=[0, 2, 3, 1])], X), [], ["permute"]),
    "reshape_with_zero_and_minus_one": (
        make([N("Reshape", ["x", "t"])], X, [I("t", [0, 2, -1, 6])]), [], ["reshape"]),
    "reshape_fixed_batch": (
        make([N("Reshape", ["x", "t"])], X, [I("t", [1, 4, 2, 36])]), [], ["reshape"]),
    "channel_shuffle": (
        make([N("Reshape", ["x", "t1"], ["r"]), N("Transpose", ["r"], ["p"], perm=[0, 2, 1, 3, 4]),
              N("Reshape", ["p", "t2"])], X, [I("t1", [1, 2, 4, 6, 6]), I("t2", [1, -1, 6, 6])]),
        [], ["channel_shuffle"]),
    "not_a_shuffle_without_the_transpose_back": (  # the same nodes, the wrong perm: exact anyway
        make([N("Reshape", ["x", "t1"], ["r"]), N("Transpose", ["r"], ["p"], perm=[0, 1, 2, 4, 3]),
              N("Reshape", ["p", "t2"])], X, [I("t1", [1, 2, 4, 6, 6]), I("t2", [1, -1, 6, 6])]),
        [], ["reshape", "permute", "reshape"]),
    "layer_norm_channels_last": (
        make([N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
              N("LayerNormalization", ["t", "s", "b"], ["n"], axis=-1, epsilon=1e-6),
              N("Transpose", ["n"], perm=[0, 3, 1, 2])], X, [W("s", 8), W("b", 8)]),
        ["s", "b"], ["permute", "layernorm", "permute"]),
    "layer_norm_without_affine_or_bias": (  # the exporter's Constants are no parameters
        make([N("Constant", [], ["ones"], value=C("v1", [1.0] * 6)),
              N("Constant", [], ["zeros"], value=C("v0", [0.0] * 6)),
              N("LayerNormalization", ["x", "ones", "zeros"], ["a"]),
              N("LayerNormalization", ["a", "s", "zeros"])], X, [W("s", 6)]),
        ["s"], ["layernorm", "layernorm"]),
    "layer_norms_sharing_initializers": (  # the exporter shares equal weights via Identity
        make([N("Identity", ["ones"], ["w2"]), N("Identity", ["zeros"], ["b2"]),
              N("LayerNormalization", ["x", "ones", "zeros"], ["a"]),
              N("LayerNormalization", ["a", "w2", "b2"])], X,
             [C("ones", [1.0] * 6), C("zeros", [0.0] * 6)]),
        ["ones", "zeros", "ones", "zeros"], ["layernorm", "layernorm"]),
    "instance_norm_learnt": (
        make([N("InstanceNormalization", ["x", "s", "b"])], X, [W("s", 8), W("b", 8)]),
        ["s", "b"], ["instancenorm2d"]),
    "group_norm_as_pytorch_exports_it": (
        make([N("Reshape", ["x", "t1"], ["r"]),
              N("InstanceNormalization", ["r", "ones", "zeros"], ["i"], epsilon=1e-5),
              N("Reshape", ["i", "t2"], ["u"]), N("Mul", ["u", "g"], ["m"]),
              N("Add", ["m", "h"])], X,
             [I("t1", [1, 4, -1]), C("ones", [1.0] * 4), C("zeros", [0.0] * 4),
              I("t2", [1, 8, 6, 6]), W("g", 8, 1, 1), W("h", 8, 1, 1)]),
        ["g", "h"], ["groupnorm"]),
    "instance_norm_at_its_initial_values": (  # initializers are learnt, ones or not
        make([N("InstanceNormalization", ["x", "s", "b"])], X,
             [C("s", [1.0] * 8), C("b", [0.0] * 8)]),
        ["s", "b"], ["instancenorm2d"]),
    "instance_norm_without_affine": (  # the exporter writes Constants: no parameters
        make([N("Constant", [], ["s"], value=C("v1", [1.0] * 8)),
              N("Constant", [], ["b"], value=C("v0", [0.0] * 8)),
              N("InstanceNormalization", ["x", "s", "b"])], X),
        [], ["instancenorm2d"]),
    "group_norm_without_affine_as_exported": (  # times 1, plus 0
        make([N("Reshape", ["x", "t1"], ["r"]),
              N("InstanceNormalization", ["r", "ones", "zeros"], ["i"]),
              N("Shape", ["x"], ["sx"]), N("Reshape", ["i", "sx"], ["u"]),
              N("Mul", ["u", "one"], ["m"]), N("Add", ["m", "zero"])], X,
             [I("t1", [0, 2, -1]), C("ones", [1.0] * 2), C("zeros", [0.0] * 2),
              C("one", [1.0]), C("zero", [0.0])]),
        [], ["groupnorm"]),
    "group_norm_without_affine": (
        make([N("Reshape", ["x", "t1"], ["r"]),
              N("InstanceNormalization", ["r", "ones", "zeros"], ["i"], epsilon=1e-5),
              N("Reshape", ["i", "t2"], ["u"]), N("Relu", ["u"])], X,
             [I("t1", [1, 4, -1]), C("ones", [1.0] * 4), C("zeros", [0.0] * 4),
              I("t2", [1, 8, 6, 6])]),
        [], ["groupnorm", "relu"]),
    "not_a_group_norm_with_a_learnt_inner_scale": (
        make([N("Reshape", ["x", "t1"], ["r"]),
              N("InstanceNormalization", ["r", "s", "b"], ["i"]),
              N("Reshape", ["i", "t2"])], X,
             [I("t1", [1, 4, -1]), W("s", 4), W("b", 4), I("t2", [1, 8, 6, 6])]),
        ["s", "b"], ["reshape", "instancenorm1d", "reshape"]),
    "group_norm_opset_21": (  # a scale and shift per channel, as torch.nn.GroupNorm
        make([N("GroupNormalization", ["x", "s", "b"], num_groups=4)], X, [W("s", 8), W("b", 8)],
             opset=21),
        ["s", "b"], ["groupnorm"]),
    "erf_gelu_is_one_layer": (
        make(erf_gelu("x", "y", "/act"), X, GELU_CONSTS), [], ["gelu"]),
    "convnext_mlp": (
        make([N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
              N("MatMul", ["t", "w1"], ["m1"]), N("Add", ["m1", "b1"], ["a1"]),
              *erf_gelu("a1", "g", "/mlp/act"),
              N("MatMul", ["g", "w2"], ["m2"]), N("Add", ["b2", "m2"], ["a2"]),
              N("Transpose", ["a2"], ["back"], perm=[0, 3, 1, 2]),
              N("Mul", ["back", "gamma"], ["ls"]), N("Add", ["ls", "x"])], X,
             [W("w1", 8, 32), W("b1", 32), W("w2", 32, 8), W("b2", 8), W("gamma", 8, 1, 1),
              *GELU_CONSTS]),
        ["w1", "b1", "w2", "b2", "gamma"], None),
    "expand_a_gate": (
        make([N("GlobalAveragePool", ["x"], ["p"]), N("Expand", ["p", "shape"], ["e"]),
              N("Mul", ["x", "e"])], X, [I("shape", [1, 8, 6, 6])]),
        [], ["global_avgpool", "expand", "mul"]),
    "mul_along_one_axis_is_a_layer_scale": (  # timm's channels-last gamma, and a row
        make([N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]), N("Mul", ["t", "g"], ["m"]),
              N("Transpose", ["m"], ["b"], perm=[0, 3, 1, 2]), N("Mul", ["r", "b"])], X,
             [W("g", 8), W("r", 1, 6, 1)]),
        ["g", "r"], ["permute", "layer_scale", "permute", "layer_scale"]),
    "pixel_shuffle_as_exported": (
        make([N("DepthToSpace", ["x"], blocksize=2, mode="CRD")], X), [], ["pixel_shuffle"]),
    "concat_along_width": (
        make([N("Relu", ["x"], ["a"]), N("Concat", ["x", "a"], axis=-1)], X), [],
        ["relu", "concat"]),
    "pixel_unshuffle_as_exported": (
        make([N("Reshape", ["x", "t1"], ["r"]), N("Transpose", ["r"], ["p"], perm=[0, 1, 3, 5, 2, 4]),
              N("Reshape", ["p", "t2"])], X, [I("t1", [-1, 8, 3, 2, 3, 2]), I("t2", [-1, 32, 3, 3])]),
        [], ["pixel_unshuffle"]),
    "linear_to_one_output_keeps_its_bias": (  # a (1,) bias runs along its one axis
        make([N("MatMul", ["x", "w"], ["m"]), N("Add", ["m", "b"])], [1, 5, 16],
             [W("w", 16, 1), W("b", 1)]),
        ["w", "b"], ["linear"]),
    "layer_norm_weights_cast_from_half": (  # a weight cast is still the weight
        make([N("Cast", ["s16"], ["s"], to=TensorProto.FLOAT),
              N("Cast", ["b16"], ["b"], to=TensorProto.FLOAT),
              N("LayerNormalization", ["x", "s", "b"])], X,
             [C("s16", [1.0] * 6, np.float16), C("b16", [0.0] * 6, np.float16)]),
        ["s16", "b16"], ["layernorm"]),
    "add_and_mul_scalars": (
        make([N("Add", ["x", "three"], ["a"]), N("Mul", ["half", "a"], ["m"]),
              N("Sub", ["m", "x"])], X, [C("three", 3.0), C("half", [0.5])]),
        [], None),
    "interpolate_to_another_maps_size": (
        make([N("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
              N("Shape", ["x"], ["s"]), N("Slice", ["s", "two", "four"], ["hw"]),
              N("Shape", ["p"], ["sp"]), N("Slice", ["sp", "zero", "two"], ["nc"]),
              N("Concat", ["nc", "hw"], ["size"], axis=0),
              N("Resize", ["p", "", "", "size"], mode="linear")], X,
             [I("zero", [0]), I("two", [2]), I("four", [4])]),
        [], ["maxpool2d", "upsample"]),
    "dynamic_same_padding": (  # timm's pad_same: the pads computed from the input's size
        make([N("Shape", ["x"], ["s"]), N("Gather", ["s", "two"], ["h"], axis=0),
              N("Cast", ["h"], ["hf"], to=TensorProto.FLOAT), N("Div", ["hf", "f2"], ["q"]),
              N("Ceil", ["q"], ["c"]), N("Sub", ["c", "f1"], ["c1"]), N("Mul", ["c1", "f2"], ["m"]),
              N("Add", ["m", "f3"], ["a"]), N("Sub", ["a", "hf"], ["t"]),
              N("Max", ["t", "f0"], ["tp"]), N("Div", ["tp", "f2"], ["hh"]),
              N("Cast", ["hh"], ["b"], to=TensorProto.INT64),  # 0.5 truncates to 0
              N("Cast", ["tp"], ["ti"], to=TensorProto.INT64), N("Sub", ["ti", "b"], ["e"]),
              N("Unsqueeze", ["b", "ax"], ["b1"]), N("Unsqueeze", ["e", "ax"], ["e1"]),
              N("Concat", ["zz", "b1", "b1", "zz", "e1", "e1"], ["pads"], axis=0),
              N("Pad", ["x", "pads"], ["p"]), N("Conv", ["p", "w"], strides=[2, 2])], X,
             [I("two", 2), C("f0", 0.0), C("f1", 1.0), C("f2", 2.0), C("f3", 3.0),
              I("ax", [0]), I("zz", [0, 0]), W("w", 4, 8, 3, 3)]),
        ["w"], ["pad", "conv2d"]),
    "slice_end_from_integer_division": (  # (3 − 10) / 2 is −3 in ONNX: truncated, not floored
        make([N("Sub", ["three", "ten"], ["d"]), N("Div", ["d", "two"], ["e"]),
              N("Slice", ["x", "zero", "e", "ax"])], X,
             [I("three", [3]), I("ten", [10]), I("two", [2]), I("zero", [0]), I("ax", [3])]),
        [], ["slice"]),
    "view_batch_minus_one": (
        make([N("Shape", ["x"], ["s"]), N("Gather", ["s", "z"], ["n"], axis=0),
              N("Unsqueeze", ["n", "ax"], ["n1"]), N("Concat", ["n1", "m1"], ["t"], axis=0),
              N("Reshape", ["x", "t"])], X, [I("z", 0), I("ax", [0]), I("m1", [-1])]),
        [], ["flatten"]),
}  # fmt: skip


# onnx.reference refuses negative pads, which ONNX defines as removing: numpy's slicing is the
# reference there (x[:, :, 1:, :-2])
NEGATIVE_PADS = {"pad_negative_crops": np.zeros(X)[:, :, 1:, :-2].shape}


def reference_shape(model) -> tuple[int, ...]:
    x_shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = np.random.default_rng(0).standard_normal(x_shape).astype(np.float32)
    return ReferenceEvaluator(model).run(None, {"x": x})[0].shape


@pytest.mark.parametrize("name", CASES)
def test_operator(name, tmp_path):
    model, learnt, types = CASES[name]
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    result = archlint.check(archlint.load(path))
    assert [d.code for d in result.diagnostics if d.code in ("AL905", "AL908")] == []
    assert result.shapes_complete
    layers = result.analysis.layers
    if types is not None:
        assert [r.type for r in layers.values()] == types
    last = layers[result.document.spec.model.outputs[0]]
    expected = NEGATIVE_PADS[name] if name in NEGATIVE_PADS else reference_shape(model)
    assert (1, *last.output) == expected
    dims = {t.name: prod(t.dims) for t in model.graph.initializer}
    assert result.analysis.total_params == sum(dims[t] for t in learnt)
    converted = archlint.check(archlint.load(convert(path, tmp_path / "m.toml")))
    assert {n: (r.output, r.params) for n, r in converted.analysis.layers.items()} == {
        n: (r.output, r.params) for n, r in layers.items()
    }


def test_layers_are_named_by_their_pytorch_module(tmp_path):
    model = make(
        [N("Conv", ["x", "w"], ["c"], name="/layer2/layer2.0/downsample/downsample.0/Conv",
           strides=[2, 2]),
         N("Relu", ["c"], ["r"], name="/layer2/layer2.0/relu/Relu"),
         N("Relu", ["r"], ["s"], name="/layer2/layer2.0/relu_1/Relu"),
         N("Add", ["s", "r"], name="/layer2/layer2.0/Add"),
         ], X, [W("w", 16, 8, 1, 1)])  # fmt: skip
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    result = archlint.check(archlint.load(path))
    names = list(result.analysis.layers)
    assert names == ["layer2.0.downsample.0", "layer2.0.relu", "layer2.0.relu_1", "layer2.0"]
    [d] = result.diagnostics  # the 1×1 stride-2 conv reads a quarter: said of the module
    assert (d.code, d.layer) == ("AL008", "layer2.0.downsample.0")
    assert d.where == "node 0 (Conv '/layer2/layer2.0/downsample/downsample.0/Conv')"
    summary = archlint.check(archlint.load(convert(path, tmp_path / "m.toml")))
    assert list(summary.analysis.layers) == names


def test_split_parts_come_in_order():
    from archlint.readers.onnx import to_spec_dict

    spec, _ = to_spec_dict(CASES["split_opset_13"][0])
    first, second, cat = spec["layers"]
    assert (first.get("start"), first["end"], second["start"]) == (None, 3, 3)
    assert cat["inputs"] == [second["name"], first["name"]]  # Concat(b, a)


def test_a_slice_out_of_range_on_one_axis_leaves_no_part_behind(tmp_path):
    model = make([N("Slice", ["x", "s", "e", "a", "st"], ["y"], name="sl")], X,
                 [I("s", [0, 0]), I("e", [4, 4]), I("a", [2, 3]), I("st", [1, 2**40])])  # fmt: skip
    onnx.save(model, tmp_path / "m.onnx")
    result = archlint.check(archlint.load(tmp_path / "m.onnx"))
    assert [r.type for r in result.analysis.layers.values()] == ["opaque"]
    assert [d.code for d in result.diagnostics] == ["AL908"]

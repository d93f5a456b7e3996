"""Reading ONNX models (archlint/readers/onnx/) and converting them to specs (convert.py).

* Every real network and converted PyTorch layer test the onnx wheel ships: where the mapping
  models every node, archlint's output shape must be the bundled reference output's and its
  parameter count the model's weights (batch-norm running statistics aside), both computed here
  independently of the importer; where it does not, the unsupported nodes are reported as
  unsupported-op at their ONNX node, and nothing crashes.
* Converting to TOML and JSON and checking the result gives the same shapes, parameters and
  findings as checking the .onnx file.
* Small hand-built models for each mapping rule, their output shape taken from
  onnx.reference.ReferenceEvaluator, which really runs them.
* Broken and hostile files: clear diagnostics, never a traceback or a runaway allocation.
"""

from __future__ import annotations

import functools
import json
import random
import subprocess
import sys
import tomllib
from math import prod
from pathlib import Path

import numpy as np
import pytest

import archlint
from archlint.convert import convert
from archlint.loader import read_onnx
from archlint.readers.onnx import ONNX_MISSING, to_spec_dict
from conftest import import_or_skip

onnx = import_or_skip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
CASES = [
    (p.stem, p, p.with_name(p.stem + "_output_0.pb"))
    for p in sorted((DATA / "light").glob("*.onnx"))
] + [
    (d.name, d / "model.onnx", d / "test_data_set_0" / "output_0.pb")
    for d in sorted((DATA / "pytorch-converted").iterdir())
    if (d / "model.onnx").exists()
]
ALEXNET = DATA / "light" / "light_bvlc_alexnet.onnx"
RESNET = DATA / "light" / "light_resnet50.onnx"


# ------------------------------------------------------------------------------ helpers


def reference_shape(pb: Path) -> tuple[int, ...]:
    tensor = TensorProto()
    tensor.ParseFromString(pb.read_bytes())
    return tuple(tensor.dims)


def batch_size(model) -> int:
    weights = {t.name for t in model.graph.initializer}
    first = next(i for i in model.graph.input if i.name not in weights)
    return first.type.tensor_type.shape.dim[0].dim_value


def expected_params(model) -> int:
    """The elements of the tensors the model's layers learn, from the graph alone.

    Weight tensors are initializers, Constant and ConstantOfShape outputs (followed through
    Identity, Cast, Unsqueeze, Squeeze, Transpose and Reshape); the learnt ones are the weights
    and biases of Conv, ConvTranspose, Gemm and MatMul, batch-norm scale and shift (not the
    running mean and variance), PRelu slopes, and Mul/Add operands of more than one element.
    """
    graph = model.graph
    numel = {t.name: prod(t.dims) for t in graph.initializer}
    small = {
        t.name: numpy_helper.to_array(t).ravel().tolist()
        for t in graph.initializer
        if prod(t.dims) <= 16
    }
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in small:
            numel[node.output[0]] = prod(small[node.input[0]])
        elif node.op_type == "Constant":
            value = next((a.t for a in node.attribute if a.name == "value"), None)
            numel[node.output[0]] = prod(value.dims) if value is not None else 1
        elif node.op_type in ("Identity", "Cast", "Unsqueeze", "Squeeze", "Transpose", "Reshape"):
            if node.input and node.input[0] in numel:
                numel[node.output[0]] = numel[node.input[0]]
    learnt: set[str] = set()
    for node in graph.node:
        ins = list(node.input)
        if node.op_type in ("Conv", "ConvTranspose", "Gemm", "BatchNormalization"):
            learnt.update(ins[1:3])
        elif node.op_type in ("PRelu", "MatMul"):
            learnt.update(ins[1:2])
        elif node.op_type in ("Add", "Mul"):
            learnt.update(t for t in ins if numel.get(t, 0) > 1)
    return sum(numel[t] for t in learnt if t)


def outcome(result: archlint.FileResult) -> tuple[dict, list]:
    """What must survive a conversion: every layer's shape and parameters, and the findings."""
    layers = {n: (r.output, r.params) for n, r in result.analysis.layers.items()}
    return layers, sorted((d.code, d.layer) for d in result.diagnostics)


def output_layer(doc: archlint.Document) -> str:
    outputs = doc.spec.model.outputs
    return outputs[0] if outputs else doc.spec.layers[-1].name


@functools.cache
def checked(path: Path) -> archlint.FileResult:
    """The check of a bundled model, shared by the tests that read it."""
    return archlint.check(read_onnx(path))


def codes(result: archlint.FileResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def run_cli(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "archlint"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent
    )


# ------------------------------------------------------------ the models the wheel ships


def test_the_bundled_models_are_found():
    assert len(CASES) >= 80
    assert all(model.exists() and ref.exists() for _, model, ref in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bundled_model(case):
    name, path, ref = case
    result = checked(path)
    doc = result.document
    assert doc.spec is not None, doc.problems
    assert doc.format == "onnx" and doc.problems == []
    opaque = {layer.name for layer in doc.spec.layers if layer.type == "opaque"}
    unsupported = [d for d in result.diagnostics if d.code == "AL908"]
    if not opaque:  # every node modelled: shapes and parameters must be exact
        model = onnx.load(path)
        out = result.analysis.layers[output_layer(doc)].output
        assert out is not None
        assert (batch_size(model), *out) == reference_shape(ref)
        assert result.analysis.total_params == expected_params(model)
        assert unsupported == []
        assert not any(d.code == "AL905" for d in result.diagnostics)
    else:  # reported where they are, each one whose input is known
        assert unsupported
        assert {d.layer for d in unsupported} <= opaque
        for layer in opaque:
            if result.analysis.layers[layer].inputs is not None:
                assert layer in {d.layer for d in unsupported}
        for d in unsupported:
            op = doc.spec.layers[result.analysis.layers[d.layer].index].op
            assert d.where.startswith("node ") and f"({op}" in d.where
            assert repr(op) in d.message


def test_most_bundled_models_are_modelled_fully():
    """The mapping covers the networks: a regression that made them opaque would show here."""
    full = [name for name, path, _ in CASES if _fully_supported(path)]
    assert len(full) >= 70, sorted(set(c[0] for c in CASES) - set(full))
    assert {"light_resnet50", "light_densenet121", "light_inception_v1", "light_vgg19"} <= set(full)


def _fully_supported(path: Path) -> bool:
    spec, _ = to_spec_dict(onnx.load(path))
    return all(layer["type"] != "opaque" for layer in spec["layers"])


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_convert_round_trip(case, tmp_path):
    name, path, _ = case
    original = outcome(checked(path))
    for suffix in (".toml", ".json"):
        out = convert(path, tmp_path / f"{name}{suffix}")
        doc = archlint.load(out)
        assert doc.spec is not None and doc.problems == [], doc.problems
        assert outcome(archlint.check(doc)) == original


# --------------------------------------------------------------- one rule at a time


def W(name: str, *dims: int) -> TensorProto:
    rng = np.random.default_rng(len(name) + sum(dims))
    return numpy_helper.from_array(rng.standard_normal(dims).astype(np.float32), name)


def C(name: str, values, dtype=np.float32) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def make(nodes, x_shape, inits=(), opset=13, outputs=("y",), name="g"):
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        initializer=list(inits),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def N(op: str, inputs, outputs=("y",), name: str = "", **attrs):
    return helper.make_node(op, list(inputs), list(outputs), name=name or None, **attrs)


X8 = [1, 3, 8, 8]
SUPPORTED = {
    # name: (model, the layer types it becomes, {layer index: expected keys})
    "conv_asymmetric_pads": (
        make([N("Conv", ["x", "w", "b"], pads=[0, 0, 1, 1])], X8, [W("w", 4, 3, 3, 3), W("b", 4)]),
        ["conv2d"],
        {0: {"padding": [[0, 1], [0, 1]], "in_channels": 3, "out_channels": 4}},
    ),
    "conv_same_upper_stride_1": (
        make([N("Conv", ["x", "w"], auto_pad="SAME_UPPER")], X8, [W("w", 4, 3, 4, 4)]),
        ["conv2d"],
        {0: {"padding": "same", "bias": False}},
    ),
    "conv_same_upper_stride_2": (
        make([N("Conv", ["x", "w"], auto_pad="SAME_UPPER", strides=[2, 2])], [1, 3, 7, 7],
             [W("w", 4, 3, 3, 3)]),
        ["conv2d"],
        {0: {"padding": 1, "stride": 2}},
    ),
    "conv_same_lower_stride_2": (
        make([N("Conv", ["x", "w"], auto_pad="SAME_LOWER", strides=[2, 2])], X8,
             [W("w", 4, 3, 3, 3)]),
        ["conv2d"],
        {0: {"padding": [[1, 0], [1, 0]]}},  # the odd extra at the start
    ),
    "conv_valid_dilated_grouped": (
        make([N("Conv", ["x", "w"], auto_pad="VALID", dilations=[2, 1], group=3)], [1, 3, 9, 9],
             [W("w", 6, 1, 3, 3)]),
        ["conv2d"],
        {0: {"groups": 3, "dilation": [2, 1], "in_channels": 3}},
    ),
    "conv_then_bias_add": (
        make([N("Conv", ["x", "w"], ["c"]), N("Add", ["c", "b"])], X8,
             [W("w", 4, 3, 3, 3), W("b", 1, 4, 1, 1)]),
        ["conv2d"],
        {0: {}},
    ),
    "conv_transpose_symmetric": (
        make([N("ConvTranspose", ["x", "w", "b"], strides=[2, 2], pads=[1, 1, 1, 1],
                output_padding=[1, 1])], X8, [W("w", 3, 5, 3, 3), W("b", 5)]),
        ["conv_transpose2d"],
        {0: {"padding": 1, "output_padding": 1, "out_channels": 5}},
    ),
    "maxpool_ceil_mode": (
        make([N("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)], X8),
        ["maxpool2d"],
        {0: {"ceil_mode": True, "stride": 2}},
    ),
    "maxpool_default_stride_is_1": (
        make([N("MaxPool", ["x"], kernel_shape=[2, 2])], X8),
        ["maxpool2d"],
        {0: {"stride": 1}},
    ),
    "maxpool_same_upper_stride_2": (
        make([N("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")],
             [1, 3, 7, 7]),
        ["maxpool2d"],
        {0: {"padding": 1}},
    ),
    "avgpool_pads_excluded": (
        make([N("AveragePool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], X8),
        ["avgpool2d"],
        {0: {"count_include_pad": False, "padding": 1}},
    ),
    "gemm_then_softmax": (
        make([N("Gemm", ["x", "w", "b"], ["g"]), N("Softmax", ["g"])], [2, 10],
             [W("w", 10, 5), W("b", 5)]),
        ["linear", "softmax"],
        {0: {"in_features": 10, "out_features": 5}, 1: {"dim": -1}},
    ),
    "matmul_add_is_linear": (
        make([N("MatMul", ["x", "w"], ["m"]), N("Add", ["m", "b"])], [2, 10],
             [W("w", 10, 5), W("b", 5)]),
        ["linear"],
        {0: {"in_features": 10, "out_features": 5}},
    ),
    "flatten_gemm": (
        make([N("Flatten", ["x"], ["f"]), N("Gemm", ["f", "w"], transB=1)], X8, [W("w", 7, 192)]),
        ["flatten", "linear"],
        {1: {"bias": False}},
    ),
    "reshape_from_shape_is_flatten": (
        make([N("GlobalAveragePool", ["x"], ["p"]), N("Shape", ["p"], ["s"]),
              N("Gather", ["s", "zero"], ["n"], axis=0), N("Unsqueeze", ["n", "ax"], ["n1"]),
              N("Concat", ["n1", "minus1"], ["t"], axis=0), N("Reshape", ["p", "t"])],
             X8, [C("zero", 0, np.int64), C("ax", [0], np.int64), C("minus1", [-1], np.int64)]),
        ["global_avgpool", "flatten"],
        {},
    ),
    "squeeze_after_global_pool": (
        make([N("GlobalMaxPool", ["x"], ["p"]), N("Squeeze", ["p", "axes"])], X8,
             [C("axes", [2, 3], np.int64)]),
        ["global_maxpool", "flatten"],
        {},
    ),
    "reduce_mean_is_global_pool": (
        make([N("ReduceMean", ["x"], axes=[2, 3], keepdims=1)], X8),
        ["global_avgpool"],
        {},
    ),
    "batchnorm_then_channel_affine": (
        make([N("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"], epsilon=1e-3),
              N("Mul", ["n", "g"], ["k"]), N("Add", ["k", "h"])], X8,
             [W("s", 3), W("b", 3), W("m", 3), C("v", [1, 1, 1]), W("g", 3, 1, 1),
              W("h", 3, 1, 1)]),
        ["batchnorm2d", "conv2d"],
        {0: {"num_features": 3, "eps": 0.001}, 1: {"groups": 3, "kernel_size": 1}},
    ),
    "mul_and_div_by_scalars": (
        make([N("Mul", ["x", "two"], ["a"]), N("Div", ["a", "four"])], X8,
             [C("two", 2.0), C("four", [4.0])]),
        ["mul", "div"],
        {0: {"value": 2.0}, 1: {"value": 4.0}},
    ),
    "resize_by_scales": (
        make([N("Resize", ["x", "", "sc"], mode="nearest")], X8, [C("sc", [1, 1, 2, 1.5])]),
        ["upsample"],
        {0: {"scale_factor": [2.0, 1.5]}},
    ),
    "resize_to_sizes": (
        make([N("Resize", ["x", "", "", "sz"], mode="linear")], X8,
             [C("sz", [1, 3, 12, 10], np.int64)]),
        ["upsample"],
        {0: {"size": [12, 10], "mode": "bilinear"}},
    ),
    "upsample_opset_9": (
        make([N("Upsample", ["x", "sc"])], X8, [C("sc", [1, 1, 2, 2])], opset=9),
        ["upsample"],
        {0: {"scale_factor": 2.0}},
    ),
    "branches_merge": (
        make([N("Relu", ["x"], ["a"]), N("Sigmoid", ["x"], ["b"]),
              N("Concat", ["a", "b"], ["c"], axis=1), N("Sum", ["a", "b", "a"], ["s"]),
              N("Mul", ["s", "b"], ["m"]), N("Concat", ["c", "m"], axis=-3)], X8),
        ["relu", "sigmoid", "concat", "add", "mul", "concat"],
        {},
    ),
    "clip_relu6_and_bounds": (
        make([N("Clip", ["x", "lo", "hi"], ["a"]), N("Clip", ["a", "m1", "p1"], ["b"]),
              N("Clip", ["b", "lo"])], X8,
             [C("lo", 0.0), C("hi", 6.0), C("m1", -1.0), C("p1", 1.0)]),
        ["relu6", "clip", "clip"],
        {1: {"min": -1.0, "max": 1.0}, 2: {"min": 0.0}},
    ),
    "clip_attributes_opset_6": (
        make([N("Clip", ["x"], min=0.0, max=6.0)], X8, opset=6),
        ["relu6"],
        {},
    ),
    "activations": (
        make([N("LeakyRelu", ["x"], ["a"], alpha=0.2), N("Elu", ["a"], ["b"]),
              N("HardSigmoid", ["b"], ["c"], alpha=1 / 6), N("HardSwish", ["c"], ["d"]),
              N("Tanh", ["d"], ["e"]), N("Identity", ["e"], ["f"]),
              N("Dropout", ["f", "ratio"], ["g"]), N("LRN", ["g"], ["h"], size=3),
              N("PRelu", ["h", "slope"], ["i"]), N("LogSoftmax", ["i"], axis=1)], X8,
             [C("ratio", 0.3), W("slope", 3, 1, 1)], opset=14),
        ["leaky_relu", "elu", "hardsigmoid", "hardswish", "tanh", "identity", "dropout",
         "local_response_norm", "prelu", "log_softmax"],
        {0: {"negative_slope": 0.2}, 6: {"p": 0.3}, 7: {"size": 3}, 8: {"num_parameters": 3},
         9: {"dim": None}},  # axis 1 is dim 0, the default, left out
    ),
    "unsqueeze_pool_squeeze_is_pool1d": (
        make([N("Unsqueeze", ["x", "ax"], ["u"]),
              N("MaxPool", ["u"], ["p"], kernel_shape=[3, 1], strides=[2, 1], pads=[1, 0, 1, 0]),
              N("Squeeze", ["p", "ax"])], [2, 4, 10], [C("ax", [3], np.int64)]),
        ["maxpool1d"],
        {0: {"kernel_size": 3, "stride": 2, "padding": 1}},
    ),
    "conv1d_and_conv3d": (
        make([N("Conv", ["x", "w"], ["c"], pads=[1, 1]), N("Relu", ["c"])], [1, 3, 10],
             [W("w", 4, 3, 3)]),
        ["conv1d", "relu"],
        {0: {"padding": 1}},
    ),
}  # fmt: skip


def _run(model) -> tuple[int, ...]:
    x_shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = np.random.default_rng(0).standard_normal(x_shape).astype(np.float32)
    return ReferenceEvaluator(model).run(None, {"x": x})[0].shape


@pytest.mark.parametrize("name", SUPPORTED)
def test_mapping(name, tmp_path):
    model, types, keys = SUPPORTED[name]
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    doc = read_onnx(path)
    assert doc.spec is not None, doc.problems
    spec, labels = to_spec_dict(model)
    assert [layer["type"] for layer in spec["layers"]] == types
    for index, expected in keys.items():
        layer = spec["layers"][index]
        assert {k: layer.get(k) for k in expected} == expected
        assert labels[index].startswith("node ")
    result = archlint.check(doc)
    out = result.analysis.layers[output_layer(doc)].output
    assert (x_batch(model), *out) == _run(model)
    assert result.analysis.total_params == expected_params(model)
    assert not [d for d in result.diagnostics if d.severity == archlint.Severity.ERROR]
    converted = convert(path, tmp_path / "m.toml")
    assert outcome(archlint.check(archlint.load(converted))) == outcome(result)


def x_batch(model) -> int:
    return model.graph.input[0].type.tensor_type.shape.dim[0].dim_value


def test_bias_add_fused_into_the_layer_counts_its_parameters():
    model, _, _ = SUPPORTED["conv_then_bias_add"]
    spec, labels = to_spec_dict(model)
    assert "bias" not in spec["layers"][0]  # the Add's constant is the conv's bias
    assert labels[0] == "node 0 (Conv) + node 1 (Add)"


UNSUPPORTED = {
    "conv_transpose_asymmetric": (
        make([N("ConvTranspose", ["x", "w"], ["t"], name="up", strides=[2, 2],
                pads=[0, 0, 1, 1]), N("Relu", ["t"])], X8, [W("w", 3, 5, 3, 3)]),
        "ConvTranspose",
    ),
    "hardsigmoid_onnx_default": (make([N("HardSigmoid", ["x"], name="hs")], X8), "HardSigmoid"),
    "pad_of_the_batch": (
        make([N("Pad", ["x", "pads"], ["p"], name="pad"), N("Relu", ["p"])], X8,
             [C("pads", [1, 0, 1, 1, 0, 0, 1, 1], np.int64)]),
        "Pad",
    ),
    "softmax_over_batch": (make([N("Softmax", ["x"], name="sm", axis=0)], X8), "Softmax"),
    "reshape_across_the_batch": (
        make([N("Reshape", ["x", "t"], name="r")], X8, [C("t", [3, 1, 64], np.int64)]),
        "Reshape",
    ),
    "concat_along_the_batch": (
        make([N("Relu", ["x"], ["a"]), N("Concat", ["x", "a"], name="cat", axis=0)], X8),
        "Concat",
    ),
    "slice_step_beyond_the_limits": (  # one odd node: opaque, not a broken model
        make([N("Slice", ["x", "s", "e", "a", "st"], ["sl"], name="sl"), N("Relu", ["sl"])], X8,
             [C("s", [0], np.int64), C("e", [8], np.int64), C("a", [3], np.int64),
              C("st", [2**40], np.int64)]),
        "Slice",
    ),
    "reduce_axis_out_of_range": (  # ONNX refuses axis 7 of a rank-4 tensor: never wrapped
        make([N("ReduceMean", ["x"], ["r"], name="rm", axes=[7]), N("Relu", ["r"])], X8),
        "ReduceMean",
    ),
    "depth_to_space_dcr": (
        make([N("DepthToSpace", ["x"], ["d"], name="d2s", blocksize=2), N("Relu", ["d"])],
             [1, 12, 4, 4]),
        "DepthToSpace",
    ),
    "mul_by_a_plane": (
        make([N("Mul", ["x", "r"], name="mr")], X8, [W("r", 1, 1, 8, 8)]),
        "Mul",
    ),
    "gemm_trans_a": (
        make([N("Gemm", ["x", "w"], name="g", transA=1)], [10, 2], [W("w", 10, 5)]),
        "Gemm",
    ),
    "add_of_a_constant_row": (
        make([N("Relu", ["x"], ["a"]), N("Add", ["a", "c"], name="plus")], X8,
             [W("c", 1, 1, 1, 8)]),
        "Add",
    ),
    "other_domain": (
        make([helper.make_node("FusedConv", ["x"], ["y"], name="fc", domain="com.microsoft")],
             X8),
        "com.microsoft.FusedConv",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_use_is_opaque_and_reported(name, tmp_path):
    model, op = UNSUPPORTED[name]
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    doc = read_onnx(path)
    assert doc.spec is not None, doc.problems
    result = archlint.check(doc)
    [d] = [d for d in result.diagnostics if d.code == "AL908"]
    layer = doc.spec.layers[result.analysis.layers[d.layer].index]
    assert (layer.type, layer.op) == ("opaque", op)
    assert d.where.startswith("node ") and f"({op}" in d.where
    assert d.note and d.note == layer.reason  # why it is opaque, said with the finding
    assert result.analysis.layers[output_layer(doc)].output is None  # unknown, not guessed
    text = (convert(path, tmp_path / "m.toml")).read_text()
    assert f'op = "{op}"' in text and f"({op}" in text  # the comment says which node
    assert "reason = " in text
    assert outcome(archlint.check(archlint.load(tmp_path / "m.toml"))) == outcome(result)


def test_diagnostics_name_the_onnx_node():
    doc = read_onnx(ALEXNET)
    result = archlint.check(doc)
    stride = next(d for d in result.diagnostics if d.code == "AL001")
    layer = result.analysis.layers[stride.layer]
    assert stride.where == doc.labels[layer.index]
    assert stride.where.startswith("node ") and "(Conv " in stride.where


def test_second_graph_input_is_opaque():
    graph = helper.make_graph(
        [N("Add", ["x", "z"])],
        "two",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, X8) for n in ("x", "z")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    spec, labels = to_spec_dict(helper.make_model(graph))
    assert spec["layers"][0] == {"name": "z", "type": "opaque", "op": "GraphInput",
                                 "inputs": ["input"]}  # fmt: skip
    assert spec["layers"][1]["inputs"] == ["input", "z"]
    assert labels[0] == "graph input 'z'"


def test_symbolic_batch_is_fine(tmp_path):
    model = make([N("Relu", ["x"])], ["batch", 3, 8, 8])
    onnx.save(model, tmp_path / "m.onnx")
    doc = read_onnx(tmp_path / "m.onnx")
    assert doc.spec is not None and doc.spec.input.shape == (3, 8, 8)


def test_layer_names_are_unique_and_never_input():
    model = make([N("Relu", ["x"], ["a"], name="input"), N("Relu", ["a"], ["b"], name="r"),
                  N("Relu", ["b"], name="r")], X8)  # fmt: skip
    spec, _ = to_spec_dict(model)
    assert [layer["name"] for layer in spec["layers"]] == ["input_1", "r", "r_1"]
    assert spec["layers"][1]["inputs"] == ["input_1"]


# ------------------------------------------------------------------------- conversion


def test_converted_toml_reads_like_a_spec(tmp_path):
    out = convert(RESNET, tmp_path / "resnet.toml")
    text = out.read_text()
    assert text.startswith("# Converted by archlint from light_resnet50.onnx")
    data = tomllib.loads(text)
    assert list(data) == ["model", "input", "layers"]
    assert data["input"] == {"channels": 3, "height": 224, "width": 224}
    first = data["layers"][0]
    assert list(first)[:2] == ["name", "type"] and "inputs" not in first  # reads the input
    assert "\n# node " in text
    merges = [layer for layer in data["layers"] if layer["type"] == "add"]
    assert merges and all(isinstance(layer["inputs"], list) for layer in merges)


def test_converted_json_is_indented(tmp_path):
    out = convert(ALEXNET, tmp_path / "alexnet.json")
    text = out.read_text()
    assert text.startswith('{\n  "model": {')
    assert json.loads(text)["layers"][0]["type"] == "conv2d"


def test_hostile_node_names_stay_inside_comments(tmp_path):
    name = "evil\n[model]\n# archlint: ignore[AL908] #"
    model = make([N("Erf", ["x"], name=name)], X8)
    onnx.save(model, tmp_path / "m.onnx")
    out = convert(tmp_path / "m.onnx", tmp_path / "m.toml")
    doc = archlint.load(out)
    assert doc.spec is not None and doc.spec.layers[0].name == name
    assert "AL908" in codes(archlint.check(doc))  # the name did not become a suppression


def test_convert_refuses_what_it_cannot_convert(tmp_path):
    with pytest.raises(archlint.LoadError, match=r"\.toml or \.json"):
        convert(ALEXNET, tmp_path / "alexnet.yaml")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00garbage")
    with pytest.raises(archlint.LoadError, match="cannot convert"):
        convert(broken, tmp_path / "broken.toml")
    assert not (tmp_path / "broken.toml").exists()


# -------------------------------------------------------------------- hostile files


def _conv_model(weight: TensorProto, x_shape=X8, **graph) -> onnx.ModelProto:
    return make([N("Conv", ["x", weight.name], name="conv")], x_shape, [weight], **graph)


def _bare_tensor(name: str, dims: list[int]) -> TensorProto:
    """A float tensor that claims these dims and holds no data: only dims may be read."""
    t = TensorProto()
    t.name, t.data_type = name, TensorProto.FLOAT
    t.dims.extend(dims)
    return t


def _hostile(tmp_path: Path) -> dict[str, Path]:
    real = RESNET.read_bytes()
    files = {
        "truncated.onnx": real[: len(real) // 2],
        "random.onnx": random.Random(0).randbytes(4096),
        "empty.onnx": b"",
        "text.onnx": b"[model]\nname = 'not onnx'\n",
    }
    models = {
        "missing_initializer.onnx": make([N("Conv", ["x", "w"], name="conv")], X8),
        "cycle.onnx": make([N("Add", ["x", "b"], ["a"], name="first"),
                            N("Relu", ["a"], ["b"], name="second"), N("Relu", ["b"])], X8),
        "absurd_input.onnx": make([N("Relu", ["x"])], [1, 3, 10**12, 10**12]),
        "absurd_weight.onnx": _conv_model(_bare_tensor("w", [10**12, 3, 3, 3])),
        "absurd_constant_of_shape.onnx": make(
            [N("ConstantOfShape", ["shape"], ["w"]), N("Conv", ["x", "w"], name="conv")], X8,
            [C("shape", [10**12, 3, 10**6, 10**6], np.int64)]),
        "symbolic_height.onnx": make([N("Relu", ["x"])], [1, 3, "height", 8]),
        "unknown_width.onnx": make([N("Relu", ["x"])], [1, 3, 8, None]),
        "no_graph.onnx": onnx.ModelProto(ir_version=8),
        "duplicate_producer.onnx": make([N("Relu", ["x"], name="a"), N("Sigmoid", ["x"], name="b")], X8),
        "output_nobody_writes.onnx": make([N("Relu", ["x"], ["r"])], X8),
        "nested_if.onnx": make([N("If", ["x"], name="branch", then_branch=helper.make_graph(
            [], "t", [], []), else_branch=helper.make_graph([], "e", [], []))], X8),
    }  # fmt: skip
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    for name, model in models.items():
        (tmp_path / name).write_bytes(model.SerializeToString())
    return {name: tmp_path / name for name in [*files, *models]}


# "…" stands for protobuf's own words, which vary with its version
UNPARSED = "not a readable ONNX model: the protobuf does not parse (…); the file may be truncated or not ONNX"
FIXED = ": archlint needs every size but the batch fixed; export the model with a fixed input size"
OPAQUE = "archlint cannot compute the shape of operator '{}'; the layers after it are not checked"
TOO_BIG = "out_channels: Input should be less than or equal to 1000000 (got 1000000000000)"
HOSTILE_EXPECTED = {
    # file: (the code of its one diagnostic, the message, the note, the ONNX node it is at)
    # half of light_resnet50.onnx ends inside a tensor's raw data: the protobuf cannot parse
    "truncated.onnx": ("AL901", UNPARSED, None, None),
    "random.onnx": ("AL901", UNPARSED, None, None),
    "empty.onnx": ("AL901", "the file is empty: not an ONNX model", None, None),
    "text.onnx": ("AL901", UNPARSED, None, None),
    "missing_initializer.onnx": (
        "AL902",
        "node 0 (Conv 'conv') reads tensor 'w', which no node, initializer or graph input provides (a missing initializer?)",
        None,
        None,
    ),
    "cycle.onnx": (
        "AL902",
        "the ONNX graph has a cycle: node 1 (Relu 'second') → node 0 (Add 'first') → node 1 (Relu 'second')",
        None,
        None,
    ),
    "absurd_input.onnx": (
        "AL902",
        "graph input 'x' has size 1,000,000,000,000 on axis 2: sizes must be between 1 and 1,000,000",
        None,
        None,
    ),
    # one node out of the spec's range is opaque, with the value at fault as the reason
    "absurd_weight.onnx": ("AL908", OPAQUE.format("Conv"), TOO_BIG, "node 0 (Conv 'conv')"),
    "absurd_constant_of_shape.onnx": (
        "AL908",
        OPAQUE.format("Conv"),
        TOO_BIG,
        "node 1 (Conv 'conv')",
    ),
    "symbolic_height.onnx": (
        "AL902",
        "graph input 'x' has a symbolic size 'height' on axis 2" + FIXED,
        None,
        None,
    ),
    "unknown_width.onnx": (
        "AL902",
        "graph input 'x' has a symbolic size on axis 3" + FIXED,
        None,
        None,
    ),
    "no_graph.onnx": ("AL902", "not an ONNX model: it has no graph", None, None),
    "duplicate_producer.onnx": (
        "AL902",
        "node 1 (Sigmoid 'b') writes tensor 'y', which node 0 (Relu 'a') provides already: every tensor has one producer in ONNX",
        None,
        None,
    ),
    "output_nobody_writes.onnx": (
        "AL902",
        "graph output 'y' is not written by any node",
        None,
        None,
    ),
    "nested_if.onnx": (
        "AL908",
        OPAQUE.format("If"),
        "archlint has no layer type for If",
        "node 0 (If 'branch')",
    ),
}


def test_hostile_files_give_clear_diagnostics(tmp_path):
    files = _hostile(tmp_path)
    assert set(files) == set(HOSTILE_EXPECTED)
    for name, path in files.items():
        code, message, note, where = HOSTILE_EXPECTED[name]
        [d] = archlint.check(read_onnx(path)).diagnostics
        assert (d.code, d.severity, d.note, d.where) == (
            code,
            archlint.Severity.ERROR,
            note,
            where,
        ), name
        head, _, tail = message.partition("…")
        if tail:
            assert d.message.startswith(head) and d.message.endswith(tail), (name, d.message)
        else:
            assert d.message == message, name


def test_mutated_models_never_crash(tmp_path):
    """Bytes changed at random in real models: a diagnostic or a spec, never an exception."""
    rng = random.Random(20240601)
    sources = [path.read_bytes() for _, path, _ in CASES[:12]]
    path = tmp_path / "mutated.onnx"
    for _ in range(300):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(data)
        doc = read_onnx(path)
        assert doc.spec is not None or doc.problems
        archlint.check(doc, rules=[])  # the importer and the pipeline, not the rules
        assert not any("please report" in p.message for p in doc.problems)


def test_reading_a_directory_or_a_missing_file_is_a_load_error(tmp_path):
    for path in (tmp_path, tmp_path / "missing.onnx"):
        with pytest.raises(archlint.LoadError, match="cannot read"):
            read_onnx(path)


def test_missing_onnx_package_is_one_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(archlint.LoadError) as error:
        read_onnx(ALEXNET)
    assert str(error.value) == ONNX_MISSING
    assert "pip install 'archlint[onnx]'" in ONNX_MISSING


# ----------------------------------------------------- the command line (once wired)


def test_cli_checks_onnx_files():
    run = run_cli("check", str(ALEXNET))
    assert run.returncode == 1  # alexnet's stride-4 11x11 conv does not fit 224 exactly
    assert "node 16 (Conv 'n0'): AL001" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_cli_hostile_files_exit_1_without_traceback(tmp_path):
    """One run over every hostile file (each one's diagnostic is tested in-process above)."""
    files = _hostile(tmp_path)
    run = run_cli("check", *map(str, files.values()))
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr
    for path in files.values():
        assert str(path) in run.stdout


def test_cli_without_onnx_names_the_extra():
    code = (
        "import sys; sys.modules['onnx'] = None; sys.argv = ['archlint'] + sys.argv[1:];"
        " from archlint.cli import main; main()"
    )
    run = run_cli("check", str(ALEXNET), code=code)
    assert run.returncode == 2
    assert ONNX_MISSING in run.stderr
    assert "Traceback" not in run.stderr

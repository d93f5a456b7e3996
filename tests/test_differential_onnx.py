"""Differential test: archlint's shape inference against ONNX's, an independent implementation.

For thousands of generated single-layer configurations (convolution, transposed convolution,
max and average pooling, in 1, 2 and 3 dimensions) the equivalent ONNX node is built and given
to onnx.shape_inference.infer_shapes and to onnx.reference.ReferenceEvaluator, which really
runs it on a random batch-1 input. archlint must give the shape the reference computes (batch
axis dropped), and no error, wherever the configuration is valid; and at least one
error-severity diagnostic on the layer wherever PyTorch would refuse it.

PyTorch is the reference for archlint, so where ONNX and PyTorch disagree the case is named
below and PyTorch's answer is asserted, with PyTorch's rule written out here as an explicit
predicate or expected-value function (used for those cases only):

* ceil_mode, last window starting in the right padding: PyTorch drops it
  (aten/src/ATen/native/Pool.h, pooling_output_shape_pad_lr: if (out - 1)·stride >=
  in + pad_begin then out -= 1). The ONNX reference evaluator does the same, but
  onnx.shape_inference does not and infers one more output position.
* pool padding over half the kernel: PyTorch refuses pad > kernel_size/2 (the raw kernel, not
  the dilated one: pool2d_shape_check, pool3d_shape_check, check_max_pool1d); ONNX accepts it.
* padding='same' with stride > 1: PyTorch refuses; ONNX computes it (here with explicit pads).
* conv_transpose with output_padding >= both stride and dilation: PyTorch refuses ("output
  padding must be smaller than either stride or dilation"); onnx.shape_inference accepts it.
* conv_transpose with groups not dividing out_channels: PyTorch refuses; onnx.shape_inference
  infers a shape (it only refuses groups that do not divide the input channels).

Two limitations of the ONNX reference evaluator (onnx 1.23) are worked around, not asserted:

* MaxPool with every stride and dilation 1 runs a legacy implementation that misreads `pads`
  (1-d and 3-d: only the begin pads count, and the input is not padded; 2-d: the pads of the
  two axes are mixed up, so pads [0, 1, 0, 1] on 5x5 with a 3x3 kernel give 4x4, not 3x5).
  There the window is evaluated with AveragePool-19 instead (same kernel_shape, strides, pads,
  dilations, ceil_mode): the same output shape, from the implementation that follows PyTorch.
* ConvTranspose mostly crashes with group > 1, and always when output_padding >= stride (its
  col2im); there the shape is taken from onnx.shape_inference alone.

PyTorch's avg_pool3d also refuses an input side smaller than the kernel (before padding), a
check 1-d and 2-d average pooling do not make; test_avgpool3d_input_smaller_than_kernel_is_refused
pins it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, shape_inference
from onnx.reference import ReferenceEvaluator

import archlint

OPSET = 19  # AveragePool-19 is the first with dilations
AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
RNG = np.random.default_rng(20240601)

# Example counts: about 3,500 generated configurations in all, each evaluated by the reference.
CONV_EXAMPLES = 1200
CONV_TRANSPOSE_EXAMPLES = 700
MAXPOOL_EXAMPLES = 900
AVGPOOL_EXAMPLES = 700


def _settings(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


# ------------------------------------------------------------------------------------------
# The two sides: ONNX (inferred and evaluated) and archlint
# ------------------------------------------------------------------------------------------


def onnx_model(op: str, x_shape: tuple, w_shape: tuple | None = None, **attrs):
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x_shape))]
    names = ["X"]
    if w_shape is not None:
        inputs.append(helper.make_tensor_value_info("W", TensorProto.FLOAT, list(w_shape)))
        names.append("W")
    node = helper.make_node(op, names, ["Y"], **attrs)
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)
    graph = helper.make_graph([node], "g", inputs, [output])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def onnx_inferred(model) -> tuple | None:
    """The output shape onnx.shape_inference gives, or None where it fails or leaves it open."""
    try:
        inferred = shape_inference.infer_shapes(model, strict_mode=True)
    except Exception:
        return None
    tensor_type = inferred.graph.output[0].type.tensor_type
    if not tensor_type.HasField("shape"):
        return None
    dims = tensor_type.shape.dim
    if not all(d.HasField("dim_value") for d in dims):
        return None
    return tuple(d.dim_value for d in dims)


def onnx_evaluated(model, x_shape: tuple, w_shape: tuple | None = None) -> tuple | None:
    """The shape of what ReferenceEvaluator computes on a random input, or None if it refuses."""
    feeds = {"X": RNG.standard_normal(x_shape).astype(np.float32)}
    if w_shape is not None:
        feeds["W"] = RNG.standard_normal(w_shape).astype(np.float32)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # "mean of empty slice" for all-padding windows
            return tuple(ReferenceEvaluator(model).run(None, feeds)[0].shape)
    except Exception:
        return None


def collapsed(shape: tuple | None) -> bool:
    """The reference refuses: it raised, or an output side is zero or negative."""
    return shape is None or min(shape[2:]) < 1


def archlint_layer(ndim: int, channels: int, sizes: tuple, layer: dict):
    """archlint's output shape for the layer and its error-severity diagnostics on it."""
    input_ = {"channels": channels, **dict(zip(AXES[ndim], sizes))}
    doc = archlint.from_dict({"input": input_, "layers": [{"name": "x", **layer}]})
    assert doc.spec is not None, doc.problems  # the generators make schema-valid layers only
    result = archlint.check(doc)
    errors = [
        d
        for d in result.diagnostics
        if d.severity == archlint.Severity.ERROR and d.layer in ("x", None)
    ]
    return result.analysis.layers["x"].output, errors


def show(layer: dict, channels: int, sizes: tuple) -> str:
    return f"{layer} on input (C={channels}, {', '.join(map(str, sizes))})"


# ------------------------------------------------------------------------------------------
# PyTorch's rules, for the cases where ONNX disagrees with it
# ------------------------------------------------------------------------------------------


def torch_pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> int:
    """PyTorch's pooling_output_shape_pad_lr (aten/src/ATen/native/Pool.h), pad on both sides."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil else 0)) // stride + 1
    if ceil and (out - 1) * stride >= size + pad:  # the last window starts in the right padding
        out -= 1
    return out


def torch_drops_last_window(size, kernel, stride, pad, dilation, ceil) -> bool:
    """ceil_mode where PyTorch drops a last window starting in the right padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    return bool(ceil) and (-(-span // stride)) * stride >= size + pad


def torch_pool_pad_refused(kernels, pads) -> bool:
    """PyTorch refuses pool padding over half the (raw, undilated) kernel: pad <= kernel_size/2."""
    return any(2 * p > k for k, p in zip(kernels, pads))


def torch_conv_transpose_output_padding_refused(output_paddings, strides, dilations) -> bool:
    """PyTorch: output padding must be smaller than either the stride or the dilation."""
    return any(op >= s and op >= d for op, s, d in zip(output_paddings, strides, dilations))


# ------------------------------------------------------------------------------------------
# Generators
# ------------------------------------------------------------------------------------------

MAX_SIDE = {1: 10, 2: 7, 3: 4}


def per_axis(draw, ndim: int, values: st.SearchStrategy) -> tuple[int | list[int], tuple]:
    """A spec value (one int for every axis, or a list with one per axis) and its per-axis tuple."""
    if ndim == 1 or draw(st.booleans()):
        value = draw(values)
        return value, (value,) * ndim
    values_ = draw(st.lists(values, min_size=ndim, max_size=ndim))
    return values_, tuple(values_)


def small_strides():
    return st.sampled_from([1, 1, 1, 2, 2, 3])


@st.composite
def spatial(draw, ndims=(1, 1, 2, 2, 2, 3, 3)):
    ndim = draw(st.sampled_from(ndims))
    sizes = tuple(draw(st.lists(st.integers(1, MAX_SIDE[ndim]), min_size=ndim, max_size=ndim)))
    return ndim, sizes


@st.composite
def conv_configs(draw):
    ndim, sizes = draw(spatial())
    groups = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
    c_in = draw(st.sampled_from([1, 2, 3, 4, 6]))
    c_out = draw(st.sampled_from([1, 2, 3, 4, 6]))
    kernel, kernels = per_axis(draw, ndim, st.integers(1, 4))
    stride, strides = per_axis(draw, ndim, small_strides())
    dilation, dilations = per_axis(draw, ndim, st.sampled_from([1, 1, 2, 3]))
    mode = draw(st.sampled_from(["numbers", "numbers", "numbers", "same", "valid"]))
    if mode == "numbers":
        padding, pads = per_axis(draw, ndim, st.integers(0, 3))
        pad_pairs = [(p, p) for p in pads]
    else:
        padding = mode
        if mode == "valid":
            pad_pairs = [(0, 0)] * ndim
        else:  # PyTorch: total d·(k − 1), total//2 before, the rest after
            totals = [d * (k - 1) for k, d in zip(kernels, dilations)]
            pad_pairs = [(t // 2, t - t // 2) for t in totals]
    layer = {
        "type": f"conv{ndim}d",
        "out_channels": c_out,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
    }
    if draw(st.booleans()):
        layer["in_channels"] = c_in
    return dict(
        ndim=ndim,
        sizes=sizes,
        c_in=c_in,
        c_out=c_out,
        groups=groups,
        kernels=kernels,
        strides=strides,
        dilations=dilations,
        pad_pairs=pad_pairs,
        layer=layer,
    )


@st.composite
def conv_transpose_configs(draw):
    ndim, sizes = draw(spatial())
    sizes = tuple(min(s, 5) for s in sizes)  # the reference's col2im is slow
    groups = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
    c_in = draw(st.sampled_from([1, 2, 3, 4]))
    c_out = draw(st.sampled_from([1, 2, 3, 4]))
    kernel, kernels = per_axis(draw, ndim, st.integers(1, 4))
    stride, strides = per_axis(draw, ndim, small_strides())
    dilation, dilations = per_axis(draw, ndim, st.sampled_from([1, 1, 2, 3]))
    padding, pads = per_axis(draw, ndim, st.sampled_from([0, 0, 1, 1, 2, 3]))
    output_padding, output_paddings = per_axis(draw, ndim, st.sampled_from([0, 0, 0, 1, 1, 2]))
    layer = {
        "type": f"conv_transpose{ndim}d",
        "out_channels": c_out,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "dilation": dilation,
        "groups": groups,
    }
    return dict(
        ndim=ndim,
        sizes=sizes,
        c_in=c_in,
        c_out=c_out,
        groups=groups,
        kernels=kernels,
        strides=strides,
        dilations=dilations,
        pads=pads,
        output_paddings=output_paddings,
        layer=layer,
    )


@st.composite
def pool_configs(draw, kind: str):
    ndim, sizes = draw(spatial())
    channels = draw(st.integers(1, 3))
    kernel, kernels = per_axis(draw, ndim, st.integers(1, 4))
    layer = {"type": f"{kind}pool{ndim}d", "kernel_size": kernel}
    if draw(st.integers(0, 3)) == 0:  # stride omitted: it defaults to kernel_size
        strides = kernels
    else:
        layer["stride"], strides = per_axis(draw, ndim, small_strides())
    padding, pads = per_axis(draw, ndim, st.sampled_from([0, 1, 1, 2]))
    if draw(st.integers(0, 4)):  # mostly within PyTorch's pad <= kernel/2, sometimes over it
        pads = tuple(min(p, k // 2) for p, k in zip(pads, kernels))
        padding = pads[0] if len(set(pads)) == 1 and not isinstance(padding, list) else list(pads)
    layer["padding"] = padding
    dilations = (1,) * ndim
    if kind == "max":
        layer["dilation"], dilations = per_axis(draw, ndim, st.sampled_from([1, 1, 2, 3]))
    ceil = draw(st.booleans())
    layer["ceil_mode"] = ceil
    count_include_pad = True
    if kind == "avg":
        count_include_pad = draw(st.booleans())
        layer["count_include_pad"] = count_include_pad
    return dict(
        ndim=ndim,
        sizes=sizes,
        channels=channels,
        kernels=kernels,
        strides=strides,
        pads=pads,
        dilations=dilations,
        ceil=ceil,
        count_include_pad=count_include_pad,
        layer=layer,
    )


# ------------------------------------------------------------------------------------------
# Convolution
# ------------------------------------------------------------------------------------------


@_settings(CONV_EXAMPLES)
@given(conv_configs())
def test_conv_matches_onnx(cfg):
    ndim, sizes, c_in, c_out = cfg["ndim"], cfg["sizes"], cfg["c_in"], cfg["c_out"]
    g = cfg["groups"]
    x_shape = (1, c_in, *sizes)
    # a weight ONNX can check: a groups that does not divide makes it inconsistent, and ONNX refuses
    w_shape = (c_out, max(1, c_in // g), *cfg["kernels"])
    pads = [b for b, _ in cfg["pad_pairs"]] + [e for _, e in cfg["pad_pairs"]]
    model = onnx_model(
        "Conv",
        x_shape,
        w_shape,
        kernel_shape=list(cfg["kernels"]),
        strides=list(cfg["strides"]),
        pads=pads,
        dilations=list(cfg["dilations"]),
        group=g,
    )
    evaluated = onnx_evaluated(model, x_shape, w_shape)
    inferred = onnx_inferred(model)
    out, errors = archlint_layer(ndim, c_in, sizes, cfg["layer"])
    where = show(cfg["layer"], c_in, sizes)

    # ONNX and PyTorch disagree: padding='same' with stride > 1 is computed by ONNX (from the
    # explicit pads) but refused by PyTorch ("padding='same' is not supported for strided
    # convolutions").
    same_strided = cfg["layer"]["padding"] == "same" and max(cfg["strides"]) > 1

    if collapsed(evaluated) or same_strided:
        # collapsed output side or groups not dividing (ONNX refuses both), or 'same' strided
        groups_refused = c_in % g != 0 or c_out % g != 0
        event(
            "refused: same with stride"
            if same_strided
            else "refused by onnx: groups"
            if groups_refused
            else "refused by onnx: collapsed"
        )
        assert errors, f"PyTorch refuses {where} (ONNX gives {evaluated}); archlint: {out}"
        return
    event(f"valid conv{ndim}d" + (", same" if cfg["layer"]["padding"] == "same" else ""))
    assert inferred == evaluated, f"onnx disagrees with itself on {where}"
    assert not errors, f"{where} is valid ({evaluated[1:]}); archlint: {errors}"
    assert out == evaluated[1:], f"{where}: onnx {evaluated[1:]}, archlint {out}"


# ------------------------------------------------------------------------------------------
# Transposed convolution
# ------------------------------------------------------------------------------------------


@_settings(CONV_TRANSPOSE_EXAMPLES)
@given(conv_transpose_configs())
def test_conv_transpose_matches_onnx(cfg):
    ndim, sizes, c_in, c_out = cfg["ndim"], cfg["sizes"], cfg["c_in"], cfg["c_out"]
    g = cfg["groups"]
    strides, dilations, output_paddings = cfg["strides"], cfg["dilations"], cfg["output_paddings"]
    x_shape = (1, c_in, *sizes)
    w_shape = (c_in, max(1, c_out // g), *cfg["kernels"])
    model = onnx_model(
        "ConvTranspose",
        x_shape,
        w_shape,
        kernel_shape=list(cfg["kernels"]),
        strides=list(strides),
        pads=list(cfg["pads"]) * 2,
        dilations=list(dilations),
        group=g,
        output_padding=list(output_paddings),
    )
    inferred = onnx_inferred(model)
    # The reference evaluator mostly crashes on group > 1 and always on output_padding >=
    # stride (its col2im); there onnx.shape_inference alone is the oracle.
    evaluable = g == 1 and all(op < s for op, s in zip(output_paddings, strides))
    out, errors = archlint_layer(ndim, c_in, sizes, cfg["layer"])
    where = show(cfg["layer"], c_in, sizes)

    if collapsed(inferred):
        # a collapsed output side, or input channels groups does not divide (strict shape
        # inference refuses those)
        event("refused by onnx")
        assert errors, f"PyTorch refuses {where} (ONNX gives {inferred}); archlint: {out}"
        return
    if evaluable:
        evaluated = onnx_evaluated(model, x_shape, w_shape)
        assert evaluated == inferred, f"onnx disagrees with itself on {where}"

    # ONNX and PyTorch disagree: onnx.shape_inference gives a shape for both of these, PyTorch
    # refuses them.
    groups_refused = c_in % g != 0 or c_out % g != 0
    output_padding_refused = torch_conv_transpose_output_padding_refused(
        output_paddings, strides, dilations
    )
    if groups_refused or output_padding_refused:
        event("refused: " + ("groups" if groups_refused else "output_padding"))
        assert errors, f"PyTorch refuses {where} (groups or output_padding); archlint: {out}"
        return
    event(f"valid conv_transpose{ndim}d" + (", evaluated" if evaluable else ", inferred only"))
    assert not errors, f"{where} is valid ({inferred[1:]}); archlint: {errors}"
    assert out == inferred[1:], f"{where}: onnx {inferred[1:]}, archlint {out}"


# ------------------------------------------------------------------------------------------
# Pooling
# ------------------------------------------------------------------------------------------


def pool_model(kind: str, cfg: dict, op: str | None = None):
    attrs = dict(
        kernel_shape=list(cfg["kernels"]),
        strides=list(cfg["strides"]),
        pads=list(cfg["pads"]) * 2,
        ceil_mode=int(cfg["ceil"]),
    )
    op = op or ("MaxPool" if kind == "max" else "AveragePool")
    if op == "AveragePool":
        attrs["count_include_pad"] = int(cfg["count_include_pad"])
    if kind == "max":
        attrs["dilations"] = list(cfg["dilations"])
    x_shape = (1, cfg["channels"], *cfg["sizes"])
    return onnx_model(op, x_shape, **attrs), x_shape


def check_pool(kind: str, cfg: dict):
    ndim, sizes, channels = cfg["ndim"], cfg["sizes"], cfg["channels"]
    kernels, strides, pads, dilations, ceil = (
        cfg["kernels"],
        cfg["strides"],
        cfg["pads"],
        cfg["dilations"],
        cfg["ceil"],
    )
    model, x_shape = pool_model(kind, cfg)
    inferred = onnx_inferred(model)
    if kind == "max" and set(strides) == {1} and set(dilations) == {1}:
        # onnx.reference's MaxPool takes a legacy path here that misreads pads; AveragePool-19
        # moves the same window (dilations included) and follows PyTorch.
        surrogate, _ = pool_model(kind, cfg, op="AveragePool")
        evaluated = onnx_evaluated(surrogate, x_shape)
    else:
        evaluated = onnx_evaluated(model, x_shape)
    out, errors = archlint_layer(ndim, channels, sizes, cfg["layer"])
    where = show(cfg["layer"], channels, sizes)

    # ONNX and PyTorch disagree: ONNX pools with any padding, PyTorch refuses pad > kernel/2.
    if torch_pool_pad_refused(kernels, pads):
        event("refused: padding over half the kernel")
        assert errors, f"PyTorch refuses {where}: padding over half the kernel; archlint: {out}"
        return
    if collapsed(evaluated):
        event("refused by onnx")
        assert errors, f"PyTorch refuses {where}: output {evaluated}; archlint: {out}"
        return

    # ONNX and PyTorch disagree: in ceil_mode PyTorch drops a last window that would start in
    # the right padding; the reference evaluator does too, onnx.shape_inference does not.
    dropped = [
        torch_drops_last_window(n, k, s, p, d, ceil)
        for n, k, s, p, d in zip(sizes, kernels, strides, pads, dilations)
    ]
    if any(dropped):
        event("ceil_mode drops a last window")
        expected = (
            channels,
            *(
                torch_pool_out(n, k, s, p, d, ceil)
                for n, k, s, p, d in zip(sizes, kernels, strides, pads, dilations)
            ),
        )
        assert evaluated[1:] == expected, f"onnx.reference no longer follows PyTorch on {where}"
        assert inferred[2:] == tuple(e + drop for e, drop in zip(expected[1:], dropped)), (
            f"onnx.shape_inference's ceil_mode changed on {where}"
        )
    else:
        assert inferred == evaluated, f"onnx disagrees with itself on {where}"

    if kind == "avg" and ndim == 3 and any(n < k for n, k in zip(sizes, kernels)):
        # PyTorch's avg_pool3d refuses an input side smaller than the kernel before padding
        # (pool3d_shape_check with check_input_size); ONNX computes a shape.
        event("avgpool3d input smaller than kernel: PyTorch refuses")
        assert errors, f"{where}: PyTorch's avg_pool3d refuses it; archlint gave no error"
        return
    event(f"valid {kind}pool{ndim}d" + (", ceil_mode" if ceil else ""))
    assert not errors, f"{where} is valid ({evaluated[1:]}); archlint: {errors}"
    assert out == evaluated[1:], f"{where}: onnx {evaluated[1:]}, archlint {out}"


@_settings(MAXPOOL_EXAMPLES)
@given(pool_configs("max"))
def test_maxpool_matches_onnx(cfg):
    check_pool("max", cfg)


@_settings(AVGPOOL_EXAMPLES)
@given(pool_configs("avg"))
def test_avgpool_matches_onnx(cfg):
    check_pool("avg", cfg)


# ------------------------------------------------------------------------------------------
# The known edge cases, by name, each with PyTorch's answer
# ------------------------------------------------------------------------------------------


def one(layer: dict, channels: int, *sizes: int):
    return archlint_layer(len(sizes), channels, sizes, layer)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_ceil_mode_drops_a_last_window_starting_in_the_right_padding(kind):
    # nn.MaxPool1d / nn.AvgPool1d(2, stride=2, padding=1, ceil_mode=True) on length 5: the windows
    # start at -1, 1, 3 and 5; the one at 5 starts in the right padding and PyTorch drops it: 3.
    layer = {
        "type": f"{kind}pool1d",
        "kernel_size": 2,
        "stride": 2,
        "padding": 1,
        "ceil_mode": True,
    }
    out, errors = one(layer, 1, 5)
    assert out == (1, 3) and not errors
    cfg = dict(
        kernels=(2,),
        strides=(2,),
        pads=(1,),
        dilations=(1,),
        ceil=True,
        channels=1,
        sizes=(5,),
        count_include_pad=True,
    )
    model, x_shape = pool_model(kind, cfg)
    assert onnx_evaluated(model, x_shape) == (1, 1, 3)  # the reference evaluator agrees
    assert onnx_inferred(model) == (1, 1, 4)  # onnx.shape_inference keeps the fourth window
    assert torch_pool_out(5, 2, 2, 1, 1, True) == 3


def test_ceil_mode_keeps_a_partial_last_window_starting_on_the_input():
    # nn.MaxPool2d(3, stride=2, ceil_mode=True) on 6x6: the window at 4 starts on real input
    layer = {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True}
    out, errors = one(layer, 2, 6, 6)
    assert out == (2, 3, 3) and not errors


def test_pool_padding_over_half_the_kernel_is_refused():
    # nn.MaxPool2d(2, padding=2): "pad should be smaller than or equal to half of kernel size";
    # ONNX pools it all the same.
    layer = {"type": "maxpool2d", "kernel_size": 2, "stride": 2, "padding": 2}
    _, errors = one(layer, 1, 8, 8)
    assert errors
    model = onnx_model(
        "MaxPool", (1, 1, 8, 8), kernel_shape=[2, 2], strides=[2, 2], pads=[2, 2, 2, 2]
    )
    assert onnx_inferred(model) == (1, 1, 6, 6)
    _, errors = one({"type": "avgpool1d", "kernel_size": 3, "padding": 2}, 1, 9)
    assert errors


def test_pool_padding_limit_uses_the_raw_kernel_not_the_dilated_one():
    # nn.MaxPool1d(3, stride=1, padding=2, dilation=2): the dilated window is 5 wide, but PyTorch
    # checks pad <= kernel_size/2 = 1 on the raw kernel and refuses. (PyTorch's main branch has
    # been moving 1-d/2-d max pooling to the dilated kernel; released versions check the raw.)
    _, errors = one(
        {"type": "maxpool1d", "kernel_size": 3, "stride": 1, "padding": 2, "dilation": 2}, 1, 9
    )
    assert errors
    out, errors = one(
        {"type": "maxpool1d", "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2}, 1, 9
    )
    assert out == (1, 7) and not errors


def test_same_padding_with_stride_is_refused():
    # nn.Conv2d(3, 4, 3, stride=2, padding='same'): "padding='same' is not supported for strided
    # convolutions"; ONNX computes it from the explicit pads.
    layer = {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"}
    _, errors = one(layer, 3, 8, 8)
    assert errors
    model = onnx_model(
        "Conv", (1, 3, 8, 8), (4, 3, 3, 3), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
    )
    assert onnx_evaluated(model, (1, 3, 8, 8), (4, 3, 3, 3)) == (1, 4, 4, 4)


def test_same_padding_with_an_even_kernel_puts_the_extra_row_at_the_end():
    # nn.Conv1d(1, 2, 4, padding='same') on length 5: total padding 3, 1 before and 2 after
    layer = {"type": "conv1d", "out_channels": 2, "kernel_size": 4, "padding": "same"}
    out, errors = one(layer, 1, 5)
    assert out == (2, 5) and not errors
    axis = (
        archlint.check(
            archlint.from_dict(
                {
                    "input": {"channels": 1, "length": 5},
                    "layers": [{"name": "x", **layer}],
                }
            )
        )
        .analysis.layers["x"]
        .axes[0]
    )
    assert (axis.pad_begin, axis.pad_end) == (1, 2)
    model = onnx_model("Conv", (1, 1, 5), (2, 1, 4), kernel_shape=[4], pads=[1, 2])
    assert onnx_evaluated(model, (1, 1, 5), (2, 1, 4)) == (1, 2, 5)


def test_conv_groups_must_divide_both_channel_counts():
    # nn.Conv2d(4, 6, 3, groups=4): "out_channels must be divisible by groups"
    _, errors = one({"type": "conv2d", "out_channels": 6, "kernel_size": 3, "groups": 4}, 4, 8, 8)
    assert errors
    _, errors = one({"type": "conv2d", "out_channels": 6, "kernel_size": 3, "groups": 3}, 4, 8, 8)
    assert errors
    out, errors = one({"type": "conv2d", "out_channels": 6, "kernel_size": 3, "groups": 2}, 4, 8, 8)
    assert out == (6, 6, 6) and not errors


def test_collapsed_output_is_refused():
    # nn.Conv2d(3, 8, 5) on 4x4: "Kernel size can't be greater than actual input size"
    out, errors = one({"type": "conv2d", "out_channels": 8, "kernel_size": 5}, 3, 4, 4)
    assert errors and out is None
    # nn.ConvTranspose1d(1, 1, 1, padding=1) on 1: (1 − 1)·1 − 2 + 0 + 1 = −1
    out, errors = one(
        {"type": "conv_transpose1d", "out_channels": 1, "kernel_size": 1, "padding": 1}, 1, 1
    )
    assert errors and out is None


def test_conv_transpose_output_padding_must_be_below_stride_or_dilation():
    # nn.ConvTranspose1d(1, 1, 3, stride=2, output_padding=2): refused (2 >= stride and dilation)
    _, errors = one(
        {
            "type": "conv_transpose1d",
            "out_channels": 1,
            "kernel_size": 3,
            "stride": 2,
            "output_padding": 2,
        },
        1,
        4,
    )
    assert errors
    model = onnx_model(
        "ConvTranspose", (1, 1, 4), (1, 1, 3), kernel_shape=[3], strides=[2], output_padding=[2]
    )
    assert onnx_inferred(model) == (1, 1, 11)  # onnx.shape_inference accepts it
    # output_padding 2 >= stride 1 but < dilation 3: PyTorch accepts, (4 − 1)·1 + 3·2 + 2 + 1 = 12
    out, errors = one(
        {
            "type": "conv_transpose1d",
            "out_channels": 1,
            "kernel_size": 3,
            "dilation": 3,
            "output_padding": 2,
        },
        1,
        4,
    )
    assert out == (1, 12) and not errors


def test_avgpool3d_input_smaller_than_kernel_is_refused():
    # nn.AvgPool3d(3, stride=1, padding=1) on 1x2x4x4: PyTorch's avg_pool3d checks the input
    # against the kernel before padding (pool3d_shape_check(..., check_input_size=true)):
    # "input image (T: 2 H: 4 W: 4) smaller than kernel size (kT: 3 kH: 3 kW: 3)".
    _, errors = one({"type": "avgpool3d", "kernel_size": 3, "stride": 1, "padding": 1}, 1, 2, 4, 4)
    assert errors

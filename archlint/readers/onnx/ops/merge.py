"""Merges and scaling: Add, Sum, Sub, Mul, Div and Concat (along any axis but the batch) of
activations; Add, Sub, Mul and Div by a constant scalar (`add`, `sub`, `mul`, `div` with a
`value`); Mul by a constant along one axis, a `layer_scale` (ConvNeXt's), except that a
per-channel Mul followed by a per-channel Add (a scale and shift) is the depthwise 1×1
convolution that computes exactly that, the Add its bias (the `channel_shift_add` fusion in
patterns.py).
"""

from __future__ import annotations

import math

from archlint.readers.onnx.consts import Const, along
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node, f32
from archlint.readers.onnx.table import Mapping, Unsupported, op, put


@op("Add", "Sum", "Sub")
def add(node: Node, ctx: Context) -> Mapping:
    kind = "sub" if node.op_type == "Sub" else "add"
    scalar = _with_scalar(kind, node, ctx)
    return scalar if scalar is not None else _merge(kind, node, ctx)


@op("Mul")
def mul(node: Node, ctx: Context) -> Mapping:
    consts = [k for k, t in enumerate(node.input) if t in ctx.consts]
    if not consts:
        return _merge("mul", node, ctx)
    if len(node.input) != 2 or len(consts) != 1:
        raise Unsupported("Mul of constants only")
    x = ctx.act(node, 1 - consts[0])
    c = ctx.consts[node.input[consts[0]]]
    if c.numel == 1:
        factor = c.scalar()
        if factor is None or not math.isfinite(factor):
            raise Unsupported("the factor is not a known finite constant")
        return {"type": "mul", "value": f32(factor)}, [x], []
    shape = ctx.shape(x, "Mul by a tensor")
    axis = _scaled_axis(shape, c)
    if axis == 0 and len(shape) >= 2 and ctx.bias_add(node, shape[0], len(shape)):
        return _channel_scale(x, c, ctx)  # a scale and shift: the Add becomes its bias
    if axis is None:
        raise Unsupported(f"Mul by a constant of shape {list(c.dims or [])}: only along one axis")
    config = {"type": "layer_scale", "num_features": shape[axis]}
    put(config, "dim", axis if axis == 0 or axis < len(shape) - 1 else -1, 0)
    return config, [x], []


def _scaled_axis(shape: tuple, c: Const) -> int | None:
    """The one axis (of the batch-less shape) a constant runs along when broadcast against
    the batched input, or None: (C, 1, 1) scales the channels of a map, (C,) the last axis."""
    runs = along(c)
    if runs is None or len(c.dims) > len(shape) + 1 or runs[0] > len(shape):
        return None  # not along one axis, or along the batch (or before it)
    from_end, size = runs
    return len(shape) - from_end if shape[-from_end] == size else None


@op("Div")
def div(node: Node, ctx: Context) -> Mapping:
    if not any(t in ctx.consts for t in node.input):
        return _merge("div", node, ctx)  # x / ‖x‖: L2 normalisation
    c = ctx.const(node, 1) if node.input[1:] and node.input[1] in ctx.consts else None
    if c is None or c.numel != 1 or not c.scalar():
        raise Unsupported("only Div by a known non-zero scalar constant")
    return {"type": "div", "value": f32(c.scalar())}, [ctx.act(node, 0)], []


def _with_scalar(kind: str, node: Node, ctx: Context) -> Mapping | None:
    """x + c or x − c for a scalar constant c: the layer with a `value`; None if no constant."""
    consts = [k for k, t in enumerate(node.input) if t in ctx.consts]
    if not consts or len(node.input) != 2:
        return None
    if len(consts) == 2 or ctx.consts[node.input[consts[0]]].numel != 1:
        raise Unsupported(f"{node.op} of a constant tensor (only of a scalar or activations)")
    value = ctx.consts[node.input[consts[0]]].scalar()
    if value is None or not math.isfinite(value):
        raise Unsupported("the constant is not a known finite number")
    if kind == "sub" and consts[0] == 0:
        raise Unsupported("a constant minus an activation")
    return {"type": kind, "value": f32(value)}, [ctx.act(node, 1 - consts[0])], []


@op("Concat")
def concat(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    axis = ctx.axis(node, x, node.attrs.get("axis", 1))
    if axis == 0:
        raise Unsupported("Concat along the batch axis")
    config, sources, fused = _merge("concat", node, ctx)
    if config["type"] == "concat":
        put(config, "dim", axis - 1, 0)
    return config, sources, fused


def channel_affine_note(shift: bool) -> str:
    """What a converted spec says above a per-channel Mul (and Add) made a convolution."""
    return (
        "a per-channel scale"
        + (" and shift" if shift else "")
        + ", written as a depthwise 1×1 convolution (the same arithmetic and parameters)"
    )


def _merge(kind: str, node: Node, ctx: Context) -> Mapping:
    if any(t in ctx.consts for t in node.input if t):
        raise Unsupported(f"{node.op} of a constant (only of activations)")
    sources = [ctx.act(node, k) for k in range(len(node.input)) if node.input[k]]
    if len(sources) == 1:
        return {"type": "identity"}, sources, []
    return {"type": kind}, sources, []


def _channel_scale(x: str, c: Const, ctx: Context) -> Mapping:
    """x times a per-channel constant: a depthwise 1×1 convolution without bias, which
    computes exactly that with C parameters."""
    shape = ctx.shape(x, "Mul by a tensor")
    if len(shape) < 2 or c.dims is None:
        raise Unsupported("Mul by a tensor of a non-map input")
    channels, n = shape[0], len(shape) - 1
    if along(c) != (n + 1, channels):
        raise Unsupported(f"Mul by a constant of shape {list(c.dims)}: only per-channel")
    config = {
        "type": f"conv{n}d",
        "in_channels": channels,
        "out_channels": channels,
        "kernel_size": 1,
        "groups": channels,
        "bias": False,
    }
    ctx.note = channel_affine_note(shift=False)
    return config, [x], []

"""Activations: the ones without attributes archlint needs map to the layer of the same
kind; Selu and HardSigmoid only with PyTorch's fixed constants; Clip(0, 6) is relu6;
Softmax and LogSoftmax keep their axis (never the batch's).
"""

from __future__ import annotations

import math

from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node, f32
from archlint.readers.onnx.table import Mapping, Unsupported, op, put

SIMPLE_ACTIVATIONS = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus",
    "HardSwish": "hardswish", "Mish": "mish", "Gelu": "gelu",
}  # fmt: skip


@op(*SIMPLE_ACTIVATIONS)
def simple(node: Node, ctx: Context) -> Mapping:
    """Activations without attributes archlint would need: the same layer type."""
    return _layer(SIMPLE_ACTIVATIONS[node.op_type], node, ctx)


@op("Selu")
def selu(node: Node, ctx: Context) -> Mapping:
    alpha, gamma = node.attrs.get("alpha", 1.6732632), node.attrs.get("gamma", 1.050701)
    if abs(alpha - 1.6732632) > 1e-5 or abs(gamma - 1.050701) > 1e-5:
        raise Unsupported(f"Selu with alpha {alpha}, gamma {gamma} (PyTorch's are fixed)")
    return _layer("selu", node, ctx)


@op("HardSigmoid")
def hard_sigmoid(node: Node, ctx: Context) -> Mapping:
    alpha, beta = node.attrs.get("alpha", 0.2), node.attrs.get("beta", 0.5)
    if abs(alpha - 1 / 6) > 1e-6 or abs(beta - 0.5) > 1e-6:
        raise Unsupported(
            f"HardSigmoid alpha {f32(alpha)}, beta {f32(beta)}: PyTorch's is 1/6, 0.5"
        )
    return _layer("hardsigmoid", node, ctx)


@op("LeakyRelu")
def leaky_relu(node: Node, ctx: Context) -> Mapping:
    config = {}
    put(config, "negative_slope", f32(node.attrs.get("alpha", 0.01)), 0.01)
    return _layer("leaky_relu", node, ctx, **config)


@op("Elu")
def elu(node: Node, ctx: Context) -> Mapping:
    config = {}
    put(config, "alpha", f32(node.attrs.get("alpha", 1.0)), 1.0)
    return _layer("elu", node, ctx, **config)


@op("PRelu")
def prelu(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    slope = ctx.const(node, 1)
    if slope is None or slope.numel is None:
        raise Unsupported("the slope must be a constant")
    config = {"type": "prelu"}
    put(config, "num_parameters", slope.numel, 1)
    return config, [x], []


@op("Softmax")
def softmax(node: Node, ctx: Context) -> Mapping:
    return _softmax("softmax", node, ctx)


@op("LogSoftmax")
def log_softmax(node: Node, ctx: Context) -> Mapping:
    return _softmax("log_softmax", node, ctx)


@op("Clip")
def clip(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    bounds = []
    for k, key in ((1, "min"), (2, "max")):
        value = node.attrs.get(key)
        if value is None:
            c = ctx.const(node, k)
            value = c.scalar() if c is not None else None
            if c is not None and value is None:
                raise Unsupported(f"{key} is not a known constant")
        if value is not None and (not math.isfinite(value) or abs(value) >= 3.4e38):
            value = None  # opset 6's defaults, ±FLT_MAX: no bound
        bounds.append(None if value is None else f32(value))
    if bounds == [0, 6]:
        return {"type": "relu6"}, [x], []
    config = {"type": "clip"}
    for key, value in zip(("min", "max"), bounds):
        if value is not None:
            config[key] = value
    return config, [x], []


def _layer(kind: str, node: Node, ctx: Context, **config) -> Mapping:
    return {"type": kind, **config}, [ctx.act(node)], []


def _softmax(kind: str, node: Node, ctx: Context) -> Mapping:
    axis = node.attrs.get("axis", 1 if ctx.opset < 13 else -1)
    if axis == 0:
        raise Unsupported("softmax over the batch axis")
    config = {"type": kind}
    put(config, "dim", axis if axis < 0 else axis - 1, 0)
    return config, [ctx.act(node)], []

"""Ops that only move data: Identity, and Flatten, Reshape and Squeeze where they flatten
(N, C, ...) to (N, features) or leave the shape as it is. Any other reshaping has no layer
type and becomes opaque; so does an Unsqueeze on its own (with a pooling and a Squeeze after
it, it is the `pool_1d` pattern in patterns.py).
"""

from __future__ import annotations

from math import prod

from archlint.layers import Shape
from archlint.readers.onnx.consts import BATCH
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node
from archlint.readers.onnx.table import Mapping, Unsupported, op

ADDS_AN_AXIS = "Unsqueeze adds an axis (only as part of 1-d pooling)"


@op("Identity")
def identity(node: Node, ctx: Context) -> Mapping:
    return {"type": "identity"}, [ctx.act(node)], []


@op("Flatten")
def flatten(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node)
    axis = ctx.axis(node, x, node.attrs.get("axis", 1))
    if axis != 1:
        raise Unsupported(f"Flatten with axis {axis}: only axis 1 keeps the batch apart")
    return {"type": "flatten"}, [x], []


@op("Reshape")
def reshape(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x = ctx.act(node, 0)
    target = a.get("shape")
    if target is None:
        c = ctx.const(node, 1)
        target = c.read() if c is not None else None
    if target is None:
        raise Unsupported("the target shape is not a known constant")
    zero_copies = not a.get("allowzero", 0)
    target = list(target)
    shape = ctx.shapes.get(x)
    batchy = _batchy(ctx, target[0], zero_copies) if target else False
    if len(target) == 2 and batchy and target[1] == -1:
        return {"type": "flatten"}, [x], []
    if shape is not None and len(target) == 2 and target[1] == prod(shape):
        if batchy or target[0] == -1:
            return {"type": "flatten"}, [x], []
    if shape is not None and batchy and _same_sizes(target[1:], shape, zero_copies):
        return {"type": "identity"}, [x], []
    raise Unsupported(f"Reshape to {target} is not a flatten")


@op("Squeeze")
def squeeze(node: Node, ctx: Context) -> Mapping:
    """Squeezing the 1-sized spatial axes of (N, C, 1, 1) is a flatten."""
    x = ctx.act(node, 0)
    shape = ctx.shape(x, "Squeeze")
    axes = ctx.axes(node)
    rank = len(shape) + 1
    if axes is None:
        if ctx.batch is BATCH or ctx.batch == 1:
            raise Unsupported("Squeeze without axes would drop a batch of 1")
        axes = [k + 1 for k, s in enumerate(shape) if s == 1]
    axes = sorted({int(ax) % rank for ax in axes})
    if 0 in axes or any(shape[ax - 1] != 1 for ax in axes):
        raise Unsupported(f"Squeeze of axes {axes}")
    if rank - len(axes) != 2:
        raise Unsupported(f"Squeeze of axes {axes} leaves a map, not features")
    return {"type": "flatten"}, [x], []


@op("Unsqueeze")
def unsqueeze(node: Node, ctx: Context) -> Mapping:
    raise Unsupported(ADDS_AN_AXIS)


def _batchy(ctx: Context, value, zero_copies: bool) -> bool:
    """A Reshape target's first entry that keeps the batch axis as it is."""
    return (
        value is BATCH
        or (value == 0 and zero_copies)
        or (ctx.batch is not BATCH and value == ctx.batch)
    )


def _same_sizes(target: list, shape: Shape, zero_copies: bool) -> bool:
    """A Reshape target (batch axis dropped) that leaves the shape as it is."""
    if len(target) != len(shape):
        return False
    return all(t == s or (t == 0 and zero_copies) for t, s in zip(target, shape))

"""Ops that only move data: Identity; Flatten, Reshape, Squeeze and Unsqueeze (a `flatten`
where they flatten (N, C, ...) to (N, features), else a `reshape` that keeps the batch apart);
Transpose (a `permute` that leaves the batch first); Expand (an `expand`); DepthToSpace in CRD
order (a `pixel_shuffle`). Unsqueeze -> pool ->
Squeeze is the `pool_1d` pattern in patterns.py.
"""

from __future__ import annotations

from math import prod

from archlint.layers import Shape
from archlint.readers.onnx.consts import BATCH
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node
from archlint.readers.onnx.table import Mapping, Unsupported, op


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
    shape = ctx.shape(x, "Reshape")
    if not batchy and not (target[0] == -1 and -1 not in target[1:]):
        raise Unsupported(f"Reshape to {target} does not keep the batch axis apart")
    rest = [shape[k - 1] if t == 0 and zero_copies and k <= len(shape) else t
            for k, t in enumerate(target) if k]  # fmt: skip
    if not rest or not all(isinstance(t, int) and t >= -1 for t in rest):
        raise Unsupported(f"Reshape to {target}")
    return {"type": "reshape", "shape": rest}, [x], []


def reshape_to(x: str, shape: Shape, new: list[int]) -> Mapping:
    """A mapping to `new` (batch-less): flatten, identity or reshape, as a user would write it."""
    if len(new) == 1 and len(shape) > 1:
        return {"type": "flatten"}, [x], []
    if tuple(new) == tuple(shape):
        return {"type": "identity"}, [x], []
    return {"type": "reshape", "shape": list(new)}, [x], []


@op("Transpose")
def transpose(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node)
    rank = ctx.rank(node, x)
    if rank is None:
        raise Unsupported("a Transpose needs the input's rank")
    perm = list(node.attrs.get("perm") or range(rank, -1, -1))
    if sorted(perm) != list(range(rank + 1)) or perm[0] != 0:
        raise Unsupported(f"Transpose with perm {perm} moves the batch axis")
    if perm == sorted(perm):
        return {"type": "identity"}, [x], []
    return {"type": "permute", "dims": [p - 1 for p in perm[1:]]}, [x], []


@op("Expand")
def expand(node: Node, ctx: Context) -> Mapping:
    """numpy-style broadcasting of the input to a shape (sizes of 1 keep the input's)."""
    x = ctx.act(node, 0)
    shape = ctx.shape(x, "Expand")
    c = ctx.const(node, 1)
    target = c.read() if c is not None else None
    if target is None:
        raise Unsupported("the target shape is not a known constant")
    full = [ctx.batch, *shape]
    if len(target) > len(full):
        raise Unsupported(f"Expand to {list(target)} adds axes before the batch")
    target = [1] * (len(full) - len(target)) + list(target)
    out = []
    for k, (have, want) in enumerate(zip(full, target)):
        if want is BATCH or want == 1 or want == have or (k == 0 and want == ctx.batch):
            out.append(have)
        elif have == 1 and k and isinstance(want, int) and want > 1:
            out.append(want)
        else:
            raise Unsupported(f"Expand of {full} to {target}")
    if out[1:] == list(shape):
        return {"type": "identity"}, [x], []
    return {"type": "expand", "shape": out[1:]}, [x], []


@op("Squeeze", "Unsqueeze")
def squeeze(node: Node, ctx: Context) -> Mapping:
    """Dropping or adding axes of size 1, never the batch (to (N, features): a flatten)."""
    x = ctx.act(node, 0)
    shape = ctx.shape(x, node.op_type)
    axes = ctx.axes(node)
    if node.op_type == "Unsqueeze":
        if axes is None:
            raise Unsupported("the axes are not a known constant")
        rank = len(shape) + 1 + len(axes)
        new: list = [None] * rank
        for ax in axes:
            new[int(ax) % rank] = 1
        if new[0] == 1:
            raise Unsupported("Unsqueeze of axis 0 would put an axis before the batch")
        rest = iter(shape)
        full = [ctx.batch if k == 0 else next(rest) if n is None else 1 for k, n in enumerate(new)]
        return reshape_to(x, shape, full[1:])
    rank = len(shape) + 1
    if axes is None:
        if ctx.batch is BATCH or ctx.batch == 1:
            raise Unsupported("Squeeze without axes would drop a batch of 1")
        axes = [k + 1 for k, s in enumerate(shape) if s == 1]
    axes = sorted({int(ax) % rank for ax in axes})
    if 0 in axes or any(shape[ax - 1] != 1 for ax in axes):
        raise Unsupported(f"Squeeze of axes {axes}")
    return reshape_to(x, shape, [s for k, s in enumerate(shape) if k + 1 not in axes])


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


@op("DepthToSpace")
def depth_to_space(node: Node, ctx: Context) -> Mapping:
    """nn.PixelShuffle exports as DepthToSpace in CRD order; the DCR order (ONNX's default,
    TensorFlow's) moves the same channels to other places and has no torch.nn layer."""
    x = ctx.act(node)
    if node.attrs.get("mode", "DCR") != "CRD":
        raise Unsupported("DepthToSpace in DCR order (TensorFlow's): pixel_shuffle is CRD")
    return {"type": "pixel_shuffle", "upscale_factor": node.attrs["blocksize"]}, [x], []

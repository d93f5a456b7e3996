"""Normalisation and regularisation: BatchNormalization (1-d, 2-d or 3-d by the input's rank),
LayerNormalization, InstanceNormalization, GroupNormalization, LRN, and Dropout (an identity at
inference, kept as the layer a user would write).

Batch-norm running mean and variance are buffers, not parameters: only scale and B count.
"""

from __future__ import annotations

from math import prod

from archlint.layers import compact
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node, f32
from archlint.readers.onnx.table import Mapping, Unsupported, op, put


@op("BatchNormalization")
def batch_normalization(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x = ctx.act(node, 0)
    scale, bias = ctx.const(node, 1), ctx.const(node, 2)
    for k in (3, 4):
        ctx.const(node, k)
    if not a.get("spatial", 1):
        raise Unsupported("spatial = 0 (statistics per position)")
    if scale is None or bias is None or scale.dims is None or len(scale.dims) != 1:
        raise Unsupported("scale and B must be 1-d constants")
    channels = scale.dims[0]
    if bias.numel != channels:
        raise Unsupported(f"B has {bias.numel} elements, scale {channels}")
    rank = ctx.rank(node, x)
    if rank is None:
        rank = 3
        ctx.note = "assumed batchnorm2d: the input's rank is unknown here"
    kind = {1: 1, 2: 1, 3: 2, 4: 3}.get(rank)
    if kind is None:
        raise Unsupported(f"batch normalisation of a rank-{rank} input")
    config = {"type": f"batchnorm{kind}d", "num_features": channels}
    put(config, "eps", f32(a.get("epsilon", 1e-5)), 1e-5)
    put(config, "momentum", f32(1 - a.get("momentum", 0.9)), 0.1)
    return config, [x], []


@op("LRN")
def lrn(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    if "size" not in a:
        raise Unsupported("no size")
    config = {"type": "local_response_norm", "size": a["size"]}
    config["alpha"] = f32(a.get("alpha", 1e-4))
    config["beta"] = f32(a.get("beta", 0.75))
    config["k"] = f32(a.get("bias", 1.0))
    return config, [ctx.act(node)], []


@op("Dropout")
def dropout(node: Node, ctx: Context) -> Mapping:
    p = node.attrs.get("ratio")
    if p is None:
        c = ctx.const(node, 1)
        p = c.scalar() if c is not None else 0.5
        if p is None:
            raise Unsupported("the ratio is not a known constant")
    config = {"type": "dropout"}
    put(config, "p", f32(p), 0.5)
    return config, [ctx.act(node)], []


@op("LayerNormalization")
def layer_normalization(node: Node, ctx: Context) -> Mapping:
    """Over the axes from `axis` on; Scale (and B) are the affine weight (and bias)."""
    x = ctx.act(node, 0)
    shape = ctx.shape(x, "LayerNormalization")
    axis = ctx.axis(node, x, node.attrs.get("axis", -1))
    scale, bias = ctx.const(node, 1), ctx.const(node, 2)
    if axis == 0 or not 0 < axis <= len(shape):
        raise Unsupported(f"LayerNormalization from axis {axis}: the batch is not normalised")
    normalised = list(shape[axis - 1 :])
    if scale is None or scale.numel != prod(normalised):
        raise Unsupported(f"Scale does not match the normalised axes {normalised}")
    config: dict = {"type": "layernorm", "normalized_shape": compact(normalised)}
    put(config, "eps", f32(node.attrs.get("epsilon", 1e-5)), 1e-5)
    # the exporter writes a LayerNorm without affine (or without bias) with Constants of ones
    # and zeros, which are no parameters
    no_bias = bias is None or ctx.constant_is(node, 2, 0.0, learnt=False)
    if ctx.constant_is(node, 1, 1.0, learnt=False) and no_bias:
        config["elementwise_affine"] = False
    elif no_bias:
        config["bias"] = False
    return config, [x], []


@op("InstanceNormalization")
def instance_normalization(node: Node, ctx: Context) -> Mapping:
    """Per sample and channel; a scale of ones and a B of zeros that the exporter wrote as
    Constants (not initializers) are no parameters: an InstanceNorm without affine."""
    x = ctx.act(node, 0)
    rank = ctx.rank(node, x)
    scale, bias = ctx.const(node, 1), ctx.const(node, 2)
    if rank not in (2, 3, 4) or scale is None or bias is None or scale.dims is None:
        raise Unsupported("instance normalisation of a (C, L), (C, H, W) or (C, D, H, W) map")
    config: dict = {"type": f"instancenorm{rank - 1}d", "num_features": scale.numel}
    put(config, "eps", f32(node.attrs.get("epsilon", 1e-5)), 1e-5)
    if not (ctx.constant_is(node, 1, 1.0, learnt=False) and ctx.constant_is(node, 2, 0.0, False)):
        config["affine"] = True
    return config, [x], []


@op("GroupNormalization")
def group_normalization(node: Node, ctx: Context) -> Mapping:
    """torch.nn.GroupNorm: a scale and shift per channel (opset 21), or per group of ones and
    zeros (opset 18's form, as an exporter writes GroupNorm without affine)."""
    x = ctx.act(node, 0)
    channels = ctx.shape(x, "GroupNormalization")[0]
    groups = node.attrs.get("num_groups")
    scale, bias = ctx.const(node, 1), ctx.const(node, 2)
    if not groups or scale is None or bias is None:
        raise Unsupported("num_groups, scale and bias are needed")
    config: dict = {"type": "groupnorm", "num_groups": groups}
    put(config, "eps", f32(node.attrs.get("epsilon", 1e-5)), 1e-5)
    if scale.numel == channels and bias.numel == channels:
        return config, [x], []
    if ctx.constant_is(node, 1, 1.0, learnt=False) and ctx.constant_is(node, 2, 0.0, False):
        config["affine"] = False
        return config, [x], []
    raise Unsupported("a learnt scale per group (opset 18) has no torch.nn equivalent")

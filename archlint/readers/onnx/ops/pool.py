"""Pooling: MaxPool, AveragePool (ceil_mode, dilations, asymmetric pads, auto_pad) and the
global poolings (ReduceMean over every spatial axis is one too: see reduce.py). The old
PyTorch exporter's 1-d pooling (Unsqueeze -> pool -> Squeeze) is the
`pool_1d` pattern in patterns.py, which maps the pool through `pool` here.
"""

from __future__ import annotations

from archlint.layers import compact
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.ops.window import padding, spatial_sizes
from archlint.readers.onnx.proto import Node
from archlint.readers.onnx.table import Mapping, Unsupported, op, put


@op("MaxPool")
def max_pool(node: Node, ctx: Context) -> Mapping:
    return pool(node, ctx, node.attrs, "max")


@op("AveragePool")
def average_pool(node: Node, ctx: Context) -> Mapping:
    return pool(node, ctx, node.attrs, "avg")


@op("GlobalAveragePool")
def global_average_pool(node: Node, ctx: Context) -> Mapping:
    return {"type": "global_avgpool"}, [ctx.act(node)], []


@op("GlobalMaxPool")
def global_max_pool(node: Node, ctx: Context) -> Mapping:
    return {"type": "global_maxpool"}, [ctx.act(node)], []


def pool(node: Node, ctx: Context, a: dict, kind: str, x: str | None = None) -> Mapping:
    """A max or average pooling with attributes `a` (the node's own, or adjusted by a
    pattern), reading `x` (by default the node's input)."""
    x = x or ctx.act(node, 0)
    if "kernel_shape" not in a:
        raise Unsupported("no kernel_shape")
    kernel = list(a["kernel_shape"])
    n = len(kernel)
    if not 1 <= n <= 3:
        raise Unsupported(f"a {n}-d pooling window")
    strides = list(a.get("strides", [1] * n))  # ONNX's default stride is 1, not the kernel
    dilations = list(a.get("dilations", [1] * n))
    if len(strides) != n or len(dilations) != n:
        raise Unsupported("strides or dilations do not fit the kernel")
    if kind == "avg" and any(d != 1 for d in dilations):
        raise Unsupported("AveragePool with dilations: PyTorch's avgpool has none")
    spatial = spatial_sizes(ctx.shapes.get(x), n)
    pad = padding(a, n, kernel, strides, dilations, spatial, conv=False)
    config = {"type": f"{kind}pool{n}d", "kernel_size": compact(kernel)}
    if strides != kernel:
        config["stride"] = compact(strides)
    put(config, "padding", pad, 0)
    put(config, "dilation", compact(dilations), 1)
    if a.get("ceil_mode", 0):
        config["ceil_mode"] = True
    if kind == "avg" and pad != 0 and not a.get("count_include_pad", 0):
        config["count_include_pad"] = False
    return config, [x], []

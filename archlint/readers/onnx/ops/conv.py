"""Convolutions: Conv and ConvTranspose, with their weights' dims as the channel counts.

A Conv without a bias input whose output is read only by an Add of a per-channel constant
takes that Add as its bias: see the `conv_bias_add` fusion in patterns.py.
"""

from __future__ import annotations

from archlint.layers import compact
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.ops.window import padding, spatial_sizes
from archlint.readers.onnx.proto import Node
from archlint.readers.onnx.table import Mapping, Unsupported, op, put


@op("Conv")
def conv(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x, w, n, kernel, strides, dilations, group = _common(node, ctx)
    spatial = spatial_sizes(ctx.shapes.get(x), n)
    pad = padding(a, n, kernel, strides, dilations, spatial, conv=True)
    out = w.dims[0]
    config = {
        "type": f"conv{n}d",
        "in_channels": w.dims[1] * group,
        "out_channels": out,
        "kernel_size": compact(kernel),
    }
    put(config, "stride", compact(strides), 1)
    put(config, "padding", pad, 0)
    put(config, "dilation", compact(dilations), 1)
    put(config, "groups", group, 1)
    _bias(ctx.const(node, 2), out, config)
    return config, [x], []


@op("ConvTranspose")
def conv_transpose(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x, w, n, kernel, strides, dilations, group = _common(node, ctx)
    if "output_shape" in a:
        raise Unsupported("output_shape is not supported: give pads and output_padding")
    if (a.get("auto_pad", "NOTSET") or "NOTSET") not in ("NOTSET", "VALID"):
        raise Unsupported(f"auto_pad {a['auto_pad']} is not supported for ConvTranspose")
    pads = list(a.get("pads", [0] * (2 * n))) if a.get("auto_pad") != "VALID" else [0] * 2 * n
    if len(pads) != 2 * n or pads[:n] != pads[n:]:
        raise Unsupported(f"asymmetric pads {pads}: conv_transpose padding is symmetric in PyTorch")
    output_padding = list(a.get("output_padding", [0] * n))
    out = w.dims[1] * group
    config = {
        "type": f"conv_transpose{n}d",
        "in_channels": w.dims[0],
        "out_channels": out,
        "kernel_size": compact(kernel),
    }
    put(config, "stride", compact(strides), 1)
    put(config, "padding", compact(pads[:n]), 0)
    put(config, "output_padding", compact(output_padding), 0)
    put(config, "dilation", compact(dilations), 1)
    put(config, "groups", group, 1)
    _bias(ctx.const(node, 2), out, config)
    return config, [x], []


def _common(node: Node, ctx: Context):
    """The input, the weight and the window both convolutions share."""
    a = node.attrs
    x = ctx.act(node, 0)
    w = ctx.const(node, 1)
    if w is None or w.dims is None or not 3 <= len(w.dims) <= 5:
        raise Unsupported("the weight must be a constant of rank 3, 4 or 5")
    n = len(w.dims) - 2
    kernel = list(a.get("kernel_shape", w.dims[2:]))
    if kernel != list(w.dims[2:]):
        raise Unsupported(f"kernel_shape {kernel} disagrees with the weights {list(w.dims)}")
    strides = list(a.get("strides", [1] * n))
    dilations = list(a.get("dilations", [1] * n))
    if len(strides) != n or len(dilations) != n:
        raise Unsupported("strides or dilations do not fit the kernel")
    group = a.get("group", 1)
    return x, w, n, kernel, strides, dilations, group


def _bias(b, out: int, config: dict) -> None:
    """The bias input B: of one element per output channel, or absent (bias = false)."""
    if b is None:
        config["bias"] = False
    elif b.numel != out:
        raise Unsupported(f"the bias has {b.numel} elements for {out} channels")

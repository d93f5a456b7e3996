"""Upsampling: Resize and Upsample that scale (or size) only the spatial axes, in nearest,
(bi/tri)linear or bicubic mode."""

from __future__ import annotations

from archlint.layers import compact
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node, f32
from archlint.readers.onnx.table import Mapping, Unsupported, op


@op("Resize", "Upsample")
def resize(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x = ctx.act(node, 0)
    if "axes" in a:
        raise Unsupported("Resize with axes")
    mode = a.get("mode", "nearest")
    scales = a.get("scales")
    sizes = None
    if scales is None:
        k_scales = 1 if node.op_type == "Upsample" or ctx.opset < 11 else 2
        c = ctx.const(node, k_scales)
        scales = c.read() if c is not None and c.numel else None
        if c is not None and c.numel and scales is None:
            raise Unsupported("the scales are not a known constant")
        c = ctx.const(node, 3) if node.op_type == "Resize" and ctx.opset >= 11 else None
        sizes = c.read() if c is not None and c.numel else None
        if c is not None and c.numel and sizes is None:
            raise Unsupported("the sizes are not a known constant")
    shape = ctx.shape(x, node.op_type)
    config: dict = {"type": "upsample"}
    if scales is not None:
        if len(scales) != len(shape) + 1 or list(scales[:2]) != [1, 1]:
            raise Unsupported(f"scales {list(scales)}: only the spatial axes may scale")
        config["scale_factor"] = compact([f32(s) for s in scales[2:]])
    elif sizes is not None:
        if len(sizes) != len(shape) + 1 or sizes[1] != shape[0]:
            raise Unsupported(f"sizes {list(sizes)} change more than the spatial axes")
        config["size"] = compact([int(s) for s in sizes[2:]])
    else:
        raise Unsupported("neither scales nor sizes")
    n = len(shape) - 1
    if mode in ("linear", "bilinear"):
        config["mode"] = {1: "linear", 2: "bilinear", 3: "trilinear"}[n]
    elif mode in ("cubic", "bicubic") and n == 2:
        config["mode"] = "bicubic"
    elif mode != "nearest":
        raise Unsupported(f"mode {mode!r}")
    if mode != "nearest" and a.get("coordinate_transformation_mode") == "align_corners":
        config["align_corners"] = True
    return config, [x], []

"""Fully connected layers: Gemm, and MatMul by a 2-d constant (the weights).

A MatMul's bias is the Add of a constant that follows it: see the `linear_bias_add` fusion in
patterns.py.
"""

from __future__ import annotations

from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node
from archlint.readers.onnx.table import Mapping, Unsupported, op


@op("Gemm")
def gemm(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x = ctx.act(node, 0)
    w = ctx.const(node, 1)
    if a.get("transA", 0):
        raise Unsupported("transA = 1")
    if w is None or w.dims is None or len(w.dims) != 2:
        raise Unsupported("B must be a 2-d constant (the weights)")
    out, inp = w.dims if a.get("transB", 0) else w.dims[::-1]
    config = {"type": "linear", "in_features": inp, "out_features": out}
    c = ctx.const(node, 2)
    if c is None:
        config["bias"] = False
    elif c.numel != out or (c.dims is not None and len([d for d in c.dims if d != 1]) > 1):
        raise Unsupported(f"C has {c.numel} elements for {out} outputs")
    return config, [x], []


@op("MatMul")
def matmul(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    w = ctx.const(node, 1)
    if w is None or w.dims is None or len(w.dims) != 2:
        raise Unsupported("only an activation times a 2-d constant (the weights)")
    inp, out = w.dims
    return {"type": "linear", "in_features": inp, "out_features": out, "bias": False}, [x], []

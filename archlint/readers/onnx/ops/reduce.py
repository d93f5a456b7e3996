"""Reductions: ReduceMean, ReduceSum, ReduceMax, ReduceMin and ReduceL2 over any axes but the
batch, with keepdims 0 or 1 (`mean`, `sum`, `amax`, `amin`, `vector_norm`). A mean or max over
every spatial axis that keeps them is global pooling, written as such.
"""

from __future__ import annotations

from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node
from archlint.readers.onnx.table import Mapping, Unsupported, op

REDUCTIONS = {"ReduceMean": "mean", "ReduceSum": "sum", "ReduceMax": "amax",
              "ReduceMin": "amin", "ReduceL2": "vector_norm"}  # fmt: skip
GLOBAL = {"mean": "global_avgpool", "amax": "global_maxpool"}


@op(*REDUCTIONS)
def reduce(node: Node, ctx: Context) -> Mapping:
    a = node.attrs
    x = ctx.act(node)
    rank = ctx.rank(node, x)
    if rank is None:
        raise Unsupported("a reduction needs the input's rank")
    axes = ctx.axes(node) if len(node.input) > 1 or "axes" in a else None
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            return {"type": "identity"}, [x], []
        raise Unsupported("a reduction over every axis, the batch included")
    axes = sorted({ctx.axis(node, x, ax) for ax in axes})
    if axes[0] == 0:
        raise Unsupported(f"a reduction over axes {axes}, the batch among them")
    kind = REDUCTIONS[node.op_type]
    keep = bool(a.get("keepdims", 1))
    if keep and kind in GLOBAL and rank >= 2 and axes == list(range(2, rank + 1)):
        return {"type": GLOBAL[kind]}, [x], []
    dims = [ax - 1 for ax in axes]
    config: dict = {"type": kind, "dim": dims[0] if len(dims) == 1 else dims}
    if keep:
        config["keepdim"] = True
    return config, [x], []

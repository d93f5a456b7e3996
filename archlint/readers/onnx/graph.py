"""The ModelProto's structure: nodes, opset, the network input, topological order.

Everything here either reads what the model declares or refuses a structure that cannot be a
network (no graph, no nodes, a tensor nobody provides, two producers of one tensor, a cycle,
a symbolic or absurd input size) with an OnnxStructureError, which the reader turns into a
schema-error problem.
"""

from __future__ import annotations

import heapq

from archlint.layers import MAX_SIZE, Shape
from archlint.readers.onnx.consts import BATCH
from archlint.readers.onnx.proto import Node, text

SPATIAL_KEYS = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


class OnnxStructureError(ValueError):
    """The model's structure cannot be a network: a tensor nobody provides, a cycle, ..."""


def read_nodes(model) -> list[Node]:
    if not model.HasField("graph"):
        raise OnnxStructureError("not an ONNX model: it has no graph")
    nodes = [Node(i, proto) for i, proto in enumerate(model.graph.node)]
    if not nodes:
        raise OnnxStructureError("the ONNX graph has no nodes")
    return nodes


def opset(model) -> int:
    """The default domain's opset version (13 when the model does not say)."""
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13)


def origin(model, opset: int) -> str:
    """ "ONNX IR 7, opset 13, from pytorch 2.1": where a converted spec came from."""
    producer = " ".join(text(p) for p in (model.producer_name, model.producer_version) if p)
    return f"ONNX IR {model.ir_version}, opset {opset}" + (f", from {producer}" if producer else "")


def ranks(graph) -> dict[str, int]:
    """Tensor -> rank with batch, from the type information the file declares."""
    out = {}
    for info in (*graph.input, *graph.value_info, *graph.output):
        if info.type.HasField("tensor_type") and info.type.tensor_type.HasField("shape"):
            out[info.name] = len(info.type.tensor_type.shape.dim)
    return out


def input_table(info) -> tuple[dict, object, Shape]:
    """The [input] table from the graph's first real input (batch axis dropped), the batch
    size (BATCH where symbolic) and the input's shape without batch."""
    what = f"graph input {text(info.name)!r}"
    if not info.type.HasField("tensor_type") or not info.type.tensor_type.HasField("shape"):
        raise OnnxStructureError(f"{what} has no tensor shape: archlint needs its sizes")
    dims = list(info.type.tensor_type.shape.dim)
    if not 2 <= len(dims) <= 5:
        raise OnnxStructureError(
            f"{what} has {len(dims)} axes: archlint reads (N, features), (N, C, L),"
            " (N, C, H, W) or (N, C, D, H, W)"
        )
    batch = dims[0].dim_value if dims[0].WhichOneof("value") == "dim_value" else 0
    sizes = []
    for axis, d in enumerate(dims[1:], start=1):
        kind = d.WhichOneof("value")
        if kind != "dim_value":
            sym = f" {text(d.dim_param)!r}" if kind == "dim_param" else ""
            raise OnnxStructureError(
                f"{what} has a symbolic size{sym} on axis {axis}: archlint needs every size"
                " but the batch fixed; export the model with a fixed input size"
            )
        if not 1 <= d.dim_value <= MAX_SIZE:
            raise OnnxStructureError(
                f"{what} has size {d.dim_value:,} on axis {axis}: sizes must be between 1 and"
                f" {MAX_SIZE:,}"
            )
        sizes.append(d.dim_value)
    if len(sizes) == 1:
        table = {"features": sizes[0]}
    else:
        table = {"channels": sizes[0], **dict(zip(SPATIAL_KEYS[len(sizes) - 1], sizes[1:]))}
    return table, batch if batch > 0 else BATCH, tuple(sizes)


def topological_order(nodes: list[Node], available: set[str], outputs) -> list[int]:
    """Node indices in topological order (file order where it allows); structural errors."""
    producer: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for t in node.output:
            if not t:
                continue
            if t in producer or t in available:
                first = (
                    nodes[producer[t]].label if t in producer else "an initializer or graph input"
                )
                raise OnnxStructureError(
                    f"{node.label} writes tensor {t!r}, which {first} provides already:"
                    " every tensor has one producer in ONNX"
                )
            producer[t] = i
    waiting = [0] * len(nodes)
    readers: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        for t in node.input:
            if not t or t in available:
                continue
            if t not in producer:
                raise OnnxStructureError(
                    f"{node.label} reads tensor {t!r}, which no node, initializer or"
                    " graph input provides (a missing initializer?)"
                )
            waiting[i] += 1
            readers.setdefault(producer[t], []).append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in readers.get(i, ()):
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) < len(nodes):
        raise OnnxStructureError(_cycle(nodes, waiting, producer))
    for o in outputs:
        if o.name not in producer and o.name not in available:
            raise OnnxStructureError(f"graph output {o.name!r} is not written by any node")
    return order


def _cycle(nodes: list[Node], waiting: list[int], producer: dict[str, int]) -> str:
    """Describe one cycle among the nodes that never became ready."""
    i = next(k for k, n in enumerate(waiting) if n > 0)
    path: list[int] = []
    while i not in path:
        path.append(i)
        i = next(producer[t] for t in nodes[i].input if t in producer and waiting[producer[t]] > 0)
    cycle = path[path.index(i) :][::-1]
    names = [nodes[k].label for k in cycle + cycle[:1]]
    return "the ONNX graph has a cycle: " + " → ".join(names)

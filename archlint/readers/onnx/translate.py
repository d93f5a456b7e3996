"""One ModelProto -> a spec dict, node by node in topological order.

Constants fold first (fold.py); then every node that reads activations goes through the
patterns that start at its op, else its op's function in the table, then the fusions after
it (table.py, ops/, patterns.py), and becomes one layer, labelled with the node(s) it came
from. An operator with no mapping, or used in a way the spec cannot express (ConvTranspose with
asymmetric pads, Softmax over the batch, a Reshape that is not a flatten, ...), becomes one
`opaque` layer with the same inputs: archlint reports it as unsupported-op and leaves the
shapes after it unknown, rather than guessing. A malformed node is opaque too, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archlint.diagnostics import Problem
from archlint.readers.onnx import graph, ops, patterns  # noqa: F401 - ops, patterns fill the tables
from archlint.readers.onnx.consts import initializers
from archlint.readers.onnx.context import Context, Unsupported, check_config
from archlint.readers.onnx.fold import fold_constants, fold_node, fold_shape_of_activation
from archlint.readers.onnx.graph import OnnxStructureError
from archlint.readers.onnx.proto import Node, text
from archlint.readers.onnx.table import FUSIONS, OPS, PATTERNS


@dataclass
class Conversion:
    """What converting one model gives: the spec dict (None when it cannot be converted)."""

    spec: dict | None
    labels: dict[int, str] = field(default_factory=dict)  # layer index -> "node 12 (Conv 'c')"
    notes: dict[int, str] = field(default_factory=dict)  # index -> why opaque, or how read
    problems: list[Problem] = field(default_factory=list)
    origin: str = ""  # "ONNX IR 7, opset 13, from pytorch 2.1"


def convert_model(model, name: str | None = None) -> Conversion:
    """The spec of an onnx.ModelProto; raises OnnxStructureError for a structure that
    cannot be a network."""
    nodes = graph.read_nodes(model)
    g = model.graph
    name = text(g.name) or name
    ctx = Context(nodes, graph.opset(model), g)
    ctx.ranks = graph.ranks(g)
    ctx.consts = initializers(g)
    real = [i for i in g.input if i.name not in ctx.consts]
    if not real:
        raise OnnxStructureError("the ONNX graph has no input (every input is an initializer)")
    input_table, ctx.batch, ctx.shapes["input"] = graph.input_table(real[0])
    ctx.acts[real[0].name] = ("input", True)
    for extra in real[1:]:  # one network input only: further ones cannot be modelled
        config = {"type": "opaque", "op": "GraphInput"}
        layer = ctx.add_layer(config, text(extra.name), ["input"])
        ctx.acts[extra.name] = (layer, True)
        ctx.labels[len(ctx.layers) - 1] = f"graph input {text(extra.name)!r}"
        ctx.notes[len(ctx.layers) - 1] = "archlint models one network input only"

    order = graph.topological_order(nodes, set(ctx.consts) | {i.name for i in real}, g.output)
    for i in order:
        for t in nodes[i].input:
            ctx.consumers.setdefault(t, []).append(i)
        ctx.producers.update((t, i) for t in nodes[i].output if t)
    pure = fold_constants(ctx, order)
    for i in order:
        if i in pure or i in ctx.skip:
            continue
        _node(ctx, nodes[i])
    if not ctx.layers:
        raise OnnxStructureError("the ONNX graph has no operation on its input")

    outputs: list[str] = []
    for o in g.output:
        if o.name in ctx.acts and ctx.acts[o.name][0] != "input":
            layer = ctx.acts[o.name][0]
            if layer not in outputs:
                outputs.append(layer)
    origin = graph.origin(model, ctx.opset)
    model_table: dict = {"name": name or "onnx-model", "description": origin}
    if outputs:
        model_table["outputs"] = outputs
    spec = {"model": model_table, "input": input_table, "layers": ctx.layers}
    return Conversion(spec, ctx.labels, ctx.notes, origin=origin)


def _node(ctx: Context, node: Node) -> None:
    """One node that reads activations: a layer (or a Const, for Shape and Size)."""
    if node.op_type in ("Shape", "Size") and node.input and node.input[0] in ctx.acts:
        return fold_shape_of_activation(ctx, node)
    if not node.has_subgraph and all(not t or t in ctx.consts for t in node.input):
        return fold_node(ctx, node)  # constant now that Shape values are known
    ctx.note = None
    try:
        config, sources, fused, *renamed = _mapping(ctx, node)
        if not all(_plain(v) for v in config.values()):
            raise Unsupported("an attribute has a value of an unexpected type")
        check_config(config)
    except Unsupported as exc:
        return _opaque(ctx, node, str(exc))
    except Exception as exc:  # a malformed node is unsupported, never a crash
        return _opaque(ctx, node, f"could not read the node ({type(exc).__name__}: {exc})")
    default = renamed[0] if renamed else node.layer_name
    name = ctx.add_layer(config, default, sources)
    index = len(ctx.layers) - 1
    ctx.labels[index] = " + ".join(ctx.nodes[k].label for k in [node.index, *fused])
    if ctx.note:
        ctx.notes[index] = ctx.note
    last = ctx.nodes[fused[-1]] if fused else node
    ctx.skip.update(fused)
    taken = {t for t in last.output if t in ctx.acts}  # a Split's other outputs: own layers
    for k, t in enumerate(last.output):
        if t and t not in taken:  # the layer's own output; any other is secondary
            ctx.acts[t] = (name, k == 0 or bool(taken))


def _mapping(ctx: Context, node: Node) -> tuple:
    """The node's layer: a pattern starting at it, else its op's function and fusions."""
    function = OPS.get(node.op_type) if node.standard else None
    if function is None:
        raise Unsupported(f"archlint has no layer type for {node.op}")
    node.attrs  # noqa: B018 - a malformed attribute makes the node unreadable, whatever its op
    for pattern in PATTERNS.get(node.op_type, ()):
        found = pattern(node, ctx)
        if found is not None:
            return found
    mapping = function(node, ctx)
    for fuse in FUSIONS.get(node.op_type, ()):
        mapping = fuse(node, ctx, mapping)
    return mapping


def _opaque(ctx: Context, node: Node, reason: str) -> None:
    sources = [ctx.acts[t][0] for t in node.input if t in ctx.acts] or ["input"]
    config = {"type": "opaque", "op": node.op, "reason": reason}
    name = ctx.add_layer(config, node.layer_name, sources)
    ctx.labels[len(ctx.layers) - 1] = node.label
    for t in node.output:
        if t:
            ctx.acts[t] = (name, True)


def _plain(value) -> bool:
    """A value a spec can hold (as TOML and JSON can write it), nested lists included."""
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return isinstance(value, str | int | float | bool)

"""Constant folding: nodes computed from constants alone become Consts, not layers.

Exporters compute shapes and weights with small subgraphs (Shape -> Gather -> Unsqueeze ->
Concat -> Reshape, Constant -> Cast, a transposed weight); folding them lets the mappings read
a Reshape target or a weight's dims as the constant it is. Shape of an activation folds too,
from the shape archlint inferred (the batch as BATCH). Each op's folding is one function in
FOLDS; what cannot be folded gives a Const of unknown dims, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

from archlint.readers.onnx.consts import BATCH, SMALL, Const, dims, tensor_values
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.proto import Node

Fold = Callable[[Node, list], "list[Const] | None"]
FOLDS: dict[str, Fold] = {}


def folds(*op_types: str, known_input: bool = True) -> Callable[[Fold], Fold]:
    """Register a folding; with `known_input`, only when input 0 is a Const of known dims."""

    def register(fn: Fold) -> Fold:
        def guarded(node: Node, ins: list) -> list[Const] | None:
            x = ins[0] if ins else None
            return fn(node, ins) if x is not None and x.dims is not None else None

        for op_type in op_types:
            FOLDS[op_type] = guarded if known_input else fn
        return fn

    return register


def fold_constants(ctx: Context, order: list[int]) -> set[int]:
    """Fold every node computed from constants alone; the indices of those nodes."""
    pure = set()
    for i in order:
        node = ctx.nodes[i]
        if node.has_subgraph:
            continue
        if all(not t or t in ctx.consts for t in node.input):
            fold_node(ctx, node)
            pure.add(i)
    return pure


def fold_node(ctx: Context, node: Node) -> None:
    """The node's outputs as Consts (of unknown dims where they cannot be computed)."""
    try:
        node.attrs  # noqa: B018 - a malformed attribute leaves the outputs unknown
        fn = FOLDS.get(node.op_type)
        ins = [ctx.consts.get(t) if t else None for t in node.input]
        results = fn(node, ins) if fn else None
        if results is None and node.op_type in EVALUATED and node.standard:
            results = _evaluate(node, ins)
        if results and ins and ins[0] is not None and ins[0].learnt and node.op_type in PASSING:
            for result in results:  # a weight cast or reshaped is still the weight
                if result is not None:
                    result.learnt = True
    except Exception:
        results = None
    for k, t in enumerate(node.output):
        if t:
            ctx.consts[t] = (results[k] if results and k < len(results) else None) or Const(None)


def fold_shape_of_activation(ctx: Context, node: Node) -> None:
    """Shape (or Size) of an activation: a Const from the inferred shape, the batch as BATCH."""
    shape = ctx.shapes.get(ctx.acts[node.input[0]][0])
    const = None
    if shape is not None and node.op_type == "Shape":
        try:
            const = _shape_const([ctx.batch, *shape], node.attrs)
        except Exception:
            const = None
    for t in node.output:
        ctx.consts[t] = const or Const(None)


# ---------------------------------------------------------------------------- the foldings


@folds("Constant", known_input=False)
def _constant(node: Node, ins: list) -> list[Const] | None:
    a = node.attrs
    if "value" in a:
        return [Const(dims(a["value"].dims), tensor=a["value"])]
    if "sparse_value" in a:
        return [Const(dims(a["sparse_value"].dims))]
    for key in ("value_float", "value_int"):
        if key in a:
            return [Const((), [a[key]])]
    for key in ("value_floats", "value_ints"):
        if key in a:
            return [Const((len(a[key]),), list(a[key]) if len(a[key]) <= SMALL else None)]
    return None


@folds("ConstantOfShape", known_input=False)
def _constant_of_shape(node: Node, ins: list) -> list[Const] | None:
    x = ins[0] if ins else None
    shape = x.read() if x is not None else None
    if shape is None or not all(isinstance(v, int) and v >= 0 for v in shape):
        return None
    out = tuple(shape)
    fill = node.attrs["value"] if "value" in node.attrs else None
    value = (tensor_values(fill, 1) or [0])[0] if fill is not None else 0.0
    return [Const(out, [value] * prod(out) if prod(out) <= SMALL else None)]


@folds("Identity", "Cast", known_input=False)
def _same(node: Node, ins: list) -> list[Const] | None:
    x = ins[0] if ins else None
    values = x.read() if x is not None and node.op_type == "Cast" else None
    if values is not None and all(isinstance(v, int | float) for v in values):
        return None  # a real conversion (0.5 to 0): evaluated below
    return [x]  # dims only, or shape values with the batch: a cast changes neither


@folds("Shape", known_input=False)
def _shape(node: Node, ins: list) -> list[Const] | None:
    x = ins[0] if ins else None
    return [_shape_const(list(x.dims), node.attrs)] if x.dims is not None else None


@folds("Size", known_input=False)
def _size(node: Node, ins: list) -> list[Const] | None:
    x = ins[0] if ins else None
    return [Const((), [x.numel])] if x.dims is not None else None


@folds("Unsqueeze", "Squeeze")
def _squeeze(node: Node, ins: list) -> list[Const] | None:
    x = ins[0]
    axes = node.attrs.get("axes") or (ins[1].read() if len(ins) > 1 and ins[1] else None)
    out = _squeezed(list(x.dims), axes, node.op_type == "Unsqueeze")
    return [Const(out, x.read())] if out is not None else None


@folds("Reshape")
def _reshape(node: Node, ins: list) -> list[Const] | None:
    x = ins[0]
    target = node.attrs.get("shape") or (ins[1].read() if len(ins) > 1 and ins[1] else None)
    out = _reshaped(list(x.dims), target, node.attrs.get("allowzero", 0))
    return [Const(out, x.read())] if out is not None else None


@folds("Flatten")
def _flatten(node: Node, ins: list) -> list[Const] | None:
    x = ins[0]
    axis = node.attrs.get("axis", 1)
    axis += len(x.dims) if axis < 0 else 0
    return [Const((prod(x.dims[:axis]), prod(x.dims[axis:])), x.read())]


@folds("Transpose")
def _transpose(node: Node, ins: list) -> list[Const] | None:
    x = ins[0]
    perm = node.attrs.get("perm") or list(range(len(x.dims)))[::-1]
    if sorted(perm) != list(range(len(x.dims))):
        return None
    out = tuple(x.dims[p] for p in perm)
    values = x.read()
    if values is not None and not any(v is BATCH for v in values):
        import numpy as np

        values = np.asarray(values).reshape(x.dims).transpose(perm).ravel().tolist()
    else:
        values = None
    return [Const(out, values)]


@folds("Gather")
def _gather(node: Node, ins: list) -> list[Const] | None:
    x = ins[0]
    if len(x.dims) != 1 or len(ins) <= 1 or ins[1] is None:
        return None
    values, index = x.read(), ins[1].read()
    if values is None or index is None or ins[1].dims is None:
        return None
    picked = [values[int(k)] for k in index]
    return [Const(ins[1].dims, picked)]


@folds("Concat")
def _concat(node: Node, ins: list) -> list[Const] | None:
    if not all(c is not None and c.dims is not None for c in ins):
        return None
    if all(len(c.dims) == 1 for c in ins):
        parts = [c.read() for c in ins]
        values = sum(parts, []) if all(p is not None for p in parts) else None
        return [Const((sum(c.dims[0] for c in ins),), values)]
    return None


# ---------------------------------------------------------------------------- helpers


def _shape_const(full: list, a: dict) -> Const:
    start, end = a.get("start", 0), a.get("end", len(full))
    values = full[slice(start, end)]
    return Const((len(values),), values)


def _squeezed(dims: list[int], axes, unsqueeze: bool) -> tuple[int, ...] | None:
    if unsqueeze:
        if axes is None:
            return None
        rank = len(dims) + len(axes)
        out: list[int | None] = [None] * rank
        for ax in axes:
            out[int(ax) % rank] = 1
        rest = iter(dims)
        return tuple(d if d is not None else next(rest) for d in out)
    if axes is None:
        return tuple(d for d in dims if d != 1)
    drop = {int(ax) % len(dims) for ax in axes}
    return tuple(d for k, d in enumerate(dims) if k not in drop)


def _reshaped(dims: list[int], target, allowzero: int) -> tuple[int, ...] | None:
    if target is None or any(not isinstance(t, int) for t in target):
        return None
    out = [
        dims[k] if t == 0 and not allowzero and k < len(dims) else t for k, t in enumerate(target)
    ]
    if out.count(-1) == 1:
        known = prod(t for t in out if t != -1)
        if known == 0 or prod(dims) % known:
            return None
        out[out.index(-1)] = prod(dims) // known
    return tuple(out) if prod(out) == prod(dims) and all(t >= 0 for t in out) else None


@folds("Slice")
def _slice(node: Node, ins: list) -> list[Const] | None:
    """A slice of a 1-d constant (a shape): y.shape[-2:] and its kin."""
    x = ins[0]
    values = x.read()
    if len(x.dims) != 1 or values is None:
        return None
    a = node.attrs
    if "starts" in a:  # before opset 10, the bounds are attributes
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts, ends, axes, steps = (c.read() if c is not None else None for c in
                                     (ins + [None] * 5)[1:5])  # fmt: skip
    if starts is None or ends is None or len(starts) != 1 or (axes or [0])[0] not in (0, -1):
        return None
    step = steps[0] if steps else 1
    picked = values[int(starts[0]) : int(ends[0]) : int(step)]  # Python clamps as ONNX does
    return [Const((len(picked),), picked)]


@folds("Add", "Sub", "Mul", "Div")
def _arithmetic(node: Node, ins: list) -> list[Const] | None:
    """Integer arithmetic on small shape values (h · 2, n / 4, truncated toward zero as ONNX
    divides integers); the batch stays symbolic."""
    if len(ins) != 2 or ins[1] is None or ins[1].dims is None:
        return None
    a, b = ins[0].read(), ins[1].read()
    if a is None or b is None or not all(isinstance(v, int) for v in a + b):
        return None
    if len(b) == 1:
        b = b * len(a)
    if len(a) == 1:
        a = a * len(b)
    if len(a) != len(b) or (node.op_type == "Div" and 0 in b):
        return None
    ops = {"Add": lambda p, q: p + q, "Sub": lambda p, q: p - q, "Mul": lambda p, q: p * q,
           "Div": lambda p, q: abs(p) // abs(q) * (1 if (p < 0) == (q < 0) else -1)}  # fmt: skip
    out = [ops[node.op_type](p, q) for p, q in zip(a, b)]
    shape = ins[0].dims if len(ins[0].dims) >= len(ins[1].dims) else ins[1].dims
    return [Const(shape, out)] if prod(shape) == len(out) else None


# ------------------------------------------------------------- small values, evaluated

PASSING = {"Identity", "Cast", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Flatten"}
"""Ops that pass a tensor's values on, rearranged or converted: a learnt input stays learnt."""

EVALUATED = {
    "Add", "Sub", "Mul", "Div", "Mod", "Neg", "Abs", "Ceil", "Floor", "Round", "Sqrt", "Pow",
    "Max", "Min", "Clip", "Cast", "Slice", "Gather", "Concat", "Reshape", "Transpose",
    "Unsqueeze", "Squeeze", "Equal", "Less", "Greater", "Where", "Not", "And", "Or", "Sign",
    "ReduceProd", "ReduceSum", "ReduceMax", "ReduceMin",
}  # fmt: skip
"""Ops whose output is no larger than their inputs (or their broadcast): evaluated by onnx's
reference implementation when every input's values are known and small, as the arithmetic of
timm's dynamic 'same' padding (Shape -> Cast -> Div -> Ceil -> Sub -> Max -> Pad) needs."""


def _evaluate(node: Node, ins: list) -> list[Const] | None:
    import numpy as np
    from onnx.reference import ReferenceEvaluator

    arrays = {}
    for name, c in zip(node.input, ins):
        if not name:
            continue
        values = c.read() if c is not None and c.dims is not None else None
        if values is None or any(not isinstance(v, int | float) for v in values):
            return None  # unknown, large, or holding the symbolic batch
        kind = bool if values and all(type(v) is bool for v in values) else (
            np.int64 if all(isinstance(v, int) for v in values) else np.float32)  # fmt: skip
        arrays[name] = np.asarray(values, dtype=kind).reshape(c.dims)
    shapes = [a.shape for a in arrays.values()]
    try:
        if prod(np.broadcast_shapes(*shapes)) > SMALL and node.op_type != "Gather":
            return None
        if node.op_type == "Gather" and prod(map(prod, shapes)) > SMALL:
            return None
        outputs = ReferenceEvaluator(node.proto).run(None, arrays)
    except Exception:
        return None
    return [
        Const(tuple(out.shape), np.asarray(out).ravel().tolist()) if out.size <= SMALL else None
        for out in outputs
    ]

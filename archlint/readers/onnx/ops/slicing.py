"""Cutting and extending axes: Slice (a `slice` layer per sliced axis), Split (one `slice` per
output: torch.split and chunk) and Pad (a `pad` layer in F.pad's order). Never along the batch.
"""

from __future__ import annotations

from archlint.layers import MAX_SIZE
from archlint.readers.onnx.context import Context, check_config
from archlint.readers.onnx.proto import Node, f32
from archlint.readers.onnx.table import Mapping, Unsupported, op, put

PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _values(node: Node, ctx: Context, k: int, what: str) -> list | None:
    """Input k as a known constant list of ints (None where absent)."""
    c = ctx.const(node, k)
    if c is None:
        return None
    values = c.read()
    if values is None or not all(isinstance(v, int) for v in values):
        raise Unsupported(f"the {what} are not known constants")
    return values


@op("Slice")
def slice_(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    shape = ctx.shape(x, "Slice")
    a = node.attrs
    if "starts" in a:  # before opset 10, attributes
        starts, ends, axes, steps = list(a["starts"]), list(a["ends"]), a.get("axes"), None
    else:
        starts, ends = _values(node, ctx, 1, "starts"), _values(node, ctx, 2, "ends")
        axes, steps = _values(node, ctx, 3, "axes"), _values(node, ctx, 4, "steps")
    if starts is None or ends is None or len(starts) != len(ends):
        raise Unsupported("the starts and ends are not known constants")
    axes = list(axes) if axes is not None else list(range(len(starts)))
    steps = list(steps) if steps is not None else [1] * len(starts)
    configs = []
    for axis, start, end, step in zip(axes, starts, ends, steps):
        axis = ctx.axis(node, x, axis)
        if axis == 0:
            batch = ctx.batch if isinstance(ctx.batch, int) else 2**62
            if (start, step) == (0, 1) and end >= batch:
                continue  # the whole batch
            raise Unsupported("Slice along the batch axis")
        size = shape[axis - 1]
        if step < 1:
            raise Unsupported(f"Slice with step {step}: only forward slices are layers")
        config: dict = {"type": "slice", "dim": axis - 1}
        start = min(max(start, -size), size)  # bounds past either end clamp, as in Python
        put(config, "start", 0 if start == -size else start, 0)
        if end < size:
            config["end"] = max(end, -size - 1)
        put(config, "step", step, 1)
        configs.append(config)
    if not configs:
        return {"type": "identity"}, [x], []
    for config in configs:  # every one fits the spec before any layer is made
        check_config(config)
    for config in configs[:-1]:  # one layer per axis, in a chain
        x = ctx.extra_layer(config, node, [x])
    return configs[-1], [x], []


@op("Split")
def split(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    shape = ctx.shape(x, "Split")
    axis = ctx.axis(node, x, node.attrs.get("axis", 0))
    if axis == 0:
        raise Unsupported("Split along the batch axis")
    size = shape[axis - 1]
    parts = len(node.output)
    sizes = node.attrs.get("split") or _values(node, ctx, 1, "split sizes")
    if not sizes:
        n = node.attrs.get("num_outputs", parts)
        chunk = -(-size // n)  # as torch.chunk: equal parts, the last smaller
        sizes = [min(chunk, size - k * chunk) for k in range(n)]
    if len(sizes) != parts or sum(sizes) != size or min(sizes) < 1:
        raise Unsupported(f"Split of {size} into {list(sizes)}")
    start = 0
    configs = []
    for part in sizes:
        config: dict = {"type": "slice", "dim": axis - 1}
        put(config, "start", start, 0)
        put(config, "end", start + part, size)
        configs.append(config)
        start += part
    for config in configs:  # every one fits the spec before any layer is made
        check_config(config)
    for config, tensor in zip(configs[:-1], node.output):  # in order; the last is the node's
        if tensor:
            ctx.acts[tensor] = (ctx.extra_layer(config, node, [x]), True)
    return configs[-1], [x], []


@op("Pad")
def pad(node: Node, ctx: Context) -> Mapping:
    x = ctx.act(node, 0)
    rank = ctx.rank(node, x)
    a = node.attrs
    mode = a.get("mode", "constant")
    if mode not in PAD_MODES or rank is None:
        raise Unsupported(f"Pad mode {mode!r}" if rank is not None else "Pad needs the rank")
    pads = list(a["pads"]) if "pads" in a else _values(node, ctx, 1, "pads")
    value = a.get("value", 0.0)
    if "pads" not in a:
        c = ctx.const(node, 2)
        value = c.scalar() if c is not None and c.numel else 0.0
        if value is None:
            raise Unsupported("the pad value is not a known constant")
    axes = _values(node, ctx, 3, "axes") if len(node.input) > 3 else None
    full = rank + 1
    axes = [ctx.axis(node, x, ax) for ax in axes] if axes is not None else list(range(full))
    if pads is None or len(pads) != 2 * len(axes):
        raise Unsupported(f"pads {pads} do not fit {len(axes)} axes")
    amounts = {ax: (pads[k], pads[k + len(axes)]) for k, ax in enumerate(axes)}
    if amounts.get(0, (0, 0)) != (0, 0):
        raise Unsupported("Pad of the batch axis")
    padded = [ax for ax in range(1, full) if amounts.get(ax, (0, 0)) != (0, 0)]
    if not padded:
        return {"type": "identity"}, [x], []
    # F.pad: the last axis first, as far as the outermost padded one; PyTorch's other modes
    # pad every spatial axis (a map of n + 1 or n axes), zeros included
    outermost = padded[0] if mode == "constant" else min(padded[0], 2)
    order = []
    for ax in range(full - 1, outermost - 1, -1):
        order += list(amounts.get(ax, (0, 0)))
    if max(map(abs, order)) > MAX_SIZE:
        raise Unsupported(f"pads {pads} beyond archlint's limits")
    config = {"type": "pad", "pad": order}
    put(config, "mode", PAD_MODES[mode], "constant")
    if mode == "constant":
        put(config, "value", f32(value), 0.0)
    return config, [x], []

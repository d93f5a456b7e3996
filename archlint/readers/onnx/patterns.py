"""Patterns that span several nodes, each one function, kept out of the per-op functions.

- `pool_1d` (tried before the op table at an Unsqueeze): Unsqueeze -> MaxPool/AveragePool
  with a 1-wide window on the new axis -> Squeeze of that axis, which the old PyTorch
  exporter wrote for 1-d (or 2-d) pooling, is the pooling it computes.
- `erf_gelu` (tried at a Div): F.gelu as the exporter writes it before opset 20, Div by √2 ->
  Erf -> Add 1 -> Mul by x -> Mul by ½, is one `gelu` layer.
- `channel_shuffle` (tried at a Reshape): Reshape to (N, g, C/g, ...) -> Transpose of the two
  -> Reshape back, as ShuffleNet writes it, is one `channel_shuffle` layer.
- `pixel_unshuffle` (tried at a Reshape): Reshape to (N, C, H/r, r, W/r, r) -> Transpose ->
  Reshape to (N, C·r², H/r, W/r), as nn.PixelUnshuffle exports, is one `pixel_unshuffle`.
- `group_norm` (tried at a Reshape): Reshape to (N, G, -1) -> InstanceNormalization -> Reshape
  back -> Mul -> Add, as the exporter writes F.group_norm before opset 18, is one `groupnorm`.
- `conv_bias_add`, `linear_bias_add`, `channel_shift_add` (after the op's own function): a
  layer without a bias whose output only an Add of a matching constant reads takes that Add as
  its bias (exporters write a Conv's or a MatMul's bias, and a per-channel affine's shift, so).

They cannot be a pass over the whole graph before the table: a pattern needs the shape of its
first node's input, which is known only once the layers before it have been made.
"""

from __future__ import annotations

from math import prod

from archlint.readers.onnx.consts import along
from archlint.readers.onnx.context import Context
from archlint.readers.onnx.fold import fold_shape_of_activation
from archlint.readers.onnx.ops.merge import channel_affine_note
from archlint.readers.onnx.ops.pool import pool
from archlint.readers.onnx.ops.window import WINDOW
from archlint.readers.onnx.proto import Node, f32
from archlint.readers.onnx.table import Mapping, fusion, pattern, put

SPATIAL_AXES = {"conv1d": 1, "conv2d": 2, "conv3d": 3}


@pattern("Unsqueeze")
def pool_1d(node: Node, ctx: Context) -> tuple | None:
    """Unsqueeze -> pooling with a 1-wide window on the new axis -> Squeeze of it: the
    pooling without the new axis, named after the pooling node."""
    x = ctx.act(node, 0)
    shape = ctx.shape(x, "Unsqueeze")
    rank = len(shape) + 2  # batch, the shape, the new axis
    axes = ctx.axes(node)
    if axes is None or len(axes) != 1 or not 2 <= axes[0] % rank:
        return None
    axis = axes[0] % rank
    pool_at = ctx.sole_reader(node.output[0], ("MaxPool", "AveragePool"))
    squeeze_at = pool_at and ctx.sole_reader(ctx.nodes[pool_at].output[0], ("Squeeze",))
    if not squeeze_at:
        return None
    pool_node = ctx.nodes[pool_at]
    s_axes = ctx.axes(ctx.nodes[squeeze_at])
    p = pool_node.attrs
    k = axis - 2
    n = rank - 2
    kernel = list(p.get("kernel_shape", []))
    strides = list(p.get("strides", [1] * n))
    pads = list(p.get("pads", [0] * (2 * n)))
    if (
        s_axes is None
        or [ax % rank for ax in s_axes] != [axis]
        or len(kernel) != n
        or len(strides) != n
        or len(pads) != 2 * n
        or (kernel[k], strides[k], pads[k], pads[n + k]) != (1, 1, 0, 0)
        or (p.get("auto_pad", "NOTSET") or "NOTSET") not in ("NOTSET", "VALID")
    ):
        return None
    drop = {key: [v for j, v in enumerate(p[key]) if j != k] for key in WINDOW if key in p}
    if "pads" in p:
        drop["pads"] = [v for j, v in enumerate(pads) if j not in (k, n + k)]
    kind = "max" if pool_node.op_type == "MaxPool" else "avg"
    config, sources, _ = pool(pool_node, ctx, {**p, **drop}, kind, x)
    name = pool_node.layer_name
    return config, sources, [pool_at, squeeze_at], name


@fusion("Conv")
def conv_bias_add(node: Node, ctx: Context, mapping: Mapping) -> Mapping:
    """A Conv without B, then an Add of a per-channel constant: the Add is its bias."""
    return _channel_bias_add(node, ctx, mapping)


@fusion("Mul")
def channel_shift_add(node: Node, ctx: Context, mapping: Mapping) -> Mapping:
    """A per-channel Mul (a depthwise 1×1 convolution), then an Add of a per-channel
    constant: a per-channel scale and shift, the Add the convolution's bias."""
    fused = _channel_bias_add(node, ctx, mapping)
    if fused is not mapping:
        ctx.note = channel_affine_note(shift=True)
    return fused


@fusion("MatMul")
def linear_bias_add(node: Node, ctx: Context, mapping: Mapping) -> Mapping:
    """A MatMul by the weights, then an Add of a constant per output: a linear layer's bias."""
    config = mapping[0]
    if config.get("bias") is not False:
        return mapping
    return _absorb(mapping, ctx.bias_add(node, config["out_features"], 1))


def _channel_bias_add(node: Node, ctx: Context, mapping: Mapping) -> Mapping:
    config = mapping[0]
    n = SPATIAL_AXES.get(config["type"])
    if config.get("bias") is not False or n is None:
        return mapping
    return _absorb(mapping, ctx.bias_add(node, config["out_channels"], n + 1))


def _absorb(mapping: Mapping, add: tuple | None) -> Mapping:
    """The mapping with the bias Add absorbed (the layer's bias = true, its default)."""
    if add is None:
        return mapping
    config, sources, fused = mapping
    config = {key: value for key, value in config.items() if key != "bias"}
    return config, sources, [*fused, add[0]]


@pattern("Div")
def erf_gelu(node: Node, ctx: Context) -> tuple | None:
    """x · ½ · (1 + erf(x / √2)), as PyTorch's exporter writes F.gelu before opset 20:
    Div(x, √2) -> Erf -> Add(1) -> Mul(x, ·) -> Mul(½): one `gelu` layer."""
    if len(node.input) != 2 or not _is(ctx, node.input[1], 2**0.5):
        return None
    x = node.input[0]
    erf = ctx.sole_reader(node.output[0], ("Erf",))
    add = erf is not None and ctx.sole_reader(ctx.nodes[erf].output[0], ("Add",))
    mul = add and ctx.sole_reader(ctx.nodes[add].output[0], ("Mul",))
    half = mul and ctx.sole_reader(ctx.nodes[mul].output[0], ("Mul",))
    if not half:
        return None
    if not (_other(ctx.nodes[add], ctx.nodes[erf].output[0], lambda t: _is(ctx, t, 1.0))
            and _other(ctx.nodes[mul], ctx.nodes[add].output[0], lambda t: t == x)
            and _other(ctx.nodes[half], ctx.nodes[mul].output[0],
                       lambda t: _is(ctx, t, 0.5))):  # fmt: skip
        return None
    return {"type": "gelu"}, [ctx.act(node, 0)], [erf, add, mul, half]


def _is(ctx: Context, tensor: str, value: float) -> bool:
    """A scalar constant equal to `value` (to float32 precision)."""
    c = ctx.consts.get(tensor)
    found = c.scalar() if c is not None and c.numel == 1 else None
    return found is not None and abs(found - value) <= 1e-6 * abs(value)


def _other(node: Node, tensor: str, test) -> bool:
    """A two-input node reading `tensor`, whose other input passes `test`."""
    if len(node.input) != 2 or tensor not in node.input:
        return False
    other = node.input[1] if node.input[0] == tensor else node.input[0]
    return test(other)


@pattern("Reshape")
def channel_shuffle(node: Node, ctx: Context) -> tuple | None:
    """x.view(N, g, C/g, *S).transpose(1, 2).reshape(N, C, *S), ShuffleNet's shuffle:
    Reshape -> Transpose -> Reshape, one `channel_shuffle` layer."""
    x = ctx.act(node, 0)
    shape = ctx.shapes.get(x)
    first = _target(ctx, node)
    if shape is None or first is None or len(first) != len(shape) + 2 or len(shape) < 2:
        return None
    channels, spatial = shape[0], list(shape[1:])
    groups, per_group = first[1], first[2]
    if not isinstance(groups, int) or groups < 1 or channels % groups:
        return None
    if per_group not in (-1, channels // groups) or first[3:] != spatial:
        return None
    swap = ctx.sole_reader(node.output[0], ("Transpose",))
    back = swap is not None and ctx.sole_reader(ctx.nodes[swap].output[0], ("Reshape",))
    perm = [0, 2, 1, *range(3, len(first))]
    if not back or list(ctx.nodes[swap].attrs.get("perm", [])) != perm:
        return None
    second = _target(ctx, ctx.nodes[back])
    if second is None or second[1:] not in ([channels, *spatial], [-1, *spatial]):
        return None
    return {"type": "channel_shuffle", "groups": groups}, [x], [swap, back]


def _target(ctx: Context, reshape: Node) -> list | None:
    """A Reshape's target as known values, or None. A target computed by Shape of an
    activation made already is folded now, ahead of its turn in the node order."""
    tensor = reshape.input[1] if len(reshape.input) > 1 else ""
    producer = ctx.producers.get(tensor)
    shape_of = ctx.nodes[producer] if producer is not None else None
    if tensor not in ctx.consts and shape_of is not None and shape_of.op_type == "Shape":
        if shape_of.input and shape_of.input[0] in ctx.acts:
            fold_shape_of_activation(ctx, shape_of)
    c = ctx.consts.get(tensor)
    return list(c.read()) if c is not None and c.read() is not None else None


@pattern("Reshape")
def group_norm(node: Node, ctx: Context) -> tuple | None:
    """F.group_norm as PyTorch's exporter writes it before opset 18: Reshape to (N, G, -1) ->
    InstanceNormalization with a scale of ones and a shift of zeros -> Reshape back -> Mul and
    Add of per-channel constants (the affine weight and bias): one `groupnorm` layer."""
    x = ctx.act(node, 0)
    shape = ctx.shapes.get(x)
    first = _target(ctx, node)
    if shape is None or first is None or len(first) != 3 or not isinstance(first[1], int):
        return None
    groups = first[1]
    if groups < 1 or shape[0] % groups or first[2] not in (-1, prod(shape) // groups):
        return None
    inorm = ctx.sole_reader(node.output[0], ("InstanceNormalization",))
    back = inorm is not None and ctx.sole_reader(ctx.nodes[inorm].output[0], ("Reshape",))
    ones_zeros = ((1, 1.0), (2, 0.0))
    if not back or not all(ctx.constant_is(ctx.nodes[inorm], k, v) for k, v in ones_zeros):
        return None
    second = _target(ctx, ctx.nodes[back])
    if second is None or second[1:] != list(shape):
        return None
    config: dict = {"type": "groupnorm", "num_groups": groups}
    put(config, "eps", f32(ctx.nodes[inorm].attrs.get("epsilon", 1e-5)), 1e-5)
    fused = [inorm, back]
    mul = ctx.sole_reader(ctx.nodes[back].output[0], ("Mul",))
    add = mul is not None and ctx.sole_reader(ctx.nodes[mul].output[0], ("Add",))
    n = len(shape)
    if (
        add
        and _per_channel(ctx, ctx.nodes[mul], shape[0], n)
        and _per_channel(ctx, ctx.nodes[add], shape[0], n)
    ):
        fused += [mul, add]  # the affine weight and bias
    else:
        config["affine"] = False
        if add and _by(ctx, ctx.nodes[mul], 1.0) and _by(ctx, ctx.nodes[add], 0.0):
            fused += [mul, add]  # without affine, the exporter multiplies by 1 and adds 0
    return config, [x], fused


def _by(ctx: Context, node: Node, value: float) -> bool:
    """A two-input node whose other input is the scalar constant `value`."""
    return len(node.input) == 2 and any(
        ctx.constant_is(node, k, value) and ctx.consts[node.input[k]].numel == 1 for k in (0, 1)
    )


def _per_channel(ctx: Context, node: Node, channels: int, rank: int) -> bool:
    """A two-input node with a constant of `channels` values along axis 1 of a rank-`rank`+1
    tensor, (C, 1, 1) or (1, C, 1, 1): an affine weight or bias."""
    consts = [ctx.consts[t] for t in node.input if t in ctx.consts]
    return len(node.input) == 2 and len(consts) == 1 and along(consts[0]) == (rank, channels)


@pattern("Reshape")
def pixel_unshuffle(node: Node, ctx: Context) -> tuple | None:
    """nn.PixelUnshuffle as the exporter writes it: Reshape to (N, C, H/r, r, W/r, r) ->
    Transpose (0, 1, 3, 5, 2, 4) -> Reshape to (N, C·r², H/r, W/r): one `pixel_unshuffle`."""
    x = ctx.act(node, 0)
    shape = ctx.shapes.get(x)
    first = _target(ctx, node)
    if shape is None or len(shape) != 3 or first is None or len(first) != 6:
        return None
    c, h, w = shape
    r = first[3]
    if not isinstance(r, int) or r < 1 or first[1:] != [c, h // r, r, w // r, r] or h % r or w % r:
        return None
    swap = ctx.sole_reader(node.output[0], ("Transpose",))
    back = swap is not None and ctx.sole_reader(ctx.nodes[swap].output[0], ("Reshape",))
    if not back or list(ctx.nodes[swap].attrs.get("perm", [])) != [0, 1, 3, 5, 2, 4]:
        return None
    second = _target(ctx, ctx.nodes[back])
    if second is None or second[1:] not in ([c * r * r, h // r, w // r], [-1, h // r, w // r]):
        return None
    return {"type": "pixel_unshuffle", "downscale_factor": r}, [x], [swap, back]

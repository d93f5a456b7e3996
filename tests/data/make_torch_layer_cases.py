"""Run PyTorch on every case and write archlint's oracle: tests/data/torch_layer_cases.json.

Not a test and not run by the test-suite: PyTorch is no dependency of archlint. To add cases,
install torch in a throwaway virtual environment outside the repository and run this file
with it; tests/test_layer_types_torch.py then checks archlint against what PyTorch said.

Each case is an archlint spec ([input] and layers, in the spec format's keys).
Every layer is translated to the PyTorch call it stands for (batch axis put back, archlint's
dim d >= 0 is PyTorch's d + 1, negative dims unchanged) and run on a random batch of 2; the
output shape without the batch and the parameters (sum of numel of the modules' parameters)
are recorded, or the exception PyTorch raised. Every case is run again with a batch of 3, and
a case whose outcome depends on the batch size is rejected (archlint has no batch axis).

    python tests/data/make_torch_layer_cases.py   # with torch installed
"""

from __future__ import annotations

import json
import operator
import warnings
from functools import reduce
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent / "torch_layer_cases.json"


def M1(c, length):
    return {"channels": c, "length": length}


def M2(c, h, w):
    return {"channels": c, "height": h, "width": w}


def M3(c, d, h, w):
    return {"channels": c, "depth": d, "height": h, "width": w}


def V(f):
    return {"features": f}


def input_shape(inp: dict) -> tuple:
    if "features" in inp:
        return (inp["features"],)
    keys = ("channels", "depth", "height", "width", "length")
    return tuple(inp[k] for k in keys if k in inp)


def td(d: int) -> int:
    """archlint's dim (batch-less) as PyTorch's dim (batched)."""
    return d + 1 if d >= 0 else d


def tdims(dim):
    return td(dim) if isinstance(dim, int) else tuple(td(d) for d in dim)


def _slice_text(start, end, step):
    s = ("" if start is None else str(start)) + ":" + ("" if end is None else str(end))
    return s + ("" if step == 1 else f":{step}")


def translate(layer: dict, xs: list[torch.Tensor], names: list[str]):
    """(output tensor, PyTorch expression, parameter count) of one spec layer."""
    t = layer["type"]
    x, a = xs[0], names[0]
    if t == "layernorm":
        ns = layer["normalized_shape"]
        kw = {k: layer[k] for k in ("elementwise_affine", "bias") if k in layer}
        m = nn.LayerNorm(ns, **kw)
        text = f"nn.LayerNorm({ns}" + "".join(f", {k}={v}" for k, v in kw.items()) + f")({a})"
        return m(x), text, m
    if t == "groupnorm":
        c = layer.get("num_channels", x.shape[1])
        kw = {"affine": layer["affine"]} if "affine" in layer else {}
        text = f"nn.GroupNorm({layer['num_groups']}, {c}" + "".join(
            f", {k}={v}" for k, v in kw.items()
        )
        m = nn.GroupNorm(layer["num_groups"], c, **kw)
        return m(x), text + f")({a})", m
    if t.startswith("instancenorm"):
        n = t[-2]
        c = layer.get("num_features", x.shape[1])
        kw = {k: layer[k] for k in ("affine", "track_running_stats") if k in layer}
        cls = getattr(nn, f"InstanceNorm{n}d")
        text = f"nn.InstanceNorm{n}d({c}" + "".join(f", {k}={v}" for k, v in kw.items())
        m = cls(c, **kw)
        return m(x), text + f")({a})", m
    if t == "permute":
        dims = (0, *[td(d) for d in layer["dims"]])
        return x.permute(*dims), f"{a}.permute{dims}", None
    if t == "reshape":
        shape = layer["shape"]
        return (
            x.reshape(x.shape[0], *shape),
            f"{a}.reshape({a}.shape[0], {', '.join(map(str, shape))})",
            None,
        )
    if t == "expand":
        shape = layer["shape"]
        return x.expand(-1, *shape), f"{a}.expand(-1, {', '.join(map(str, shape))})", None
    if t == "channel_shuffle":
        m = nn.ChannelShuffle(layer["groups"])
        return m(x), f"nn.ChannelShuffle({layer['groups']})({a})", m
    if t == "pixel_shuffle":
        m = nn.PixelShuffle(layer["upscale_factor"])
        return m(x), f"nn.PixelShuffle({layer['upscale_factor']})({a})", m
    if t == "pixel_unshuffle":
        m = nn.PixelUnshuffle(layer["downscale_factor"])
        return m(x), f"nn.PixelUnshuffle({layer['downscale_factor']})({a})", m
    if t == "slice":
        dim = layer.get("dim", 0)
        start, end, step = layer.get("start"), layer.get("end"), layer.get("step", 1)
        s = _slice_text(start, end, step)
        if dim >= 0:
            index = (slice(None),) * (dim + 1) + (slice(start, end, step),)
            text = f"{a}[{':, ' * (dim + 1)}{s}]"
        else:
            index = (Ellipsis, slice(start, end, step)) + (slice(None),) * (-dim - 1)
            text = f"{a}[..., {s}{', :' * (-dim - 1)}]"
        return x[index], text, None
    if t == "pad":
        pad, mode = layer["pad"], layer.get("mode", "constant")
        kw = {"mode": mode}
        if "value" in layer:
            kw["value"] = layer["value"]
        text = f"F.pad({a}, {pad}" + "".join(f", {k}={v!r}" for k, v in kw.items()) + ")"
        return F.pad(x, pad, **kw), text, None
    if t in ("mean", "sum", "amax", "amin", "vector_norm"):
        dim = layer.get("dim")
        dim = tuple(range(1, x.ndim)) if dim is None else tdims(dim)
        keepdim = layer.get("keepdim", False)
        if t == "vector_norm":
            out = torch.linalg.vector_norm(x, dim=dim, keepdim=keepdim)
            return out, f"torch.linalg.vector_norm({a}, dim={dim}, keepdim={keepdim})", None
        out = getattr(x, t)(dim=dim, keepdim=keepdim)
        return out, f"{a}.{t}(dim={dim}, keepdim={keepdim})", None
    if t == "layer_scale":
        rank = x.ndim - 1
        dim = layer.get("dim", 0)
        pos = dim if dim >= 0 else rank + dim
        size = layer.get("num_features", x.shape[pos + 1])
        shape = (size,) + (1,) * (rank - pos - 1)
        gamma = nn.Parameter(torch.full(shape, 1e-6))
        m = nn.ParameterList([gamma])
        return x * gamma, f"{a} * nn.Parameter(torch.full({shape}, 1e-6))", m
    if t in ("add", "mul", "sub", "div"):
        op = {"add": operator.add, "mul": operator.mul, "sub": operator.sub,
              "div": operator.truediv}[t]  # fmt: skip
        sym = {"add": "+", "mul": "*", "sub": "-", "div": "/"}[t]
        if "value" in layer:
            return op(x, layer["value"]), f"{a} {sym} {layer['value']!r}", None
        return reduce(op, xs), f" {sym} ".join(names), None
    if t == "concat":
        d = layer.get("dim", 0)
        d = d + 1 if d >= 0 else d
        return torch.cat(xs, d), f"torch.cat([{', '.join(names)}], {d})", None
    if t in ("conv1d", "conv2d", "conv3d"):
        kw = {k: layer[k] for k in ("stride", "padding", "groups", "bias") if k in layer}
        cls = getattr(nn, f"Conv{t[-2]}d")
        m = cls(x.shape[1], layer["out_channels"], layer["kernel_size"], **kw)
        args = f"{x.shape[1]}, {layer['out_channels']}, {layer['kernel_size']}"
        text = f"nn.Conv{t[-2]}d({args}" + "".join(f", {k}={v}" for k, v in kw.items())
        return m(x), text + f")({a})", m
    if t == "linear":
        m = nn.Linear(x.shape[-1], layer["out_features"], bias=layer.get("bias", True))
        return m(x), f"nn.Linear({x.shape[-1]}, {layer['out_features']})({a})", m
    if t in ("relu", "gelu", "sigmoid"):
        return getattr(F, t)(x), f"F.{t}({a})", None
    if t == "flatten":
        b2t = lambda d: d + 1 if d >= 0 else d  # noqa: E731 - batch-less dim to torch's
        start, end = b2t(layer.get("start_dim", 0)), b2t(layer.get("end_dim", -1))
        return torch.flatten(x, start, end), f"torch.flatten({a}, {start}, {end})", None
    raise ValueError(f"no translation for {t}")


def run(case: dict, batch: int) -> dict:
    torch.manual_seed(0)
    x = torch.randn(batch, *input_shape(case["input"]))
    values, exprs, params = {"input": x}, [], 0
    previous = "input"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for layer in case["layers"]:
            names = layer.get("inputs", previous)
            names = [names] if isinstance(names, str) else names
            try:
                out, text, module = translate(layer, [values[n] for n in names], names)
            except Exception as exc:  # what PyTorch refuses
                exprs.append(f"{layer['name']} = <refused>")
                message = str(exc).strip().splitlines()[0]
                return {"refused": True, "torch_error": f"{type(exc).__name__}: {message}",
                        "torch_layer": layer["name"], "exprs": exprs}  # fmt: skip
            exprs.append(f"{layer['name']} = {text}")
            if module is not None:
                params += sum(p.numel() for p in module.parameters())
            values[previous := layer["name"]] = out
    result = {"output": list(out.shape[1:]), "params": params, "exprs": exprs}
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    if user:
        result["torch_warning"] = str(user[0].message).strip().splitlines()[0]
    return result


CASES: list[dict] = []


def case(id_, input_, *layers):
    """Layers as dicts; names default to l0, l1, ... (explicit names are kept)."""
    named = []
    for i, layer in enumerate(layers):
        layer = dict(layer)
        layer.setdefault("name", f"l{i}")
        named.append(layer)
    CASES.append({"id": id_, "input": input_, "layers": named})


# ---------------------------------------------------------------- composites (typical use)
case(
    "convnext_block",
    M2(16, 7, 7),
    {
        "name": "dw",
        "type": "conv2d",
        "out_channels": 16,
        "kernel_size": 7,
        "padding": 3,
        "groups": 16,
    },
    {"name": "to_nhwc", "type": "permute", "dims": [1, 2, 0]},
    {"name": "norm", "type": "layernorm", "normalized_shape": 16},
    {"name": "pw1", "type": "linear", "out_features": 64},
    {"name": "act", "type": "gelu"},
    {"name": "pw2", "type": "linear", "out_features": 16},
    {"name": "to_nchw", "type": "permute", "dims": [2, 0, 1]},
    {"name": "scale", "type": "layer_scale"},
    {"name": "residual", "type": "add", "inputs": ["input", "scale"]},
)
case(
    "convnext_layernorm2d",
    M2(16, 7, 7),
    {"type": "permute", "dims": [1, 2, 0]},
    {"type": "layernorm", "normalized_shape": 16},
    {"type": "permute", "dims": [2, 0, 1]},
)
case(
    "timm_convnext_layer_scale_channels_last",
    M2(16, 7, 7),
    {"type": "permute", "dims": [1, 2, 0]},
    {"type": "layer_scale", "dim": -1},
    {"type": "permute", "dims": [2, 0, 1]},
)
case(
    "shufflenetv2_unit",
    M2(24, 8, 8),
    {"name": "x1", "type": "slice", "dim": 0, "end": 12},
    {"name": "x2", "type": "slice", "dim": 0, "start": 12, "inputs": "input"},
    {"name": "pw", "type": "conv2d", "out_channels": 12, "kernel_size": 1, "bias": False},
    {
        "name": "dw",
        "type": "conv2d",
        "out_channels": 12,
        "kernel_size": 3,
        "padding": 1,
        "groups": 12,
        "bias": False,
    },
    {"name": "cat", "type": "concat", "inputs": ["x1", "dw"]},
    {"name": "shuffle", "type": "channel_shuffle", "groups": 2},
)
case(
    "se_block",
    M2(32, 7, 7),
    {"name": "squeeze", "type": "mean", "dim": [-2, -1], "keepdim": True},
    {"name": "fc1", "type": "conv2d", "out_channels": 8, "kernel_size": 1},
    {"name": "relu", "type": "relu"},
    {"name": "fc2", "type": "conv2d", "out_channels": 32, "kernel_size": 1},
    {"name": "gate", "type": "sigmoid"},
    {"name": "excite", "type": "mul", "inputs": ["input", "gate"]},
)
case(
    "mnasnet_head_dims_1_2",
    M2(64, 7, 7),
    {"type": "mean", "dim": [1, 2]},
    {"type": "linear", "out_features": 10},
)
case(
    "mnasnet_head_dims_neg",
    M2(64, 7, 7),
    {"type": "mean", "dim": [-2, -1]},
    {"type": "linear", "out_features": 10},
)
case(
    "cbam_spatial_attention",
    M2(16, 8, 8),
    {"name": "avg", "type": "mean", "dim": 0, "keepdim": True},
    {"name": "max", "type": "amax", "dim": 0, "keepdim": True, "inputs": "input"},
    {"name": "cat", "type": "concat", "inputs": ["avg", "max"]},
    {"name": "conv", "type": "conv2d", "out_channels": 1, "kernel_size": 7, "padding": 3},
    {"name": "gate", "type": "sigmoid"},
    {"name": "apply", "type": "mul", "inputs": ["input", "gate"]},
)
case(
    "vit_patch_tokens",
    M2(3, 32, 32),
    {"name": "patchify", "type": "conv2d", "out_channels": 48, "kernel_size": 8, "stride": 8},
    {"name": "flat", "type": "reshape", "shape": [48, -1]},
    {"name": "tokens", "type": "permute", "dims": [1, 0]},
    {"name": "norm", "type": "layernorm", "normalized_shape": 48},
)
case(
    "espcn_upsample",
    M2(8, 6, 6),
    {"type": "conv2d", "out_channels": 27, "kernel_size": 3, "padding": 1},
    {"type": "pixel_shuffle", "upscale_factor": 3},
)
case(
    "patch_merging_unshuffle",
    M2(8, 8, 8),
    {"type": "pixel_unshuffle", "downscale_factor": 2},
    {"type": "permute", "dims": [1, 2, 0]},
    {"type": "layernorm", "normalized_shape": 32},
    {"type": "linear", "out_features": 16, "bias": False},
)
case(
    "l2_normalise_features",
    V(32),
    {"name": "norm", "type": "vector_norm", "dim": -1, "keepdim": True},
    {"name": "unit", "type": "div", "inputs": ["input", "norm"]},
)

# ---------------------------------------------------------------- layernorm
case("layernorm_vector", V(64), {"type": "layernorm", "normalized_shape": 64})
case("layernorm_1d_last_axis", M1(8, 10), {"type": "layernorm", "normalized_shape": 10})
case("layernorm_2d_hw", M2(4, 6, 6), {"type": "layernorm", "normalized_shape": [6, 6]})
case(
    "layernorm_3d_channels_last",
    M3(8, 3, 4, 5),
    {"type": "permute", "dims": [1, 2, 3, 0]},
    {"type": "layernorm", "normalized_shape": 8},
)
case(
    "layernorm_no_affine",
    M2(4, 6, 6),
    {"type": "layernorm", "normalized_shape": [6, 6], "elementwise_affine": False},
)
case("layernorm_no_bias", V(64), {"type": "layernorm", "normalized_shape": 64, "bias": False})
case(
    "layernorm_channels_first_mismatch", M2(16, 7, 7), {"type": "layernorm", "normalized_shape": 16}
)
case(
    "layernorm_mismatch_no_affine",
    M2(16, 7, 7),
    {"type": "layernorm", "normalized_shape": 16, "elementwise_affine": False},
)
case("layernorm_wrong_order", M2(16, 5, 7), {"type": "layernorm", "normalized_shape": [7, 5]})
case(
    "layernorm_longer_than_input",
    M2(3, 4, 4),
    {"type": "layernorm", "normalized_shape": [7, 3, 4, 4]},
)

# ---------------------------------------------------------------- groupnorm
case("groupnorm_typical", M2(64, 8, 8), {"type": "groupnorm", "num_groups": 32})
case(
    "groupnorm_num_channels_given",
    M2(16, 8, 8),
    {"type": "groupnorm", "num_groups": 4, "num_channels": 16},
)
case("groupnorm_no_affine", M2(16, 8, 8), {"type": "groupnorm", "num_groups": 4, "affine": False})
case("groupnorm_1d", M1(12, 20), {"type": "groupnorm", "num_groups": 3})
case("groupnorm_vector", V(8), {"type": "groupnorm", "num_groups": 2})
case("groupnorm_groups_not_dividing", M2(16, 8, 8), {"type": "groupnorm", "num_groups": 3})
case(
    "groupnorm_num_channels_mismatch",
    M2(8, 4, 4),
    {"type": "groupnorm", "num_groups": 4, "num_channels": 16},
)
case(
    "groupnorm_num_channels_mismatch_no_affine",
    M2(8, 4, 4),
    {"type": "groupnorm", "num_groups": 4, "num_channels": 16, "affine": False},
)
case(
    "groupnorm_num_channels_mismatch_no_affine_not_dividing",
    M2(6, 4, 4),
    {"type": "groupnorm", "num_groups": 4, "num_channels": 16, "affine": False},
)

# ---------------------------------------------------------------- instancenorm
case("instancenorm2d_default", M2(8, 16, 16), {"type": "instancenorm2d"})
case("instancenorm2d_affine", M2(8, 16, 16), {"type": "instancenorm2d", "affine": True})
case("instancenorm1d_affine", M1(8, 20), {"type": "instancenorm1d", "affine": True})
case("instancenorm3d_affine", M3(4, 4, 4, 4), {"type": "instancenorm3d", "affine": True})
case(
    "instancenorm2d_wrong_num_features_no_affine",
    M2(8, 16, 16),
    {"type": "instancenorm2d", "num_features": 5},
)
case(
    "instancenorm2d_wrong_num_features_affine",
    M2(8, 16, 16),
    {"type": "instancenorm2d", "num_features": 5, "affine": True},
)
case(
    "instancenorm2d_wrong_num_features_running_stats",
    M2(8, 16, 16),
    {"type": "instancenorm2d", "num_features": 5, "track_running_stats": True},
)
case("instancenorm1d_on_2d_map", M2(8, 4, 4), {"type": "instancenorm1d", "num_features": 8})
case(
    "instancenorm2d_on_1d_map_affine",
    M1(8, 20),
    {"type": "instancenorm2d", "num_features": 8, "affine": True},
)
case(
    "instancenorm1d_on_vector_affine",
    V(8),
    {"type": "instancenorm1d", "num_features": 8, "affine": True},
)
case("instancenorm2d_on_1x1_map", M2(8, 1, 1), {"type": "instancenorm2d"})
case("instancenorm1d_on_length_1", M1(8, 1), {"type": "instancenorm1d", "affine": True})

# ---------------------------------------------------------------- permute
case("permute_channels_last", M2(3, 5, 7), {"type": "permute", "dims": [1, 2, 0]})
case("permute_1d", M1(4, 9), {"type": "permute", "dims": [1, 0]})
case("permute_3d", M3(2, 3, 4, 5), {"type": "permute", "dims": [1, 2, 3, 0]})
case("permute_negative_dims", M2(3, 5, 7), {"type": "permute", "dims": [-1, 0, 1]})
case("permute_vector", V(6), {"type": "permute", "dims": [0]})
case("permute_repeated_dim", M2(3, 5, 7), {"type": "permute", "dims": [0, 0, 1]})
case("permute_too_few_dims", M2(3, 5, 7), {"type": "permute", "dims": [1, 0]})
case("permute_dim_out_of_range", M2(3, 5, 7), {"type": "permute", "dims": [0, 1, 3]})

# ---------------------------------------------------------------- reshape
case("reshape_flatten", M2(4, 3, 3), {"type": "reshape", "shape": [-1]})
case("reshape_explicit", M2(4, 3, 6), {"type": "reshape", "shape": [8, 9]})
case("reshape_vector_to_map", V(16), {"type": "reshape", "shape": [4, 2, 2]})
case("reshape_wrong_count", M2(4, 3, 3), {"type": "reshape", "shape": [5, 5]})
case("reshape_two_inferred", M2(4, 3, 3), {"type": "reshape", "shape": [-1, -1]})
case("reshape_not_inferable", M2(4, 3, 3), {"type": "reshape", "shape": [5, -1]})
case("reshape_negative_two", M2(4, 3, 3), {"type": "reshape", "shape": [-2, 18]})
case("reshape_zero", M2(4, 3, 3), {"type": "reshape", "shape": [0, -1]})

# ---------------------------------------------------------------- expand
case("expand_singletons", M2(8, 1, 1), {"type": "expand", "shape": [8, 4, 4]})
case("expand_keep_minus_one", M2(8, 1, 1), {"type": "expand", "shape": [-1, 5, 5]})
case(
    "expand_after_pooled_mean",
    M2(8, 7, 7),
    {"type": "mean", "dim": [-2, -1], "keepdim": True},
    {"type": "expand", "shape": [-1, 7, 7]},
)
case("expand_non_singleton", M2(4, 3, 1), {"type": "expand", "shape": [8, 3, 5]})
case("expand_too_few_sizes", M2(8, 1, 1), {"type": "expand", "shape": [5, 5]})
case("expand_new_leading_axis", V(8), {"type": "expand", "shape": [3, 8]})

# ---------------------------------------------------------------- channel_shuffle
case("channel_shuffle_groups_2", M2(8, 4, 4), {"type": "channel_shuffle", "groups": 2})
case("channel_shuffle_1d", M1(6, 10), {"type": "channel_shuffle", "groups": 3})
case("channel_shuffle_3d", M3(4, 2, 3, 3), {"type": "channel_shuffle", "groups": 2})
case("channel_shuffle_not_dividing", M2(10, 4, 4), {"type": "channel_shuffle", "groups": 4})
case("channel_shuffle_vector", V(8), {"type": "channel_shuffle", "groups": 2})

# ---------------------------------------------------------------- pixel_shuffle / unshuffle
case("pixel_shuffle_2", M2(12, 4, 4), {"type": "pixel_shuffle", "upscale_factor": 2})
case(
    "pixel_shuffle_3d_last_three_axes",
    M3(3, 8, 4, 4),
    {"type": "pixel_shuffle", "upscale_factor": 2},
)
case("pixel_shuffle_not_divisible", M2(6, 4, 4), {"type": "pixel_shuffle", "upscale_factor": 2})
case(
    "pixel_shuffle_divisible_by_r_not_r2",
    M2(18, 4, 4),
    {"type": "pixel_shuffle", "upscale_factor": 2},
)
case("pixel_shuffle_1d", M1(8, 10), {"type": "pixel_shuffle", "upscale_factor": 2})
case("pixel_shuffle_vector", V(16), {"type": "pixel_shuffle", "upscale_factor": 2})
case("pixel_unshuffle_2", M2(3, 8, 8), {"type": "pixel_unshuffle", "downscale_factor": 2})
case("pixel_unshuffle_non_square", M2(2, 6, 9), {"type": "pixel_unshuffle", "downscale_factor": 3})
case(
    "pixel_unshuffle_3d_last_three_axes",
    M3(3, 2, 8, 8),
    {"type": "pixel_unshuffle", "downscale_factor": 2},
)
case(
    "pixel_unshuffle_height_not_divisible",
    M2(3, 7, 8),
    {"type": "pixel_unshuffle", "downscale_factor": 2},
)
case(
    "pixel_unshuffle_width_not_divisible",
    M2(3, 8, 6),
    {"type": "pixel_unshuffle", "downscale_factor": 4},
)

# ---------------------------------------------------------------- slice
case("slice_first_half", M2(16, 4, 4), {"type": "slice", "dim": 0, "start": 0, "end": 8})
case("slice_second_half", M2(16, 4, 4), {"type": "slice", "start": 8})
case("slice_step_2", M2(16, 4, 4), {"type": "slice", "step": 2})
case("slice_step_3_offset", M2(10, 4, 4), {"type": "slice", "start": 1, "step": 3})
case("slice_negative_start", M2(10, 4, 4), {"type": "slice", "start": -3})
case("slice_negative_end", M2(10, 4, 4), {"type": "slice", "end": -1})
case("slice_end_beyond_size", M2(10, 4, 4), {"type": "slice", "start": 4, "end": 100})
case("slice_height", M2(4, 8, 6), {"type": "slice", "dim": 1, "start": 1, "end": 3})
case("slice_width_negative_dim", M2(4, 8, 6), {"type": "slice", "dim": -1, "end": 4})
case("slice_vector", V(32), {"type": "slice", "start": 8, "end": 24})
case("slice_empty_start_after_end", M2(10, 4, 4), {"type": "slice", "start": 5, "end": 2})
case(
    "slice_empty_then_amax",
    M2(10, 4, 4),
    {"type": "slice", "start": 5, "end": 5},
    {"type": "amax", "dim": 0},
)
case("slice_step_zero", M2(10, 4, 4), {"type": "slice", "step": 0})
case("slice_step_negative", M2(10, 4, 4), {"type": "slice", "step": -1})
case("slice_dim_out_of_range", M2(10, 4, 4), {"type": "slice", "dim": 3, "end": 1})
case(
    "split_three_ways_concat",
    M2(12, 4, 4),
    {"name": "a", "type": "slice", "end": 4},
    {"name": "b", "type": "slice", "start": 4, "end": 8, "inputs": "input"},
    {"name": "c", "type": "slice", "start": 8, "inputs": "input"},
    {"name": "cat", "type": "concat", "inputs": ["c", "a", "b"]},
)

# ---------------------------------------------------------------- pad
case("pad_constant_hw", M2(3, 8, 8), {"type": "pad", "pad": [1, 1, 1, 1]})
case("pad_constant_width_only", M2(3, 8, 8), {"type": "pad", "pad": [1, 2]})
case("pad_constant_channels_too", M2(3, 8, 8), {"type": "pad", "pad": [1, 1, 1, 1, 2, 0]})
case("pad_constant_vector", V(8), {"type": "pad", "pad": [2, 3]})
case("pad_constant_crop", M2(3, 8, 8), {"type": "pad", "pad": [-1, -1, -1, -1]})
case("pad_constant_crop_to_zero", M2(3, 4, 4), {"type": "pad", "pad": [-2, -2]})
case("pad_constant_crop_below_zero", M2(3, 4, 4), {"type": "pad", "pad": [-3, -2]})
case("pad_odd_length", M2(3, 4, 4), {"type": "pad", "pad": [1, 1, 1]})
case("pad_too_long", M2(3, 4, 4), {"type": "pad", "pad": [1] * 10})
case("pad_reflect_hw", M2(3, 8, 8), {"type": "pad", "pad": [3, 3, 3, 3], "mode": "reflect"})
case(
    "pad_reflect_size_minus_one",
    M2(3, 4, 4),
    {"type": "pad", "pad": [3, 3, 3, 3], "mode": "reflect"},
)
case(
    "pad_reflect_equal_to_size",
    M2(3, 4, 4),
    {"type": "pad", "pad": [4, 4, 0, 0], "mode": "reflect"},
)
case(
    "pad_reflect_width_only_on_2d_map",
    M2(3, 8, 8),
    {"type": "pad", "pad": [1, 1], "mode": "reflect"},
)
case(
    "pad_reflect_channels_too",
    M2(3, 8, 8),
    {"type": "pad", "pad": [1, 1, 1, 1, 1, 1], "mode": "reflect"},
)
case("pad_reflect_vector", V(8), {"type": "pad", "pad": [7, 7], "mode": "reflect"})
case("pad_reflect_crop", M2(3, 8, 8), {"type": "pad", "pad": [-1, -1, -1, -1], "mode": "reflect"})
case(
    "pad_reflect_crop_then_pad_equal_size",
    M2(3, 4, 4),
    {"type": "pad", "pad": [-1, 4, 0, 0], "mode": "reflect"},
)
case(
    "pad_reflect_2d_crop_to_zero",
    M2(3, 4, 4),
    {"type": "pad", "pad": [-2, -2, 0, 0], "mode": "reflect"},
)
case("pad_reflect_1d_crop_to_zero", M1(3, 8), {"type": "pad", "pad": [-4, -4], "mode": "reflect"})
case("pad_replicate_hw", M2(3, 8, 8), {"type": "pad", "pad": [1, 1, 1, 1], "mode": "replicate"})
case(
    "pad_replicate_beyond_size",
    M2(3, 4, 4),
    {"type": "pad", "pad": [8, 0, 0, 0], "mode": "replicate"},
)
case(
    "pad_replicate_crop_to_zero",
    M2(3, 4, 4),
    {"type": "pad", "pad": [-2, -2, 0, 0], "mode": "replicate"},
)
case(
    "pad_replicate_width_only_on_2d_map",
    M2(3, 8, 8),
    {"type": "pad", "pad": [1, 1], "mode": "replicate"},
)
case(
    "pad_replicate_four_axes", M3(2, 4, 4, 4), {"type": "pad", "pad": [1] * 8, "mode": "replicate"}
)
case(
    "pad_circular_equal_to_size",
    M2(3, 4, 4),
    {"type": "pad", "pad": [4, 4, 0, 0], "mode": "circular"},
)
case(
    "pad_circular_beyond_size",
    M2(3, 4, 4),
    {"type": "pad", "pad": [5, 0, 0, 0], "mode": "circular"},
)
case("pad_circular_1d_crop_to_zero", M1(3, 8), {"type": "pad", "pad": [-4, -4], "mode": "circular"})
case(
    "pad_circular_1d_crop_below_zero",
    M1(3, 8),
    {"type": "pad", "pad": [-5, -4], "mode": "circular"},
)

# ---------------------------------------------------------------- reductions
case("mean_spatial_keepdim", M2(32, 7, 7), {"type": "mean", "dim": [-2, -1], "keepdim": True})
case("mean_default_every_axis", M2(4, 5, 6), {"type": "mean"})
case("mean_channels", M2(4, 5, 6), {"type": "mean", "dim": 0})
case("mean_3d_spatial", M3(8, 4, 5, 6), {"type": "mean", "dim": [1, 2, 3]})
case("mean_repeated_dim", M2(4, 5, 6), {"type": "mean", "dim": [1, -2]})
case("mean_dim_out_of_range", M2(4, 5, 6), {"type": "mean", "dim": 3})
case("mean_negative_dim_out_of_range", M2(4, 5, 6), {"type": "mean", "dim": -5})
case("sum_channels_keepdim", M2(4, 5, 6), {"type": "sum", "dim": 0, "keepdim": True})
case("sum_vector_every_axis", V(10), {"type": "sum"})
case("sum_repeated_dim", M2(4, 5, 6), {"type": "sum", "dim": [0, 0]})
case("amax_spatial_keepdim", M2(16, 7, 7), {"type": "amax", "dim": [-2, -1], "keepdim": True})
case("amax_width", M2(4, 5, 6), {"type": "amax", "dim": -1})
case("amax_dim_out_of_range", M1(4, 5), {"type": "amax", "dim": 2})
case("amin_height_keepdim", M2(4, 5, 6), {"type": "amin", "dim": 1, "keepdim": True})
case(
    "vector_norm_channels_keepdim", M2(4, 5, 6), {"type": "vector_norm", "dim": 0, "keepdim": True}
)
case("vector_norm_spatial", M2(4, 5, 6), {"type": "vector_norm", "dim": [1, 2]})
case("vector_norm_repeated_dim", M2(4, 5, 6), {"type": "vector_norm", "dim": [0, -3]})
case("vector_norm_dim_out_of_range", V(10), {"type": "vector_norm", "dim": 1})

# ---------------------------------------------------------------- layer_scale
case("layer_scale_channels", M2(16, 7, 7), {"type": "layer_scale"})
case("layer_scale_vector", V(32), {"type": "layer_scale"})
case("layer_scale_1d", M1(8, 10), {"type": "layer_scale"})
case("layer_scale_height", M2(4, 5, 6), {"type": "layer_scale", "dim": 1})
case("layer_scale_last_axis", M2(4, 5, 6), {"type": "layer_scale", "dim": -1})
case("layer_scale_wrong_num_features", M2(16, 7, 7), {"type": "layer_scale", "num_features": 8})
case("layer_scale_single_scale", M2(16, 7, 7), {"type": "layer_scale", "num_features": 1})

# ---------------------------------------------------------------- element-wise
case("add_value", M2(3, 4, 4), {"type": "add", "value": 3.0})
case("mul_value", M2(3, 4, 4), {"type": "mul", "value": 0.5})
case("sub_value", V(10), {"type": "sub", "value": 1.0})
case("div_value", M1(3, 8), {"type": "div", "value": 2.0})
case(
    "sub_same_shape",
    M2(3, 4, 4),
    {"name": "a", "type": "relu"},
    {"name": "d", "type": "sub", "inputs": ["input", "a"]},
)
case(
    "sub_three_inputs",
    M2(3, 4, 4),
    {"name": "a", "type": "relu"},
    {"name": "b", "type": "sigmoid", "inputs": "input"},
    {"name": "d", "type": "sub", "inputs": ["input", "a", "b"]},
)
case(
    "sub_mean_keepdim",
    M2(8, 5, 5),
    {"name": "mu", "type": "mean", "dim": [1, 2], "keepdim": True},
    {"name": "centred", "type": "sub", "inputs": ["input", "mu"]},
)
case(
    "div_by_mean_without_keepdim",
    M2(8, 5, 5),
    {"name": "mu", "type": "mean", "dim": [1, 2]},
    {"name": "q", "type": "div", "inputs": ["input", "mu"]},
)
case(
    "add_broadcast_both_sides",
    M2(4, 5, 6),
    {"name": "rows", "type": "mean", "dim": 1, "keepdim": True},
    {"name": "cols", "type": "mean", "dim": [0, 2], "keepdim": True, "inputs": "input"},
    {"name": "s", "type": "add", "inputs": ["rows", "cols"]},
)
case(
    "sub_mismatched_halves",
    M2(7, 4, 4),
    {"name": "a", "type": "slice", "end": 3},
    {"name": "b", "type": "slice", "start": 3, "inputs": "input"},
    {"name": "d", "type": "sub", "inputs": ["a", "b"]},
)

# ---------------------------------------------------------------- concat with one input
case("concat_single_input", M2(16, 8, 8), {"type": "concat", "inputs": ["input"]})
case("concat_single_after_slice", M2(16, 8, 8), {"type": "slice", "end": 6}, {"type": "concat"})

# ---------------------------------------------------------------- concat along other axes
case(
    "concat_along_width",
    M2(4, 6, 5),
    {"name": "a", "type": "slice", "dim": -1, "end": 2},
    {"name": "cat", "type": "concat", "dim": -1, "inputs": ["input", "a"]},
)
case(
    "concat_channels_last",
    M2(4, 6, 6),
    {"name": "t", "type": "permute", "dims": [1, 2, 0]},
    {"name": "cat", "type": "concat", "dim": 2, "inputs": ["t", "t"]},
)
case(
    "concat_along_height_mismatch",
    M2(4, 6, 5),
    {"name": "a", "type": "slice", "dim": 0, "end": 2},
    {"name": "cat", "type": "concat", "dim": 1, "inputs": ["input", "a"]},
)
case(
    "concat_dim_out_of_range",
    M2(4, 6, 5),
    {"name": "cat", "type": "concat", "dim": 3, "inputs": ["input", "input"]},
)

# ---------------------------------------------------------------- crops beyond one side
case("pad_constant_crop_past_the_side", M1(2, 16), {"type": "pad", "pad": [-20, 10]})
case("pad_constant_crop_to_one_past_the_side", M1(2, 16), {"type": "pad", "pad": [-17, 2]})
case(
    "pad_circular_crop_past_the_side",
    M1(2, 16),
    {"type": "pad", "pad": [-20, 10], "mode": "circular"},
)
case("pad_circular_crop_and_pad", M1(2, 4), {"type": "pad", "pad": [-1, 4], "mode": "circular"})
case(
    "pad_circular_crop_and_pad_within",
    M1(2, 4),
    {"type": "pad", "pad": [-1, 3], "mode": "circular"},
)
case(
    "pad_reflect_crop_past_the_side", M1(2, 16), {"type": "pad", "pad": [-17, 2], "mode": "reflect"}
)
case(
    "pad_replicate_crop_past_the_side",
    M1(2, 16),
    {"type": "pad", "pad": [-17, 2], "mode": "replicate"},
)
case(
    "instancenorm_running_stats_one_position",
    M2(8, 1, 1),
    {"type": "instancenorm2d", "track_running_stats": True},
)
case("concat_no_inputs_is_refused", M2(4, 2, 2), {"type": "concat", "inputs": []})

# ---------------------------------------------------------------- partial flatten
case("flatten_tokens_like_vit", M2(8, 4, 4), {"type": "flatten", "start_dim": 1})
case("flatten_channels_and_height", M2(8, 4, 5), {"type": "flatten", "end_dim": -2})
case("flatten_one_axis_is_a_no_op", M2(8, 4, 5), {"type": "flatten", "start_dim": 1, "end_dim": 1})
case("flatten_start_after_end", M2(8, 4, 5), {"type": "flatten", "start_dim": 2, "end_dim": 1})
case("flatten_end_out_of_range", M2(8, 4, 5), {"type": "flatten", "end_dim": 3})


def main() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    out = []
    for c in CASES:
        first, second = run(c, 2), run(c, 3)
        same = (first.get("refused"), first.get("output"), first.get("params")) == (
            second.get("refused"),
            second.get("output"),
            second.get("params"),
        )
        if not same:
            raise SystemExit(
                f"{c['id']}: PyTorch's outcome depends on the batch size: {first} vs {second}"
            )
        expect = ({"refused": True, "torch_error": first["torch_error"],
                   "torch_layer": first["torch_layer"]} if first.get("refused")
                  else {"output": first["output"], "params": first["params"]})  # fmt: skip
        if "torch_warning" in first:
            expect["torch_warning"] = first["torch_warning"]
        out.append({"id": c["id"], "torch": "; ".join(first["exprs"]), "input": c["input"],
                    "layers": c["layers"], "expect": expect})  # fmt: skip
    doc = {
        "torch_version": torch.__version__,
        "note": "Produced by running PyTorch (tests/data/make_torch_layer_cases.py: each case's layers "
        "translated to the PyTorch expression in 'torch', run on a random batch of 2 and "
        "again of 3, batch axis dropped; params = sum of numel of the modules' parameters). "
        "Never edit these values by hand: regenerate them with PyTorch.",
        "cases": out,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    refused = sum(1 for c in out if c["expect"].get("refused"))
    print(f"{len(out)} cases ({refused} refused) -> {OUT}")


if __name__ == "__main__":
    main()

"""Sliding windows (convolution and pooling): ONNX pads / auto_pad -> the spec's padding."""

from __future__ import annotations

from archlint.readers.onnx.table import Unsupported

WINDOW = ("kernel_shape", "strides", "dilations")  # per-axis attributes of a window


def padding(a: dict, n: int, kernel, strides, dilations, spatial, conv: bool):
    """The spec's padding: a number, per-axis [begin, end] where asymmetric, or 'same'.

    `spatial`: the input's sizes (None where unknown), which SAME padding with stride > 1
    needs; `conv`: a convolution may say 'same' where PyTorch pads as SAME_UPPER does.
    """
    auto = a.get("auto_pad", "NOTSET") or "NOTSET"
    if auto == "NOTSET":
        pads = list(a.get("pads", [0] * (2 * n)))
        if len(pads) != 2 * n or any(p < 0 for p in pads):
            raise Unsupported(f"pads {pads} do not fit a {n}-d window")
        return _pairs(list(zip(pads[:n], pads[n:])))
    if auto == "VALID":
        return 0
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"auto_pad {auto!r}")
    if conv and auto == "SAME_UPPER" and all(s == 1 for s in strides):
        return "same"  # PyTorch's 'same' puts the odd extra at the end, as SAME_UPPER does
    if any(s != 1 for s in strides) and spatial is None:
        raise Unsupported(f"auto_pad {auto} with stride > 1 needs the input size")
    pairs = []
    for ax in range(n):
        size = spatial[ax] if spatial is not None else 1
        out = -(-size // strides[ax])
        total = max(0, (out - 1) * strides[ax] + (kernel[ax] - 1) * dilations[ax] + 1 - size)
        small, big = total // 2, total - total // 2
        pairs.append((small, big) if auto == "SAME_UPPER" else (big, small))
    return _pairs(pairs)


def spatial_sizes(shape, n: int):
    """The input's n spatial sizes, or None where its shape is unknown or of another rank."""
    return shape[1:] if shape is not None and len(shape) == n + 1 else None


def _pairs(pairs: list[tuple[int, int]]) -> int | list:
    """Per axis a number where symmetric, else [begin, end]; one number if all axes agree."""
    axes = [b if b == e else [b, e] for b, e in pairs]
    return axes[0] if all(a == axes[0] and isinstance(a, int) for a in axes) else axes

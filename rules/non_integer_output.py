"""A convolution or pooling output size that is not an integer, so real input is never read.

**Why it matters.** The output size is (N − F + 2P)/S + 1 (with dilation d, F becomes
d·(F − 1) + 1). When it is not a whole number the windows do not tile the input: frameworks
floor it in silence, and the last rows or columns of the input are never read. A 7×7 input
with a 3×3 filter at stride 3 gives (7 − 3 + 2·0)/3 + 1 = 2.33: the last column is dropped.
When only padding goes unread nothing is lost, and this rule stays quiet: torchvision's
ResNet stem (7×7, stride 2, padding 3 on 224) gives 112.5 but every real pixel is read.
Pooling with ceil_mode keeps the partial last window, so it is not a finding either.

**Fails**
```toml
[input]
channels = 1
height = 7
width = 7

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 3        # expect: AL001
```

**Passes**
```toml
[input]
channels = 1
height = 7
width = 7

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 2
```
"""

from __future__ import annotations

from archlint import Finding
from archlint.diagnostics import Fix
from archlint.windows import UNITS, Axis

CODE = "AL001"
NAME = "non-integer-output"
SEVERITY = "warning"


def check(analysis, options):
    for result in analysis.layers.values():
        lossy = [a for a in result.axes if isinstance(a, Axis) and not a.ceil_mode and a.unread]
        # square layers fail the same way on every axis: say it once
        groups: dict[tuple, list[Axis]] = {}
        for axis in lossy:
            groups.setdefault(
                (axis.size, axis.kernel, axis.stride, axis.dilation, axis.pad_begin, axis.pad_end),
                [],
            ).append(axis)
        for axes in groups.values():
            yield _finding(result, axes, all_axes=len(axes) == len(result.axes))


def _finding(result, axes: list[Axis], all_axes: bool) -> Finding:
    axis = axes[0]
    names = " and ".join(a.name for a in axes)
    verb = "are not integers" if len(axes) > 1 else "is not an integer"
    units = " and ".join(f"{UNITS[a.name]}{'s' if a.unread > 1 else ''}" for a in axes)
    lost = "is" if axis.unread == 1 else "are"
    note = (
        f"frameworks floor it to {axis.out}: the last {axis.unread} {units} of the"
        f" {axis.size}-wide input {lost} never read"
    )
    where = "" if all_axes else f" for the {names}"
    stride, padding = _nearest_stride(axis), _nearest_padding(axis, "pool" in result.type)
    span = axis.size + axis.pad_begin + axis.pad_end - axis.extent  # (N − F + 2P)
    fixes = []
    if "pool" in result.type:
        fixes.append("ceil_mode = true keeps the partial last window")
    if stride:
        fixes.append(f"stride = {stride}{where} gives {span // stride + 1} exactly")
    if padding is not None:
        size = (span + 2 * (padding - axis.pad_begin)) // axis.stride + 1
        fixes.append(f"padding = {padding}{where} gives {size} exactly")
    below = span - span % axis.stride
    if below >= 0:
        size = axis.size - span % axis.stride
        fixes.append(
            f"an input {names} of {size} or {size + axis.stride} gives"
            f" {below // axis.stride + 1} or {below // axis.stride + 2} exactly"
        )
    # the mechanical fix: the padding (which keeps the down-sampling) where it applies to all
    fix = None
    if all_axes and padding is not None and not isinstance(result.layer.padding, str):
        fix = Fix("padding", result.layer.padding, padding, safe=False)
    elif all_axes and stride:
        fix = Fix("stride", getattr(result.layer, "stride", None), stride, safe=False)
    return Finding(
        result.name,
        f"output {names} {axis.formula()} {verb}",
        note=note,
        help="; or ".join(fixes),
        field="stride",
        fix=fix,
    )


def _nearest_stride(axis: Axis) -> int | None:
    """The stride nearest the current one that tiles the input exactly, still down-sampling
    and no wider than the window (a wider one skips pixels: stride-exceeds-kernel)."""
    span = axis.size + axis.pad_begin + axis.pad_end - axis.extent
    lowest = 2 if axis.stride > 1 else 1
    highest = min(2 * axis.stride, max(axis.stride, axis.extent))
    strides = [s for s in range(lowest, highest + 1) if s != axis.stride and span % s == 0]
    return min(strides, key=lambda s: (abs(s - axis.stride), s)) if strides and span >= 0 else None


def _nearest_padding(axis: Axis, pool: bool) -> int | None:
    """The symmetric padding nearest the current one that tiles the input exactly, within
    what is allowed (pools: half the kernel) and useful (every window still reads input)."""
    if axis.pad_begin != axis.pad_end:
        return None
    span = axis.size + 2 * axis.pad_begin - axis.extent
    limit = axis.kernel // 2 if pool else axis.extent - 1
    for p in range(1, axis.stride):
        for q in (axis.pad_begin - p, axis.pad_begin + p):
            total = span + 2 * (q - axis.pad_begin)
            if 0 <= q <= limit and total >= 0 and total % axis.stride == 0:
                return q
    return None

"""Padding that does not do what it seems to: asymmetric, refused, wasted or out of step.

**Why it matters.** Padding decides which pixels a window reads and how large the output is.
This rule reports:
- `padding = "same"` with stride > 1, which PyTorch refuses (error);
- pool padding over half the kernel, which PyTorch refuses (error);
- `padding = "same"` with an even kernel, which pads one more row at the bottom and column
  at the right than at the top and left, shifting the map by half a pixel;
- padding so large that whole output rows see only zeros (more than kernel − 1);
- a stride-1 convolution whose padding is not (F − 1)/2 between two convolutions that keep
  the size, as in a VGG stage where one layer forgot its padding.

**Fails**
```toml
[input]
channels = 3
height = 32
width = 32

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1

[[layers]]    # expect: AL004
name = "conv2"
type = "conv2d"
out_channels = 16
kernel_size = 3

[[layers]]
name = "conv3"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1
```

**Passes**
```toml
[input]
channels = 3
height = 32
width = 32

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1

[[layers]]
name = "conv2"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1

[[layers]]
name = "conv3"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1
```
"""

from archlint import Finding
from archlint.diagnostics import Fix
from archlint.layers import compact
from archlint.windows import UNITS, Axis

CODE = "AL004"
NAME = "padding-mismatch"
SEVERITY = "warning"


def check(analysis, options):
    yield from analysis.refusals(NAME)
    for result in analysis.layers.values():
        axes = [a for a in result.axes if isinstance(a, Axis)]
        if result.output is None or not axes:
            continue
        yield from _asymmetric_same(result, axes)
        zeros = getattr(result.layer, "padding_mode", "zeros") == "zeros"
        if zeros and not any(r.owner == NAME for r in result.refusals):  # refused: enough said
            yield from _zero_windows(result, axes)
        yield from _out_of_step(analysis, result, axes)


def _asymmetric_same(result, axes):
    if getattr(result.layer, "padding", None) != "same":
        return
    uneven = [a for a in axes if a.pad_begin != a.pad_end]
    if uneven:
        a = uneven[0]
        yield Finding(
            result.name,
            f"padding = 'same' with the {a.extent}-wide window on the {a.name} axis pads"
            f" {a.pad_begin} before and {a.pad_end} after: the output is shifted by half a pixel",
            help="use an odd kernel_size, or give the padding explicitly",
            field="padding",
        )


def _zero_windows(result, axes):
    for a in axes:
        first, last = a.zero_windows
        if first or last:
            ends = " and ".join(
                f"the {end} {n}" for end, n in (("first", first), ("last", last)) if n
            )
            yield Finding(
                result.name,
                f"padding {max(a.pad_begin, a.pad_end)} with a {a.extent}-wide window: {ends}"
                f" output {UNITS[a.name]}s see only padding (zeros)",
                help=f"padding ≤ {a.extent - 1} keeps every window on real input;"
                f" (F − 1)/2 = {(a.extent - 1) // 2} keeps the size at stride 1",
                field="padding",
            )
            return


def _keeps_size(result) -> bool:
    axes = result.axes
    return (
        result.type.startswith("conv")
        and bool(axes)
        and result.output is not None
        and all(
            isinstance(a, Axis) and a.stride == 1 and a.extent > 1 and a.out == a.size for a in axes
        )
    )


def _out_of_step(analysis, result, axes):
    if not result.type.startswith("conv") or any(a.stride != 1 or a.extent % 2 == 0 for a in axes):
        return
    off = [a for a in axes if a.out != a.size]
    if not off:
        return
    before, after = analysis.previous(result.name), analysis.following(result.name)
    if before and after and _keeps_size(before) and _keeps_size(after):
        a = off[0]
        yield Finding(
            result.name,
            f"padding {a.pad_begin} changes the {a.name} from {a.size} to {a.out} while"
            f" {before.name} before it and {after.name} after it keep the size",
            help=f"padding = {(a.extent - 1) // 2}, (kernel_size − 1)/2, keeps the size too",
            field="padding",
            fix=Fix(
                "padding",
                result.layer.padding,
                compact([(x.extent - 1) // 2 for x in axes]),
                safe=False,
            ),  # fmt: skip
        )

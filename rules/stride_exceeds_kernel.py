"""A stride larger than the window, so some input pixels are never seen by any window.

**Why it matters.** A window of kernel F (dilation d) moved S at a time reads every input
position only when its taps cover every offset modulo S. A 1×1 convolution with stride 2
reads one pixel in four and ignores the rest: ResNet's projection shortcut does exactly that
(its main branch reads the other three, but the shortcut's output is made of a quarter of the
input), which is why ResNet-D (Bag of Tricks, He et al. 2019) puts a 2×2 average pool with
stride 2 before a stride-1 1×1 conv, so that every pixel contributes. Reported as information:
it runs, and sometimes it is a deliberate choice. The message says whether another branch from
the same input reads the skipped positions, or nothing does.

**Re-parameterisable blocks are not reported.** RepVGG and MobileOne train parallel
convolutions of one input (a 3×3, a 1×1, sometimes a batch-norm identity), each followed at
most by batch norm and summed by `add`, and fold them into one convolution for deployment. A
branch whose taps are all taps of another branch's window, on the same grid, loses nothing: a
1×1 with stride 2 and padding 0 is the centre tap of a 3×3 with stride 2 and padding 1. Such a
block is judged once, as the folded convolution (its widest branch). It folds only when every
branch reads the same input with the same stride, groups and output size, its tap offsets
(k·dilation − padding) lie among the widest branch's, its padding (if any) is of the same
mode, and nothing but an optional batch norm stands before the `add`; a 1×1 with a ReLU
before the add, another stride, a misaligned padding or another input is reported.

**Fails**
```toml
[input]
channels = 64
height = 56
width = 56

[[layers]]
name = "shortcut"
type = "conv2d"
out_channels = 128
kernel_size = 1
stride = 2    # expect: AL008
```

ResNet-D's shortcut reads every pixel; the RepVGG block after it is one 3×3 stride-2 conv
once folded, its 1×1 branch the centre tap:

**Passes**
```toml
[input]
channels = 64
height = 56
width = 56

[[layers]]
name = "shortcut.pool"
type = "avgpool2d"
kernel_size = 2

[[layers]]
name = "shortcut.conv"
type = "conv2d"
out_channels = 128
kernel_size = 1

[[layers]]
name = "rep.3x3"
type = "conv2d"
out_channels = 256
kernel_size = 3
stride = 2
padding = 1
bias = false

[[layers]]
name = "rep.3x3.bn"
type = "batchnorm2d"

[[layers]]
name = "rep.1x1"
type = "conv2d"
inputs = "shortcut.conv"
out_channels = 256
kernel_size = 1
stride = 2
bias = false

[[layers]]
name = "rep.1x1.bn"
type = "batchnorm2d"

[[layers]]
name = "rep.add"
type = "add"
inputs = ["rep.3x3.bn", "rep.1x1.bn"]

[[layers]]
name = "rep.relu"
type = "relu"
```
"""

from fractions import Fraction
from math import prod

from archlint import Finding
from archlint.graph import INPUT, outputs
from archlint.windows import Axis

CODE = "AL008"
NAME = "stride-exceeds-kernel"
SEVERITY = "info"

CONVS = {"conv1d", "conv2d", "conv3d"}
# what may stand between a branch and the add: it folds into the convolution before it
FOLDS = {"batchnorm1d", "batchnorm2d", "batchnorm3d", "identity"}
IDENTITY = "identity"  # a branch that is the input itself, perhaps through batch norm


def check(analysis, options):
    for result in analysis.layers.values():
        axes = [a for a in result.axes if isinstance(a, Axis)]
        if result.output is None or all(a.covered == a.stride for a in axes):
            continue  # no axis skips input (the common case, without fractions)
        seen = prod((a.coverage for a in axes), start=Fraction(1))
        if seen >= 1 or _folded_away(analysis, result):
            continue
        first = next(a for a in axes if a.coverage < 1)
        yield Finding(
            result.name,
            f"stride {first.stride} with a {first.extent}-wide window ({first.describe()}):"
            f" reads {seen.numerator} in {seen.denominator} positions of"
            f" {_called(analysis, result)} ({float(seen):.0%}); {_the_rest(analysis, result)}",
            help="make the window at least as wide as the stride; for a 1×1 stride-2 shortcut,"
            " ResNet-D's fix is a 2×2 average pool (stride 2) before a stride-1 1×1 conv",
            field="stride",
        )


def _source(analysis, result) -> str | None:
    """The one layer (or the network input) that `result` reads."""
    sources = list(analysis.flow.sources[result.name])
    return sources[0] if len(sources) == 1 else None


def _called(analysis, result) -> str:
    source = _source(analysis, result)
    if source is None:
        return "its input"
    return "the network input" if source == INPUT else f"its input '{source}'"


CUTTING = ("slice", "pad", "reshape", "permute", "expand", "pixel_unshuffle", "opaque")
"""Layers without a window that may drop positions, or put them where a window would not
read them: they are not known to read every position of their input."""


def _reads_everything(analysis, result) -> bool:
    """A reader that reads every position of its input: windows that tile it, or no window
    and no cutting (a merge, a global pooling); a layer that passes its input on unchanged (an
    activation, a norm) does when a layer after it does, or when it is a model output."""
    if result.type in CUTTING:
        return False
    if result.passthrough:
        readers = analysis.readers(result.name)
        if result.name in outputs(analysis.spec):
            return True
        return any(_reads_everything(analysis, r) for r in readers)
    axes = [a for a in result.axes if isinstance(a, Axis)]
    return all(a.covered == a.stride for a in axes)


def _the_rest(analysis, result) -> str:
    """What becomes of the positions `result` skips: read by a sibling, or by nothing."""
    source = _source(analysis, result)
    if source is None:
        return "the rest are never read by this layer"
    reader, it = result, "it"
    # a pre-activation shortcut reads its own batch norm and ReLU of the block's input (DPN):
    # look past such a chain, which only this layer reads, to where the branches part
    while source in analysis.layers and analysis.layers[source].passthrough:
        if analysis.layers[source].type in CUTTING:
            break  # a pad that shifts the map is no pre-activation
        if len(analysis.readers(source)) != 1 or source in outputs(analysis.spec):
            break
        reader = analysis.layers[source]
        up = _source(analysis, reader)
        if up is None:
            break
        source, it = up, f"'{up}'"
    others = [r for r in analysis.readers(source) if r.name != reader.name]
    if not others and source not in outputs(analysis.spec):
        return "nothing else reads it, so the rest are never seen"
    covering = [r for r in others if r.output is not None and _reads_everything(analysis, r)]
    if not covering:
        return "the rest are never read by this layer"
    branch = "the other branch" if len(others) == 1 else "another branch"
    return f"{branch} from {it}, '{covering[0].name}', reads the rest"


# Re-parameterisable blocks (RepVGG, MobileOne, ACNet): convolutions of one input, each
# followed at most by batch norm, summed by add, are one convolution at deployment when every
# branch's taps are taps of one branch's window (the host). A 1×1 stride-2 branch beside a 3×3
# stride-2 padding-1 conv is that conv's centre tap, so it loses nothing: only the host, the
# folded convolution, is judged.


def _folded_away(analysis, result) -> bool:
    """True when `result` is a non-host branch of a block that folds into one convolution."""
    if result.type not in CONVS:
        return False
    add = _merge(analysis, result.name)
    source = _source(analysis, result)
    if add is None or source is None:
        return False
    branches = [_branch(analysis, name, source, add) for name in analysis.flow.sources[add.name]]
    if any(b is None for b in branches):
        return False
    convs = [b for b in branches if b is not IDENTITY]
    if any(c.output != add.output for c in convs) or len({c.layer.groups for c in convs}) != 1:
        return False
    host = next((c for c in convs if all(_inside(b, c) for b in branches)), None)
    return host is not None and host is not result


def _merge(analysis, name: str):
    """The add that `name` feeds, directly or through one batch norm, with no other reader."""
    readers = analysis.readers(name)
    if len(readers) == 1 and readers[0].type in FOLDS:
        readers = analysis.readers(readers[0].name)
    if len(readers) != 1 or readers[0].type != "add" or readers[0].output is None:
        return None
    return readers[0]


def _branch(analysis, name: str, source: str, add):
    """The conv that the add's input `name` comes from, IDENTITY, or None if it does not fold."""
    if name == source:
        return IDENTITY
    node = analysis.layers.get(name)
    if node is None or node.output is None:
        return None
    if node.type in FOLDS:
        if len(analysis.readers(name)) != 1:
            return None
        upstream = list(analysis.flow.sources[name])
        if upstream == [source]:
            return IDENTITY
        node = analysis.layers.get(upstream[0]) if len(upstream) == 1 else None
        if node is None or node.type not in CONVS:
            return None
    if node.type not in CONVS or _source(analysis, node) != source:
        return None
    return node if _merge(analysis, node.name) is add else None


def _taps(branch, ndim: int) -> list[tuple[int, set[int]]]:
    """Per axis: the stride and the tap offsets from where each output's window starts."""
    if branch is IDENTITY:  # one tap at offset 0, stride 1: such a block folds at stride 1 only
        return [(1, {0})] * ndim
    return [
        (a.stride, {k * a.dilation - a.pad_begin for k in range(a.kernel)}) for a in branch.axes
    ]


def _inside(branch, host) -> bool:
    """Every tap of `branch` is a tap of `host`, on the same grid, with the same padding values."""
    if branch is not IDENTITY and branch.layer.padding_mode != host.layer.padding_mode:
        if any(a.pad_begin or a.pad_end for a in branch.axes):
            return False  # zeros where the host reflects (or the reverse) do not fold
    mine, theirs = _taps(branch, len(host.axes)), _taps(host, len(host.axes))
    return len(mine) == len(theirs) and all(
        stride == host_stride and taps <= host_taps
        for (stride, taps), (host_stride, host_taps) in zip(mine, theirs)
    )

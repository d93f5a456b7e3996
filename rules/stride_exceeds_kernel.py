"""A stride larger than the window, so some input pixels are never seen by any window.

**Why it matters.** A window of kernel F (dilation d) moved S at a time reads every input
position only when its taps cover every offset modulo S. A 1×1 convolution with stride 2
reads one pixel in four and ignores the rest: ResNet's projection shortcut does exactly that,
which is why ResNet-D (Bag of Tricks, He et al. 2019) puts a 2×2 average pool with stride 2
before a stride-1 1×1 conv, so that every pixel contributes. Reported as information: it
runs, and sometimes it is a deliberate choice.

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
```
"""

from fractions import Fraction
from math import prod

from archlint import Finding
from archlint.windows import Axis

CODE = "AL008"
NAME = "stride-exceeds-kernel"
SEVERITY = "info"


def check(analysis, options):
    for result in analysis.layers.values():
        axes = [a for a in result.axes if isinstance(a, Axis)]
        if result.output is None or not axes:
            continue
        seen = prod((a.coverage for a in axes), start=Fraction(1))
        if seen < 1:
            first = next(a for a in axes if a.coverage < 1)
            yield Finding(
                result.name,
                f"stride {first.stride} with a {first.extent}-wide window ({first.describe()}):"
                f" only {seen.numerator} in {seen.denominator} input positions ({float(seen):.0%})"
                " is read, the rest are never seen",
                help="make the window at least as wide as the stride; for a 1×1 stride-2 shortcut,"
                " ResNet-D's fix is a 2×2 average pool (stride 2) before a stride-1 1×1 conv",
                field="stride",
            )

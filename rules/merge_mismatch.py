"""Branches that do not fit where they merge: add of different shapes, concat of different sizes.

**Why it matters.** A residual add needs both branches to have the same shape; a concat along
channels needs the same spatial size. When a strided layer or a channel change is missing on
one branch, PyTorch refuses the forward pass. Shapes that differ but broadcast (a (C, 1, 1)
added to a (C, H, W) map) run, but in an add they are almost always a mistake, and are
reported as a warning, except a per-channel term (C, 1, 1) added to a map (GCNet), which is
deliberate; `mul` broadcasts on purpose (squeeze-and-excitation) and is left alone.

**Fails**
```toml
[input]
channels = 16
height = 32
width = 32

[[layers]]
name = "down"
type = "conv2d"
out_channels = 16
kernel_size = 3
stride = 2
padding = 1

[[layers]]
name = "skip"
type = "add"
inputs = ["input", "down"]    # expect: AL007
```

**Passes**
```toml
[input]
channels = 16
height = 32
width = 32

[[layers]]
name = "same"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1

[[layers]]
name = "skip"
type = "add"
inputs = ["input", "same"]
```
"""

from archlint import Finding, Severity
from archlint.layers import fmt_shape

CODE = "AL007"
NAME = "merge-mismatch"
SEVERITY = "error"


def check(analysis, options):
    yield from analysis.refusals(NAME)
    for result in analysis.layers.values():
        if result.type == "add" and result.output and not _per_channel(result):
            yield Finding(
                result.name,
                "add broadcasts "
                + ", ".join(map(fmt_shape, result.inputs))
                + f" to {fmt_shape(result.output)}",
                help="give both branches the same shape, or use mul for a deliberate scaling",
                field="inputs",
                severity=Severity.WARNING,
            )


def _per_channel(result) -> bool:
    """Every input is the full shape or a per-channel term (C, 1, …, 1), added on purpose
    (GCNet's context, a learnt per-channel bias): nothing to report."""
    full = result.output
    return all(s == full or (s[0] == full[0] and set(s[1:]) <= {1}) for s in result.inputs)

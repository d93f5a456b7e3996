"""A linear layer that gets the wrong number of features, or an un-flattened map.

**Why it matters.** A linear layer's weights are made for in_features inputs; any other number
is refused by PyTorch. A linear layer applied to a (C, H, W) map is not refused when the width
happens to equal in_features: PyTorch then acts on the last axis alone and the output is still
a map, almost never what was meant. The fix is nearly always a missing flatten (or global
pooling) before the classifier. A linear layer after a `permute` or `reshape` that put the
axis it acts on last (ConvNeXt's channels-last MLP) is deliberate and not reported.

**Fails**
```toml
[input]
channels = 3
height = 8
width = 8

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
in_features = 100    # expect: AL006
out_features = 10
```

**Passes**
```toml
[input]
channels = 3
height = 8
width = 8

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
in_features = 192
out_features = 10
```
"""

from archlint import Finding, Severity
from archlint.layers import fmt_shape

CODE = "AL006"
NAME = "feature-mismatch"
SEVERITY = "error"


REARRANGING = ("permute", "reshape")


def check(analysis, options):
    yield from analysis.refusals(NAME)
    for result in analysis.layers.values():
        if (
            result.type == "linear"
            and result.inputs
            and len(result.inputs[0]) > 1
            and not _rearranged(analysis, result.name)
        ):
            shape = result.inputs[0]
            yield Finding(
                result.name,
                f"linear gets the map {fmt_shape(shape)} and acts on its last axis alone"
                f" ({shape[-1]} features), giving {fmt_shape(result.output)}",
                help="put a flatten (or global pooling and flatten) before it",
                severity=Severity.WARNING,
            )


def _rearranged(analysis, name):
    """True when the map reaching `name` was laid out on purpose: a permute or reshape before
    it, with only linear layers and layers that keep the shape in between."""
    sources = analysis.sources(name)
    while len(sources) == 1:
        source = sources[0]
        if source.type in REARRANGING or (source.type == "flatten" and len(source.output) > 1):
            return True  # a partial flatten (ViT's tokens) lays the map out on purpose too
        if not (source.type == "linear" or source.passthrough):
            return False
        sources = analysis.sources(source.name)
    return False

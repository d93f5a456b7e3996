"""A declared input size that loses input somewhere in the network, with the sizes that would not.

**Why it matters.** Whether a stride fits depends on the size that reaches it, and that
depends on every layer before it and on the input size. non-integer-output names the layer
where rows or columns are floored away; this rule answers the question one step earlier: which
input sizes, near the declared one, go through the whole network without losing a pixel (and
without collapsing or mismatching a branch). `archlint sizes FILE` lists them all, with their
closed form where there is one (e.g. "32·k for k ≥ 1").

Off by default, since the layer-level rules already report the loss; turn it on with
`extend-select = ["lossy-input-size"]`.

**Options**
- `search` (default 64): how far from the declared size to look, either way.

**Example options**
```toml
extend-select = ["lossy-input-size"]
```

**Fails**
```toml
[input]    # expect: AL012
channels = 1
height = 7
width = 7

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 3
```

**Passes**
```toml
[input]
channels = 1
height = 9
width = 9

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 3
```
"""

from archlint import Finding
from archlint.sizes import nearest_valid, spatial_axes, why_not

CODE = "AL012"
NAME = "lossy-input-size"
SEVERITY = "info"
DEFAULT = False  # on request (extend-select): it restates AL001/AL002 for the whole network
OPTIONS = {"search": 64}


def check(analysis, options):
    spec = analysis.spec
    if len(analysis.layers) < len(spec.layers):
        return  # a broken graph: no size would do, and graph-error says why
    verdicts: dict[tuple, list[str]] = {}
    for axis in spatial_axes(spec):
        reason = why_not(spec, axis)
        if reason is not None:
            declared = getattr(spec.input, axis)
            near = nearest_valid(spec, axis, within=options["search"])
            key = (declared, reason.split(":")[0], near)
            verdicts.setdefault(key, []).append(axis)
    for (declared, layer, (below, above)), axes in verdicts.items():
        names = " and ".join(axes)
        near = " and ".join(str(n) for n in (below, above) if n is not None)
        yield Finding(
            None,
            f"input {names} {declared} {'lose' if len(axes) > 1 else 'loses'} input at {layer}"
            + (f"; the nearest sizes that lose nothing: {near}" if near else "; none near it does"),
            help="`archlint sizes` lists every input size the network takes",
            field="input",
        )


def check_options(options):
    if not isinstance(options["search"], int) or not 1 <= options["search"] <= 4096:
        return f"search {options['search']!r} must be a whole number from 1 to 4096"
    return None

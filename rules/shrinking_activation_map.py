"""Un-padded layers stacked until a large share of the activation map is gone.

**Why it matters.** Without padding, every stride-1 convolution or pooling layer trims
F − 1 rows and columns off the map, and larger filters trim faster, so only a few such
layers can be stacked before the border (and the map) is gone. This rule follows chains of
stride-1 layers that trim the map (activations, normalisation and dropout between them do not
break a chain) and reports a chain that removes at least `threshold` of the map's height or
width, naming every layer in it. Down-sampling on purpose (stride ≥ 2) ends a chain.

**Options**
- `threshold` (default 0.5): the share of a side a chain may remove before it is reported.

**Fails**
```toml
[input]
channels = 3
height = 16
width = 16

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 5

[[layers]]
name = "conv2"
type = "conv2d"
out_channels = 8
kernel_size = 5   # expect: AL003
```

**Passes**
```toml
[input]
channels = 3
height = 16
width = 16

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 5
padding = 2

[[layers]]
name = "conv2"
type = "conv2d"
out_channels = 8
kernel_size = 5
padding = 2
```
"""

from archlint import Finding
from archlint.windows import Axis

CODE = "AL003"
NAME = "shrinking-activation-map"
SEVERITY = "warning"
OPTIONS = {"threshold": 0.5}


def _trims(result) -> bool:
    axes = result.axes
    return (
        bool(axes)
        and all(isinstance(a, Axis) and a.stride == 1 for a in axes)
        and result.output is not None
        and any(a.out < a.size for a in axes)
    )


def check(analysis, options):
    threshold = float(options["threshold"])
    chains: dict[str, list] = {}  # layer name -> the chain of trimming layers ending there
    extended = set()
    for result in analysis.layers.values():
        if not _trims(result):
            continue
        before = analysis.previous(result.name)
        if before is not None and before.name in chains:
            chains[result.name] = chains[before.name] + [result]
            extended.add(before.name)
        else:
            chains[result.name] = [result]
    for name, chain in chains.items():
        if name in extended:
            continue
        if len(chain) < 2:
            continue
        start, end = chain[0].axes, chain[-1].axes
        for first, last in zip(start, end):
            lost = (first.size - last.out) / first.size
            if lost >= threshold and last.out > 1:
                names = " → ".join(r.name for r in chain)
                yield Finding(
                    name,
                    f"{names} shrink the {first.name} from {first.size} to {last.out}"
                    f" ({lost:.0%} lost) without padding",
                    note="every un-padded stride-1 layer trims kernel − 1 rows off the map",
                    help="pad each by (kernel_size − 1)/2 (padding = 1 for 3×3) to keep the size;"
                    " down-sample on purpose with a stride",
                    field="kernel_size",
                )
                break


def check_options(options):
    if not 0 < options["threshold"] <= 1:
        return f"threshold {options['threshold']} must be a share between 0 and 1"
    return None

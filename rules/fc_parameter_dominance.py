"""One fully connected layer holding most of a convolutional network's parameters.

**Why it matters.** A convolution shares a small filter across every position; a fully
connected layer has a weight for every input-output pair. The lecture's example: ten 5×5
filters on a 32×32×3 input need 10 × (5·5·3 + 1) = 760 parameters, while a fully connected
layer with the same input and output needs (32·32·10) × (32·32·3 + 1) = 31,467,520. In VGG-16
the first classifier layer alone holds 74% of all parameters. Global average pooling before
the classifier (as in ResNet and MobileNet) or a smaller hidden layer removes most of them.
Reported as information, and only in networks that have convolutions.

**Options**
- `share` (default 0.5): the share of all parameters one linear layer may hold.
- `min_params` (default 1,000,000): smaller layers are never reported; in a tiny network
  the classifier naturally holds much of a small total.

**Fails**
```toml
[input]
channels = 3
height = 32
width = 32

[[layers]]
name = "conv"
type = "conv2d"
out_channels = 10
kernel_size = 5
padding = 2

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
out_features = 1000    # expect: AL009
```

**Passes**
```toml
[input]
channels = 3
height = 32
width = 32

[[layers]]
name = "conv"
type = "conv2d"
out_channels = 10
kernel_size = 5
padding = 2

[[layers]]
type = "global_avgpool"

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
out_features = 100
```
"""

from archlint import Finding

CODE = "AL009"
NAME = "fc-parameter-dominance"
SEVERITY = "info"
OPTIONS = {"share": 0.5, "min_params": 1_000_000}


def check(analysis, options):
    total = analysis.total_params
    if not total or not any(r.type.startswith("conv") for r in analysis.layers.values()):
        return
    for result in analysis.layers.values():
        params = result.params or 0
        if (
            result.type == "linear"
            and not result.refusals
            and params >= options["min_params"]
            and (params > options["share"] * total)
        ):
            yield Finding(
                result.name,
                f"holds {result.params:,} of the network's {total:,} parameters"
                f" ({result.params / total:.0%})",
                note="a convolution shares its weights across positions; a fully connected layer"
                " has one per input-output pair",
                help="global average pooling before the classifier, or a smaller hidden layer,"
                " removes most of them",
                field="out_features",
            )


def check_options(options):
    if not 0 < options["share"] <= 1:
        return f"share {options['share']} must be a share between 0 and 1"
    if options["min_params"] < 0:
        return "min_params must be 0 or more"
    return None

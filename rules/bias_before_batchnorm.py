"""A bias right before batch normalisation, which cancels it.

**Why it matters.** Batch normalisation subtracts the per-channel mean, so a constant bias
added just before it has no effect on the output: its parameters are trained for nothing.
torchvision's networks use `bias=False` on every convolution followed by batch norm. Instance
normalisation subtracts each channel's mean too, so the same holds before it.

**Fails**
```toml
[input]
channels = 3
height = 32
width = 32

[[layers]]    # expect: AL010
name = "conv1"
type = "conv2d"
out_channels = 16
kernel_size = 3
padding = 1

[[layers]]
name = "bn1"
type = "batchnorm2d"
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
bias = false

[[layers]]
name = "bn1"
type = "batchnorm2d"
```
"""

from archlint import Finding
from archlint.diagnostics import Fix

CODE = "AL010"
NAME = "bias-before-batchnorm"
SEVERITY = "warning"

WEIGHTED = ("conv", "linear")  # layers whose bias is one number per output channel
CANCELLING = ("batchnorm", "instancenorm")  # subtract each channel's mean


def check(analysis, options):
    for result in analysis.layers.values():
        layer = result.layer
        if not result.type.startswith(WEIGHTED) or not layer.bias or result.output is None:
            continue
        if result.type == "linear" and len(result.output) > 1:
            continue  # its bias runs along the last axis; batchnorm normalises channels
        readers = analysis.readers(result.name)
        if readers and all(r.type.startswith(CANCELLING) for r in readers):
            channels = result.output[0] if result.type != "linear" else result.output[-1]
            yield Finding(
                result.name,
                f"the bias ({channels} parameters) is cancelled by {readers[0].name}, which"
                " subtracts the mean right after",
                help="bias = false",
                field="bias",
                fix=Fix("bias", True, False),
            )

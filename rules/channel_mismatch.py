"""Channels that do not line up: declared in_channels or num_features, or groups that do not fit.

**Why it matters.** A convolution's weights are made for a number of input channels; if the
layer before it delivers another number, PyTorch refuses the forward pass. The same holds for
batch normalisation's num_features, and for groups, which must divide both the input and the
output channels. Declaring the sizes you expect is optional, and checked when given.

**Fails**
```toml
[input]
channels = 3
height = 32
width = 32

[[layers]]
name = "conv1"
type = "conv2d"
in_channels = 1    # expect: AL005
out_channels = 8
kernel_size = 3
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
in_channels = 3
out_channels = 8
kernel_size = 3
```
"""

CODE = "AL005"
NAME = "channel-mismatch"
SEVERITY = "error"


def check(analysis, options):
    yield from analysis.refusals(NAME)

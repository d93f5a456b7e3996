"""An activation map that collapses: an output side of zero or less, which PyTorch refuses.

**Why it matters.** Every convolution or pooling window must fit inside its padded input.
Stack enough un-padded or strided layers on a small input and a side reaches zero or less:
(N − F + 2P)/S + 1 ≤ 0. PyTorch raises "Output size is too small" at the first forward
pass; here it is found before anything runs, and every layer downstream is left unknown.

**Fails**
```toml
[input]
channels = 3
height = 4
width = 4

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 5    # expect: AL002
```

**Passes**
```toml
[input]
channels = 3
height = 4
width = 4

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
padding = 1
```
"""

CODE = "AL002"
NAME = "collapsed-activation-map"
SEVERITY = "error"


def check(analysis, options):
    yield from analysis.refusals(NAME)

"""The layer types of the spec format and their arithmetic: output shape and parameter count.

Names, keys, defaults and semantics follow torch.nn, so any layer can be checked against
PyTorch. One module per family: base.py (what all share), windowed.py (convolution, pooling,
upsampling), linear.py, norm.py, elementwise.py (activations and merges), reshaping.py
(permute, reshape, shuffles), slicing.py (slice, pad) and reduce.py. This module lists them.
"""

from archlint.layers.base import (
    MAX_SIZE,
    Inferred,
    LayerBase,
    Refusal,
    Shape,
    Size,
    compact,
    fmt_shape,
)
from archlint.layers.elementwise import (
    ELU,
    Activation,
    Add,
    Clip,
    Concat,
    Dropout,
    LeakyReLU,
    Opaque,
    PReLU,
    Scale,
    Softmax,
)
from archlint.layers.linear import Flatten, Linear
from archlint.layers.norm import (
    BatchNorm,
    GroupNorm,
    InstanceNorm,
    LayerNorm,
    LayerScale,
    LocalResponseNorm,
)
from archlint.layers.reduce import Reduce
from archlint.layers.reshaping import (
    ChannelShuffle,
    Expand,
    Permute,
    PixelShuffle,
    PixelUnshuffle,
    Reshape,
)
from archlint.layers.slicing import Pad, Slice
from archlint.layers.windowed import AdaptivePool, Conv, ConvTranspose, GlobalPool, Pool, Upsample
from archlint.windows import Axis, TransposedAxis

LAYER_CLASSES = (
    Conv,
    ConvTranspose,
    Pool,
    AdaptivePool,
    GlobalPool,
    Linear,
    Flatten,
    BatchNorm,
    LayerNorm,
    GroupNorm,
    InstanceNorm,
    Activation,
    LeakyReLU,
    ELU,
    PReLU,
    Softmax,
    Dropout,
    Add,
    Concat,
    Upsample,
    Clip,
    LocalResponseNorm,
    Scale,
    LayerScale,
    Permute,
    Reshape,
    Expand,
    ChannelShuffle,
    PixelShuffle,
    PixelUnshuffle,
    Slice,
    Pad,
    Reduce,
    Opaque,
)
LAYER_TYPES = {
    t: cls for cls in LAYER_CLASSES for t in cls.model_fields["type"].annotation.__args__
}

__all__ = [
    "LAYER_CLASSES",
    "LAYER_TYPES",
    "MAX_SIZE",
    "Axis",
    "Inferred",
    "LayerBase",
    "Refusal",
    "Shape",
    "Size",
    "TransposedAxis",
    "compact",
    "fmt_shape",
    *(cls.__name__ for cls in LAYER_CLASSES),
]

"""The per-op mappings, one small function per ONNX operator, grouped by kind.

Importing this package fills the op table (archlint/readers/onnx/table.py):

- activation.py: Relu and the other activations, Clip, Softmax, LogSoftmax
- conv.py: Conv, ConvTranspose
- linear.py: Gemm, MatMul
- merge.py: Add, Sum, Mul, Div, Concat
- norm.py: BatchNormalization, LRN, Dropout
- pool.py: MaxPool, AveragePool, the global poolings, ReduceMean as global pooling
- resize.py: Resize, Upsample
- shape_ops.py: Identity, Flatten, Reshape, Squeeze (where they flatten), Unsqueeze (refused
  on its own)

window.py holds what convolution and pooling share (ONNX pads / auto_pad -> padding).
"""

from archlint.readers.onnx.ops import (  # noqa: F401 - each module registers its ops
    activation,
    conv,
    linear,
    merge,
    norm,
    pool,
    resize,
    shape_ops,
)

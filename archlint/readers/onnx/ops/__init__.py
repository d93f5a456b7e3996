"""The per-op mappings, one small function per ONNX operator, grouped by kind.

Importing this package fills the op table (archlint/readers/onnx/table.py):

- activation.py: Relu and the other activations, Clip, Softmax, LogSoftmax
- conv.py: Conv, ConvTranspose
- linear.py: Gemm, MatMul
- merge.py: Add, Sum, Mul, Div, Concat
- norm.py: BatchNormalization, LRN, Dropout
- pool.py: MaxPool, AveragePool, the global poolings
- reduce.py: ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2
- resize.py: Resize, Upsample
- shape_ops.py: Identity, Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Expand,
  DepthToSpace
- slicing.py: Slice, Split, Pad

window.py holds what convolution and pooling share (ONNX pads / auto_pad -> padding).
"""

from archlint.readers.onnx.ops import (  # noqa: F401 - each module registers its ops
    activation,
    conv,
    linear,
    merge,
    norm,
    pool,
    reduce,
    resize,
    shape_ops,
    slicing,
)

"""Constant tensors: initializers and Constant outputs, dims always, values only when small.

Weights are read by their dims only; values are read only for small tensors the mapping needs
(Reshape targets, Resize scales, Clip bounds, Mul factors), so a model claiming a
10^12-element weight costs nothing to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

SMALL = 4096
"""The most elements a constant may have for its values to be read (shapes, scales, factors)."""
MAX_RANK = 32
"""Tensors of higher rank are not weights of any layer; their dims are not used."""


class _Batch:
    """The batch size in values computed from shapes (Shape -> Gather -> Concat -> Reshape)."""

    def __repr__(self) -> str:
        return "N"


BATCH = _Batch()


@dataclass
class Const:
    """A constant tensor: dims (None where unknown) and, for small ones, the flat values."""

    dims: tuple[int, ...] | None
    values: list | None = None
    tensor: object = None  # a TensorProto whose values are read on demand, if small
    learnt: bool = False  # an initializer (or one passed on by Identity): a model parameter

    @property
    def numel(self) -> int | None:
        return None if self.dims is None else prod(self.dims)

    def read(self) -> list | None:
        """The flat values, or None where unknown, large, external or malformed."""
        if self.values is None and self.tensor is not None:
            self.values = tensor_values(self.tensor, self.numel)
            self.tensor = None
        return self.values

    def scalar(self) -> float | int | None:
        values = self.read() if self.numel == 1 else None
        return values[0] if values else None


def along(c: Const) -> tuple[int, int] | None:
    """(the axis counted from the end, 1 the last; its size) of the one axis a constant runs
    along, every other being 1, or None: (C, 1, 1) gives (3, C), a bias (C,) gives (1, C)."""
    if not c.dims:
        return None
    axes = [(len(c.dims) - k, d) for k, d in enumerate(c.dims) if d != 1]
    if not axes:  # every dim 1: one value on the outermost axis written, as a 1-channel bias
        return len(c.dims), 1
    return axes[0] if len(axes) == 1 else None


def initializers(graph) -> dict[str, Const]:
    """The graph's initializers (sparse ones by their dims only)."""
    consts = {t.name: Const(dims(t.dims), tensor=t, learnt=True) for t in graph.initializer}
    for t in graph.sparse_initializer:
        consts[t.values.name or t.indices.name] = Const(dims(t.dims))
    return consts


def tensor_values(tensor, numel: int | None) -> list | None:
    if numel is None or numel > SMALL or tensor.data_location == 1:  # 1: EXTERNAL
        return None
    try:
        from onnx import numpy_helper

        array = numpy_helper.to_array(tensor)
        if array.size != numel or array.dtype.kind not in "biuf":
            return None
        return array.ravel().tolist()
    except Exception:
        return None


def dims(values) -> tuple[int, ...] | None:
    """A tensor's dims, or None for an absurd rank or a negative size."""
    out = tuple(int(d) for d in values) if len(values) <= MAX_RANK else None
    return out if out is not None and all(d >= 0 for d in out) else None

"""Layers that cut or extend axes: slice (x[:, a:b:c] and its kin on any axis) and pad (F.pad).

`torch.split` and `chunk` are several slices of one input. Axes are those of the batch-less
shape: 0 is the channels, negatives count from the end.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from archlint.layers.base import (
    MAX_SIZE,
    Dim,
    Inferred,
    LayerBase,
    Shape,
    Size,
    fmt_shape,
)

Index = Annotated[int, Field(ge=-MAX_SIZE, le=MAX_SIZE)]


class Slice(LayerBase):
    """Python indexing along one axis: start:end:step, negatives from the end, clamped."""

    type: Literal["slice"]
    dim: Dim = 0
    start: Index | None = None
    end: Index | None = None
    step: Size = 1

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(None)
        axis = self.axis_of(self.dim, shape, result)
        if axis is None:
            return result
        kept = len(range(*slice(self.start, self.end, self.step).indices(shape[axis])))
        if kept == 0:
            return Inferred(None).refuse(
                "collapsed-activation-map",
                self.name,
                f"the slice {_text(self.start)}:{_text(self.end)}"
                + (f":{self.step}" if self.step != 1 else "")
                + f" of axis {self.dim} ({shape[axis]} wide) is empty",
                field="end" if self.end is not None else "start",
            )
        return Inferred((*shape[:axis], kept, *shape[axis + 1 :]))


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


class Pad(LayerBase):
    """F.pad: `pad` lists (begin, end) amounts from the last axis backwards, as F.pad does
    ([left, right, top, bottom] for a map); a negative amount crops."""

    type: Literal["pad"]
    pad: Annotated[list[Index], Field(min_length=2, max_length=64)]
    mode: Literal["constant", "reflect", "replicate", "circular"] = "constant"
    value: float = 0.0

    @field_validator("pad")
    @classmethod
    def _pairs(cls, value: list[int]) -> list[int]:
        if len(value) % 2:
            raise ValueError("needs an even number of values: (begin, end) per axis")
        return value

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        rank, n = len(shape), len(self.pad) // 2
        result = Inferred(None)
        if n > rank:
            return result.refuse(
                "shape-error",
                self.name,
                f"{len(self.pad)} pad values pad {n} axes, but {fmt_shape(shape)} has {rank}"
                " (the batch axis cannot be padded)",
                field="pad",
            )
        if self.mode != "constant" and (n > 3 or not n <= rank <= n + 1):
            return result.refuse(
                "shape-error",
                self.name,
                f"{self.mode} padding pads 1, 2 or 3 axes of a map with that many axes or one"
                f" more (PyTorch's limit); here {n} of {fmt_shape(shape)}",
                field="mode",
            )
        out = list(shape)
        for k in range(n):
            axis = rank - 1 - k
            begin, end = self.pad[2 * k], self.pad[2 * k + 1]
            size = shape[axis]
            owner, problem = "shape-error", None
            if self.mode == "reflect" and max(begin, end) >= size:
                problem = f"reflect padding {max(begin, end)} must be smaller than the size {size}"
            elif self.mode == "circular" and max(begin, end) > size:
                problem = f"circular padding {max(begin, end)} must be at most the size {size}"
            elif self.mode in ("constant", "circular") and min(begin, end) < -size:
                problem = f"cropping {-min(begin, end)} from a side of {size} removes more than"
                problem += " there is"
            elif size + begin + end <= 0:
                owner, problem = (
                    "collapsed-activation-map",
                    f"{size} {begin:+} {end:+} leaves nothing",
                )
            if problem:
                return result.refuse(
                    owner, self.name, f"axis {axis} of {fmt_shape(shape)}: {problem}", field="pad"
                )
            out[axis] = size + begin + end
        result.output = tuple(out)
        return result

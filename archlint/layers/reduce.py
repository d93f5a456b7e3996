"""Reductions over axes: mean, sum, amax, amin and vector_norm (the L2 norm), with keepdim.

`dim` is required: PyTorch's default reduces the batch too, which a per-sample spec cannot
express. Axes are those of the batch-less shape (0 the channels, negatives from the end), so
MNASNet's x.mean((2, 3)) is dim = [1, 2], or [-2, -1].
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from archlint.layers.base import (
    Dim,
    Inferred,
    LayerBase,
    Shape,
    axis_index,
    axis_range,
    batched_dims_help,
    fmt_shape,
)


class Reduce(LayerBase):
    """x.mean(dim, keepdim) and its kin: the axes reduced to 1 (keepdim) or removed."""

    type: Literal["mean", "sum", "amax", "amin", "vector_norm"]
    dim: Dim | Annotated[list[Dim], Field(min_length=1, max_length=32)]
    keepdim: bool = False

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        rank = len(shape)
        dims = self.dim if isinstance(self.dim, list) else [self.dim]
        axes = [axis_index(d, rank) for d in dims]
        problem = None
        if None in axes:
            bad = dims[axes.index(None)]
            problem = f"dim {bad} is out of range for {fmt_shape(shape)}: {axis_range(rank)}"
        elif len(set(axes)) < len(axes):
            problem = f"dim {dims} names an axis twice"
        elif len(axes) == rank and not self.keepdim:
            problem = (
                f"reducing every axis of {fmt_shape(shape)} leaves no axis per sample, which"
                " archlint does not model"
            )
        if problem:
            if "every" in problem:
                hint = "keepdim = true keeps the reduced axes as 1"
            else:
                hint = batched_dims_help(dims, rank)
            return Inferred(None).refuse("shape-error", self.name, problem, field="dim", help=hint)
        if self.keepdim:
            return Inferred(tuple(1 if k in axes else s for k, s in enumerate(shape)))
        return Inferred(tuple(s for k, s in enumerate(shape) if k not in axes))

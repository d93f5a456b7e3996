"""Layers on feature vectors: linear (on the last axis, as PyTorch) and flatten."""

from __future__ import annotations

from math import prod
from typing import Literal

from archlint.diagnostics import Fix
from archlint.layers.base import Dim, Inferred, LayerBase, Shape, Size, fmt_shape


class Linear(LayerBase):
    """torch.nn.Linear: acts on the last axis, like PyTorch."""

    type: Literal["linear"]
    in_features: Size | None = None
    out_features: Size
    bias: bool = True

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        arriving = shape[-1]
        result = Inferred((*shape[:-1], self.out_features))
        in_features = self.in_features or arriving
        result.params = in_features * self.out_features + (self.out_features if self.bias else 0)
        if in_features != arriving:
            result.refuse(
                "feature-mismatch",
                self.name,
                f"in_features = {self.in_features} but {arriving} features arrive"
                + (f" (the last axis of {fmt_shape(shape)})" if len(shape) > 1 else ""),
                field="in_features",
                help=f"in_features = {arriving}, or fix the layer before it",
                fix=Fix("in_features", self.in_features, arriving),
            )
        return result

    def macs(self, inputs: list[Shape], output: Shape) -> int:
        return prod(output) * (self.in_features or inputs[0][-1])


class Flatten(LayerBase):
    """torch.nn.Flatten on one sample: the axes start_dim..end_dim become one; by default
    every axis, so a map becomes features (ViT's x.flatten(2) is start_dim = 1)."""

    type: Literal["flatten"]
    start_dim: Dim = 0
    end_dim: Dim = -1

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(None)
        start = self.axis_of(self.start_dim, shape, result, "start_dim")
        end = self.axis_of(self.end_dim, shape, result, "end_dim") if start is not None else None
        if start is None or end is None:
            return result
        if start > end:
            return result.refuse(
                "shape-error",
                self.name,
                f"start_dim {self.start_dim} comes after end_dim {self.end_dim} in"
                f" {fmt_shape(shape)}, which PyTorch refuses",
                field="start_dim",
            )
        result.output = (*shape[:start], prod(shape[start : end + 1]), *shape[end + 1 :])
        return result

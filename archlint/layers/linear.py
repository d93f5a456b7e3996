"""Layers on feature vectors: linear (on the last axis, as PyTorch) and flatten."""

from __future__ import annotations

from math import prod
from typing import Literal

from archlint.diagnostics import Fix
from archlint.layers.base import Inferred, LayerBase, Shape, Size, fmt_shape


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
    """torch.nn.Flatten on one sample: everything becomes one axis of features."""

    type: Literal["flatten"]

    def infer(self, inputs: list[Shape]) -> Inferred:
        return Inferred((prod(inputs[0]),))

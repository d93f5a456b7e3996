"""Normalisation layers: batch, layer, group and instance norm, local response norm, layer scale."""

from __future__ import annotations

from math import prod
from typing import Literal

from archlint.diagnostics import Finding, Fix, Severity
from archlint.layers.base import (
    Dim,
    Inferred,
    LayerBase,
    Refusal,
    Shape,
    Size,
    SizeList,
    _per_axis,
    fmt_shape,
)


class BatchNorm(LayerBase):
    """torch.nn.BatchNorm1d/2d/3d: 2·C parameters (affine weight and bias)."""

    type: Literal["batchnorm1d", "batchnorm2d", "batchnorm3d"]
    num_features: Size | None = None
    eps: float = 1e-5
    momentum: float | None = 0.1
    affine: bool = True
    track_running_stats: bool = True

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape)
        ranks = (1, 2) if self.ndim == 1 else (self.ndim + 1,)  # BatchNorm1d: (C) or (C, L)
        if len(shape) not in ranks:
            return Inferred(None).refuse(
                "shape-error",
                self.name,
                f"{self.type} needs a {ranks[-1]}-axis input, got {fmt_shape(shape)}",
            )
        channels = self.num_features or shape[0]
        if channels != shape[0]:
            result.refuse(
                "channel-mismatch",
                self.name,
                f"num_features = {self.num_features} but the input has {shape[0]} channels",
                field="num_features",
                help=f"num_features = {shape[0]}",
                fix=Fix("num_features", self.num_features, shape[0]),
            )
        result.params = 2 * channels if self.affine else 0
        return result


class LocalResponseNorm(LayerBase):
    """torch.nn.LocalResponseNorm (AlexNet, GoogLeNet): normalises across nearby channels."""

    type: Literal["local_response_norm"]
    size: Size
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0


class LayerNorm(LayerBase):
    """torch.nn.LayerNorm: normalises over the trailing axes given by normalized_shape."""

    type: Literal["layernorm"]
    normalized_shape: Size | SizeList
    eps: float = 1e-5
    elementwise_affine: bool = True
    bias: bool = True

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        wanted = tuple(_per_axis(self.normalized_shape, 1))
        result = Inferred(shape)
        if shape[len(shape) - len(wanted) :] != wanted or len(wanted) > len(shape):
            hint = ""
            if len(shape) > 1 and wanted == (shape[0],):
                moved = list(range(1, len(shape))) + [0]
                hint = (
                    f"to normalise the channels of a map, put them last first (permute dims ="
                    f" {moved}) and back after, as ConvNeXt does; normalized_shape ="
                    f" [{shape[-1]}] would normalise the last axis instead"
                )
            return Inferred(None).refuse(
                "shape-error",
                self.name,
                f"normalized_shape {list(wanted)} must be the last {len(wanted)} axes of the"
                f" input, which is {fmt_shape(shape)}",
                field="normalized_shape",
                help=hint or f"normalized_shape = {list(shape[-len(wanted) :])}",
            )
        per_weight = prod(wanted)
        result.params = per_weight * (1 + self.bias) if self.elementwise_affine else 0
        return result


def _declared_channels(
    layer: LayerBase, key: str, shape: Shape, result: Inferred, used: bool
) -> int:
    """A declared channel count (num_features, num_channels) checked against the input's.

    `used`: whether PyTorch sizes a weight or statistic by it. When it does not (no affine
    weights, no running statistics) PyTorch accepts the mismatch, and so it is a warning.
    """
    declared = getattr(layer, key)
    if declared is not None and declared != shape[0]:
        finding = Finding(
            layer.name,
            f"{key} = {declared} but the input has {shape[0]} channels",
            field=key,
            help=f"{key} = {shape[0]}",
            fix=Fix(key, declared, shape[0]),
            severity=Severity.ERROR if used else Severity.WARNING,
            note=None if used else f"PyTorch accepts it: without affine weights {key} is unused",
        )
        result.refusals.append(Refusal("channel-mismatch", finding))
    return declared or shape[0]


class GroupNorm(LayerBase):
    """torch.nn.GroupNorm: the channels in num_groups groups; 2·C parameters when affine."""

    type: Literal["groupnorm"]
    num_groups: Size
    num_channels: Size | None = None
    eps: float = 1e-5
    affine: bool = True

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape)
        channels = _declared_channels(self, "num_channels", shape, result, self.affine)
        checks = [("input's", shape[0])]
        if self.num_channels is not None and self.num_channels != shape[0]:
            checks.insert(0, ("declared", self.num_channels))
        for what, n in checks:
            if n % self.num_groups:
                return result.refuse(
                    "channel-mismatch",
                    self.name,
                    f"num_groups = {self.num_groups} does not divide the {what} {n} channels,"
                    " as PyTorch requires",
                    field="num_groups",
                    help="num_groups = "
                    + " or ".join(map(str, _divisors_near(n, self.num_groups))),
                )
        result.params = 2 * channels if self.affine else 0
        return result


def _divisors_near(n: int, k: int) -> list[int]:
    """The divisors of n nearest to k (at most two), for a help line."""
    below = next((d for d in range(min(k, n), 0, -1) if n % d == 0), 1)
    above = next((d for d in range(k, n + 1) if n % d == 0), n)
    return sorted({below, above})


class InstanceNorm(LayerBase):
    """torch.nn.InstanceNorm1d/2d/3d: per sample and channel; no parameters unless affine."""

    type: Literal["instancenorm1d", "instancenorm2d", "instancenorm3d"]
    num_features: Size | None = None
    eps: float = 1e-5
    momentum: float | None = 0.1
    affine: bool = False
    track_running_stats: bool = False

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape)
        if not self.needs_map(shape, result):
            return result
        if prod(shape[1:]) == 1:
            return result.refuse(
                "collapsed-activation-map",
                self.name,
                f"instance normalisation of {fmt_shape(shape)}: PyTorch refuses a map of one"
                " position (its variance is undefined)",
            )
        used = self.affine or self.track_running_stats
        channels = _declared_channels(self, "num_features", shape, result, used)
        result.params = 2 * channels if self.affine else 0
        return result


class LayerScale(LayerBase):
    """A learnt scale per channel (ConvNeXt's layer scale, CaiT's LayerScale): x · γ, with γ
    running along axis `dim` (0, the channels, by default; -1 for channels-last)."""

    type: Literal["layer_scale"]
    num_features: Size | None = None
    dim: Dim = 0

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape)
        axis = self.axis_of(self.dim, shape, result)
        if axis is None:
            return result
        size = shape[axis]
        result.params = self.num_features or size
        if self.num_features not in (None, 1, size):  # one scale for all broadcasts too
            other = [k for k, n in enumerate(shape) if n == self.num_features]
            help = f"num_features = {size}"
            if other:  # the scale may be right and the axis wrong (channels moved by a permute)
                along = other[-1] - len(shape)
                help = f"dim = {along} if the scale runs along that axis; or {help}"
            result.refuse(
                "channel-mismatch",
                self.name,
                f"num_features = {self.num_features} but axis {self.dim} of {fmt_shape(shape)}"
                f" has {size}: the scale does not broadcast",
                field="num_features",
                help=help,
                fix=None if other else Fix("num_features", self.num_features, size),
            )
        return result

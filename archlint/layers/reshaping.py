"""Layers that rearrange a sample without computing: permute, reshape, expand, channel shuffle,
pixel shuffle and unshuffle.

Axes are those of the batch-less shape, as everywhere in the spec format: 0 is the channels,
negatives count from the end, and the batch axis can never be named.
"""

from __future__ import annotations

from math import prod
from typing import Annotated, Literal

from pydantic import Field, field_validator

from archlint.layers.base import MAX_SIZE, Dim, Inferred, LayerBase, Shape, Size, fmt_shape

Target = Annotated[int, Field(ge=-1, le=MAX_SIZE)]
TargetShape = Annotated[list[Target], Field(min_length=1, max_length=32)]


def _no_zero(value: list[int]) -> list[int]:
    if 0 in value:
        raise ValueError("sizes are -1 (inferred or kept) or at least 1")
    return value


class Permute(LayerBase):
    """x.permute(0, *dims) of PyTorch, without the batch: dims = [1, 2, 0] is (C, H, W) to
    (H, W, C), PyTorch's x.permute(0, 2, 3, 1)."""

    type: Literal["permute"]
    dims: Annotated[list[Dim], Field(min_length=1, max_length=32)]

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        rank = len(shape)
        order = [d % rank if -rank <= d < rank else None for d in self.dims]
        if None in order or sorted(order) != list(range(rank)):  # type: ignore[type-var]
            return Inferred(None).refuse(
                "shape-error",
                self.name,
                f"dims {self.dims} is not a permutation of the {rank} axes of"
                f" {fmt_shape(shape)} (0 to {rank - 1}; the batch axis stays first)",
                field="dims",
                help=_permute_help(self.dims, rank),
            )
        return Inferred(tuple(shape[d] for d in order))  # type: ignore[index]


def _permute_help(dims: list[int], rank: int) -> str:
    if len(dims) == rank + 1 and dims[0] == 0 and sorted(dims) == list(range(rank + 1)):
        moved = [d - 1 for d in dims[1:]]
        return (
            f"dims = {moved}: the spec's axes leave out the batch, so PyTorch's"
            f" permute{tuple(dims)} is {moved} here"
        )
    return f"dims lists each of 0 to {rank - 1} once"


class Reshape(LayerBase):
    """x.reshape(x.size(0), *shape) of PyTorch: one entry may be -1, inferred from the rest."""

    type: Literal["reshape"]
    shape: TargetShape

    _check = field_validator("shape")(classmethod(lambda cls, v: _no_zero(v)))

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        total = prod(shape)
        known = prod(t for t in self.shape if t != -1)
        out = list(self.shape)
        problem = None
        if out.count(-1) > 1:
            problem = "only one size can be -1 (inferred)"
        elif -1 in out:
            if total % known:
                problem = f"{total:,} is not divisible by {known:,}, the product of the others"
            else:
                out[out.index(-1)] = total // known
        elif known != total:
            problem = f"that is {known:,} elements, not {total:,}"
        if problem:
            return Inferred(None).refuse(
                "shape-error",
                self.name,
                f"cannot reshape {fmt_shape(shape)}, {total:,} elements per sample, to"
                f" {self.shape}: {problem}",
                field="shape",
            )
        return Inferred(tuple(out))


class Expand(LayerBase):
    """x.expand(x.size(0), *shape) of PyTorch: axes of size 1 repeat to the size given; -1
    keeps an axis as it is."""

    type: Literal["expand"]
    shape: TargetShape

    _check = field_validator("shape")(classmethod(lambda cls, v: _no_zero(v)))

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        if len(self.shape) != len(shape):
            return Inferred(None).refuse(
                "shape-error",
                self.name,
                f"expand to {self.shape} gives {len(self.shape)} axes for the {len(shape)} of"
                f" {fmt_shape(shape)}: new axes would go before the batch",
                field="shape",
            )
        out = []
        for axis, (have, want) in enumerate(zip(shape, self.shape)):
            if want != -1 and have not in (1, want):
                return Inferred(None).refuse(
                    "shape-error",
                    self.name,
                    f"axis {axis} of {fmt_shape(shape)} has size {have}: only an axis of size 1"
                    f" can expand (to {want})",
                    field="shape",
                )
            out.append(have if want == -1 else want)
        return Inferred(tuple(out))


class ChannelShuffle(LayerBase):
    """torch.nn.ChannelShuffle (ShuffleNet): the channels regrouped, the shape unchanged."""

    type: Literal["channel_shuffle"]
    groups: Size

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape)
        if not self.needs_channels(shape, result):
            return result
        if shape[0] % self.groups:
            result.output = None
            result.refuse(
                "channel-mismatch",
                self.name,
                f"groups = {self.groups} does not divide the {shape[0]} channels",
                field="groups",
            )
        return result


class PixelShuffle(LayerBase):
    """torch.nn.PixelShuffle: (C·r², H, W) to (C, H·r, W·r)."""

    type: Literal["pixel_shuffle"]
    upscale_factor: Size

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        r = self.upscale_factor
        result = Inferred(None)
        if _needs_image(self, shape, result):
            *rest, c, h, w = shape
            if c % (r * r):
                return result.refuse(
                    "channel-mismatch",
                    self.name,
                    f"the {c} channels are not divisible by upscale_factor² = {r * r}",
                    field="upscale_factor",
                )
            result.output = (*rest, c // (r * r), h * r, w * r)
        return result


class PixelUnshuffle(LayerBase):
    """torch.nn.PixelUnshuffle: (C, H·r, W·r) to (C·r², H, W)."""

    type: Literal["pixel_unshuffle"]
    downscale_factor: Size

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        r = self.downscale_factor
        result = Inferred(None)
        if _needs_image(self, shape, result):
            *rest, c, h, w = shape
            for name, size in (("height", h), ("width", w)):
                if size % r:
                    return result.refuse(
                        "shape-error",
                        self.name,
                        f"the {name} {size} is not divisible by downscale_factor = {r}",
                        field="downscale_factor",
                    )
            result.output = (*rest, c * r * r, h // r, w // r)
        return result


def _needs_image(layer: LayerBase, shape: Shape, result: Inferred) -> bool:
    """Pixel (un)shuffle works on the last three axes, (C, H, W); the batch is not one."""
    if len(shape) >= 3:
        return True
    result.refuse(
        "shape-error",
        layer.name,
        f"{layer.type} needs a (C, H, W) map, got {fmt_shape(shape)}",  # type: ignore[attr-defined]
    )
    return False

"""Sliding windows and resampling: convolution, transposed convolution, pooling, upsampling.

The window arithmetic itself is in windows.py, over a tuple of axes, so the 1-d, 2-d and 3-d
variants of a layer are the same class.
"""

from __future__ import annotations

from math import prod
from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from archlint.diagnostics import Fix
from archlint.layers.base import (
    MAX_SIZE,
    Counts,
    Inferred,
    LayerBase,
    Pads,
    Shape,
    Size,
    Sizes,
    _pad_pairs,
    _per_axis,
    compact,
    fmt_shape,
)
from archlint.windows import AXIS_NAMES, Axis, TransposedAxis


class Conv(LayerBase):
    """torch.nn.Conv1d/2d/3d."""

    type: Literal["conv1d", "conv2d", "conv3d"]
    in_channels: Size | None = None
    out_channels: Size
    kernel_size: Sizes
    stride: Sizes = 1
    padding: Pads | Literal["same", "valid"] = 0
    dilation: Sizes = 1
    groups: Size = 1
    bias: bool = True
    padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros"

    def pads(self) -> list[tuple[int, int]]:
        """(begin, end) per axis; 'same' puts the odd extra row at the end, as PyTorch does."""
        if self.padding == "valid":
            return [(0, 0)] * self.ndim
        if self.padding == "same":
            out = []
            for k, d in zip(
                _per_axis(self.kernel_size, self.ndim), _per_axis(self.dilation, self.ndim)
            ):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        return _pad_pairs(self.padding, self.ndim)

    def axes(self, spatial: Shape) -> tuple[Axis, ...]:
        n = self.ndim
        return tuple(
            Axis(name, size, k, s, d, pb, pe)
            for name, size, k, s, d, (pb, pe) in zip(
                AXIS_NAMES[n],
                spatial,
                _per_axis(self.kernel_size, n),
                _per_axis(self.stride, n),
                _per_axis(self.dilation, n),
                self.pads(),
            )
        )

    def check_channels(self, c_in: int, result: Inferred) -> int:
        """The input channels the weights are made for; refuses mismatches and bad groups."""
        if self.in_channels is not None and self.in_channels != c_in:
            result.refuse(
                "channel-mismatch",
                self.name,
                f"in_channels = {self.in_channels} but the input has {c_in} channels",
                field="in_channels",
                help=f"in_channels = {c_in}, or fix the layer before it",
                fix=Fix("in_channels", self.in_channels, c_in),
            )
        c_in = self.in_channels or c_in
        bad = [
            f"{n} {what}"
            for what, n in (("input", c_in), ("output", self.out_channels))
            if n % self.groups
        ]
        if bad:
            result.refuse(
                "channel-mismatch",
                self.name,
                f"groups = {self.groups} does not divide the " + " or the ".join(bad) + " channels",
                field="groups",
                help="groups must divide both in_channels and out_channels",
            )
        return c_in

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(None)
        if not self.needs_map(shape, result):
            return result
        c_in = self.check_channels(shape[0], result)
        k = prod(_per_axis(self.kernel_size, self.ndim))
        result.params = self.out_channels * (c_in // self.groups) * k + (
            self.out_channels if self.bias else 0
        )
        result.axes = self.axes(shape[1:])
        if self.padding == "same" and any(s > 1 for s in _per_axis(self.stride, self.ndim)):
            half = [(k - 1) // 2 for k in _per_axis(self.kernel_size, self.ndim)]
            return result.refuse(
                "padding-mismatch",
                self.name,
                "padding = 'same' is refused by PyTorch for stride > 1",
                field="padding",
                help=f"padding = {compact(half)}, (kernel_size − 1)/2",
                fix=Fix("padding", "same", compact(half), safe=False),
            )
        if self.padding_mode in ("reflect", "circular"):
            too_much = [
                a for a in result.axes
                if max(a.pad_begin, a.pad_end) >= a.size + (self.padding_mode == "circular")
            ]  # fmt: skip
            if too_much:
                a = too_much[0]
                limit = "smaller than" if self.padding_mode == "reflect" else "at most"
                return result.refuse(
                    "shape-error",
                    self.name,
                    f"{self.padding_mode} padding {max(a.pad_begin, a.pad_end)} on the {a.name}"
                    f" axis must be {limit} the input's {a.size}, as PyTorch requires",
                    field="padding",
                )
        result.output = _windowed(self, result, self.out_channels)
        return result

    def macs(self, inputs: list[Shape], output: Shape) -> int:
        """Each output element: (C_in/groups)·k_h·k_w multiply-accumulates (bias not counted)."""
        c_in = self.in_channels or inputs[0][0]
        return prod(output) * (c_in // self.groups) * prod(_per_axis(self.kernel_size, self.ndim))


def _windowed(layer: LayerBase, result: Inferred, channels: int) -> Shape | None:
    """The output shape from the layer's axes, or None (with a refusal) where one collapses."""
    sizes = []
    for axis in result.axes:
        if axis.out <= 0:
            result.refuse(
                "collapsed-activation-map",
                layer.name,
                f"output {axis.name} {axis.formula()}: the {axis.extent}-wide window does not fit"
                f" in the {axis.padded}-wide padded input",
                field="kernel_size",
                help="use a smaller kernel, stride or dilation, more padding, or remove a"
                " down-sampling layer before it",
            )
            return None
        sizes.append(axis.out)
    return (channels, *sizes)


class ConvTranspose(LayerBase):
    """torch.nn.ConvTranspose1d/2d/3d."""

    type: Literal["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    in_channels: Size | None = None
    out_channels: Size
    kernel_size: Sizes
    stride: Sizes = 1
    padding: Counts = 0
    output_padding: Counts = 0
    dilation: Sizes = 1
    groups: Size = 1
    bias: bool = True

    check_channels = Conv.check_channels

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(None)
        if not self.needs_map(shape, result):
            return result
        c_in = self.check_channels(shape[0], result)
        n = self.ndim
        result.params = c_in * (self.out_channels // self.groups) * prod(
            _per_axis(self.kernel_size, n)
        ) + (self.out_channels if self.bias else 0)
        result.axes = tuple(
            TransposedAxis(*args)
            for args in zip(
                AXIS_NAMES[n],
                shape[1:],
                _per_axis(self.kernel_size, n),
                _per_axis(self.stride, n),
                _per_axis(self.dilation, n),
                _per_axis(self.padding, n),
                _per_axis(self.output_padding, n),
            )
        )
        for axis in result.axes:
            if axis.output_padding >= max(axis.stride, axis.dilation):
                result.refuse(
                    "shape-error",
                    self.name,
                    f"output_padding {axis.output_padding} must be smaller than the stride"
                    f" ({axis.stride}) or the dilation ({axis.dilation}), as PyTorch requires",
                    field="output_padding",
                )
        sizes = []
        for axis in result.axes:
            if axis.out <= 0:
                return result.refuse(
                    "collapsed-activation-map",
                    self.name,
                    f"output {axis.name} {axis.formula()}: the padding removes everything",
                    field="padding",
                    help="reduce the padding",
                )
            sizes.append(axis.out)
        result.output = (self.out_channels, *sizes)
        return result

    def macs(self, inputs: list[Shape], output: Shape) -> int:
        """Each input element is scattered through (C_out/groups)·k_h·k_w weights."""
        kernel = prod(_per_axis(self.kernel_size, self.ndim))
        return prod(inputs[0]) * (self.out_channels // self.groups) * kernel


class Pool(LayerBase):
    """torch.nn.MaxPool1d/2d/3d and AvgPool1d/2d/3d."""

    type: Literal["maxpool1d", "maxpool2d", "maxpool3d", "avgpool1d", "avgpool2d", "avgpool3d"]
    kernel_size: Sizes
    stride: Sizes | None = None
    padding: Pads = 0
    dilation: Sizes = 1
    ceil_mode: bool = False
    count_include_pad: bool = True

    @field_validator("dilation")
    @classmethod
    def _max_only(cls, value, info: ValidationInfo):
        if value != 1 and info.data.get("type", "").startswith("avg"):
            raise ValueError("avgpool has no dilation in PyTorch (only maxpool does)")
        return value

    @field_validator("count_include_pad")
    @classmethod
    def _avg_only(cls, value, info: ValidationInfo):
        if not value and info.data.get("type", "").startswith("max"):
            raise ValueError("count_include_pad belongs to avgpool, not maxpool")
        return value

    def axes(self, spatial: Shape) -> tuple[Axis, ...]:
        n = self.ndim
        kernels = _per_axis(self.kernel_size, n)
        strides = kernels if self.stride is None else _per_axis(self.stride, n)
        return tuple(
            Axis(name, size, k, s, d, pb, pe, self.ceil_mode)
            for name, size, k, s, d, (pb, pe) in zip(
                AXIS_NAMES[n],
                spatial,
                kernels,
                strides,
                _per_axis(self.dilation, n),
                _pad_pairs(self.padding, n),
            )
        )

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(None)
        if not self.needs_map(shape, result):
            return result
        result.axes = self.axes(shape[1:])
        over = [a for a in result.axes if 2 * max(a.pad_begin, a.pad_end) > a.kernel]
        if over:
            a = over[0]
            symmetric = all(a.pad_begin == a.pad_end for a in result.axes)
            fixed = compact([min(x.pad_begin, x.kernel // 2) for x in result.axes])
            result.refuse(
                "padding-mismatch",
                self.name,
                f"padding {max(a.pad_begin, a.pad_end)} is more than half the kernel"
                f" ({a.kernel}) on the "
                + " and ".join(x.name for x in over)
                + ": PyTorch refuses pool padding over kernel_size/2",
                field="padding",
                help=f"padding = {a.kernel // 2} at most",
                fix=Fix("padding", self.padding, fixed, safe=False) if symmetric else None,
            )
        small = [a for a in result.axes if a.size < a.kernel]
        if self.type == "avgpool3d" and small:  # avg_pool3d checks the input before padding
            a = small[0]
            return result.refuse(
                "collapsed-activation-map",
                self.name,
                f"the {a.kernel}-wide window is larger than the {a.size}-wide input on the"
                f" {a.name} axis: PyTorch's avg_pool3d refuses inputs smaller than the kernel"
                " (padding aside)",
                field="kernel_size",
                help="use a smaller kernel, or remove a down-sampling layer before it",
            )
        result.output = _windowed(self, result, shape[0])
        return result


class AdaptivePool(LayerBase):
    """torch.nn.AdaptiveAvgPool1d/2d/3d and AdaptiveMaxPool1d/2d/3d."""

    type: Literal[
        "adaptive_avgpool1d",
        "adaptive_avgpool2d",
        "adaptive_avgpool3d",
        "adaptive_maxpool1d",
        "adaptive_maxpool2d",
        "adaptive_maxpool3d",
    ]
    output_size: Size | list[Size | None]

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(None)
        if self.needs_map(shape, result):
            sizes = _per_axis(self.output_size, self.ndim)
            result.output = (shape[0], *(s or n for s, n in zip(sizes, shape[1:])))
        return result


class GlobalPool(LayerBase):
    """Average or max over every spatial position: (C, ...) -> (C, 1, ..., 1)."""

    type: Literal["global_avgpool", "global_maxpool"]

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred((shape[0],) + (1,) * (len(shape) - 1))
        self.needs_channels(shape, result)  # a vector has no positions to pool
        return result


class Upsample(LayerBase):
    """torch.nn.Upsample: by scale_factor (floored, like PyTorch) or to a size."""

    type: Literal["upsample"]
    scale_factor: (
        Annotated[float, Field(gt=0, le=MAX_SIZE)]
        | list[Annotated[float, Field(gt=0, le=MAX_SIZE)]]
        | None
    ) = None
    size: Sizes | None = None
    mode: Literal["nearest", "linear", "bilinear", "bicubic", "trilinear", "nearest-exact"] = (
        "nearest"
    )
    align_corners: bool | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Upsample:
        if (self.size is None) == (self.scale_factor is None):
            raise ValueError("give exactly one of scale_factor and size")
        if self.align_corners is not None and self.mode in ("nearest", "nearest-exact"):
            raise ValueError(
                "align_corners only applies to linear, bilinear, bicubic and trilinear"
            )
        return self

    # interpolation modes that need a given number of spatial axes, as PyTorch checks
    MODE_AXES: ClassVar[dict[str, int]] = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        spatial = shape[1:]
        n = len(spatial)
        result = Inferred(None)
        given = self.size if self.size is not None else self.scale_factor
        key = "size" if self.size is not None else "scale_factor"
        if not spatial:
            problem = f"upsample needs a (C, ...) map, got {fmt_shape(shape)}"
        elif isinstance(given, list) and len(given) != n:
            problem = f"{len(given)} values of {key} for {n} spatial axes"
        elif self.MODE_AXES.get(self.mode, n) != n:
            problem = f"mode '{self.mode}' needs {self.MODE_AXES[self.mode]} spatial axes, got {n}"
            key = "mode"
        else:
            problem = None
        if problem:
            return result.refuse("shape-error", self.name, problem, field=key)
        if self.size is not None:
            sizes = _per_axis(self.size, n)
        else:  # PyTorch floors N·scale
            sizes = tuple(int(s * f) for s, f in zip(spatial, _per_axis(self.scale_factor, n)))
        if min(sizes) < 1:
            return result.refuse(
                "collapsed-activation-map",
                self.name,
                f"scale_factor {self.scale_factor} gives an output of " + "×".join(map(str, sizes)),
                field="scale_factor",
                help="a larger scale_factor, or a size",
            )
        result.output = (shape[0], *sizes)
        return result

"""The layer types of the spec format and their arithmetic: output shape and parameter count.

Names, defaults and semantics follow torch.nn, so any layer can be checked against PyTorch.
Shapes have no batch dimension: (C, *spatial) for maps, (features,) for vectors. Spatial
arithmetic is written once over a tuple of axes (see windows.py), so the 1-d, 2-d and 3-d
variants of a layer are the same class.

A layer's `infer` never raises: what PyTorch would refuse comes back as a Refusal owned by the
rule that explains it (or by the reserved shape-error), and an output it cannot compute is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from archlint.diagnostics import Finding, Fix, Severity
from archlint.windows import AXIS_NAMES, Axis, TransposedAxis

MAX_SIZE = 1_000_000
"""The largest size, count, stride or padding any field accepts (documented in the README)."""

Size = Annotated[int, Field(ge=1, le=MAX_SIZE)]
Count = Annotated[int, Field(ge=0, le=MAX_SIZE)]
Sizes = Size | list[Size]
Counts = Count | list[Count]
# padding per axis: one number for both ends, or [begin, end] (asymmetric, as ONNX's pads)
Pads = Count | list[Count | Annotated[list[Count], Field(min_length=2, max_length=2)]]
Shape = tuple[int, ...]


def fmt_shape(shape: Shape | None) -> str:
    return "unknown" if shape is None else "(" + ", ".join(map(str, shape)) + ")"


@dataclass(frozen=True)
class Refusal:
    """Something a framework would refuse (or a shape that cannot be computed)."""

    owner: str  # the rule name that explains it, or a reserved name such as "shape-error"
    finding: Finding


@dataclass
class Inferred:
    """What one layer makes of its inputs."""

    output: Shape | None
    params: int = 0
    axes: tuple[Axis | TransposedAxis, ...] = ()
    refusals: list[Refusal] = field(default_factory=list)

    def refuse(self, owner: str, layer: str, message: str, **kw) -> Inferred:
        self.refusals.append(Refusal(owner, Finding(layer, message, severity=Severity.ERROR, **kw)))
        return self


def _ndim(type_name: str) -> int:
    return int(type_name[-2]) if type_name[-1] == "d" and type_name[-2].isdigit() else 0


def _per_axis(value: int | list, ndim: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else (value,) * ndim


def _pad_pairs(padding: int | list, ndim: int) -> list[tuple[int, int]]:
    return [(p, p) if isinstance(p, int) else (p[0], p[1]) for p in _per_axis(padding, ndim)]


def compact(values: list[int]) -> int | list[int]:
    """One number when every axis agrees, as a user would write it."""
    return values[0] if len(set(values)) == 1 else list(values)


class LayerBase(BaseModel):
    """Keys every layer accepts."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = None
    inputs: list[str] | str | None = None
    ignore: list[str] = []

    # how many inputs the layer takes: 1, None for "two or more", 0 for "any"
    arity: ClassVar[int | None] = 1

    @property
    def ndim(self) -> int:
        return _ndim(self.type)  # type: ignore[attr-defined]

    @field_validator(
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "output_padding",
        "output_size",
        "scale_factor",
        "size",
        check_fields=False,
    )
    @classmethod
    def _one_value_per_axis(cls, value, info: ValidationInfo):
        ndim = _ndim(info.data.get("type", ""))
        if isinstance(value, list) and ndim and len(value) != ndim:
            raise ValueError(f"needs 1 or {ndim} values for a {ndim}-d layer, got {len(value)}")
        return value

    def infer(self, inputs: list[Shape]) -> Inferred:
        """Output shape, parameters and refusals for these input shapes."""
        return Inferred(inputs[0])

    def macs(self, inputs: list[Shape], output: Shape) -> int:
        """Multiply-accumulates of one forward pass: convolutions and linear layers only."""
        return 0

    def needs_map(self, shape: Shape, result: Inferred) -> bool:
        """True when `shape` is the (C, *spatial) map this layer needs; refuses it otherwise."""
        if len(shape) == self.ndim + 1:
            return True
        want = "(C, " + ", ".join(n[0].upper() for n in AXIS_NAMES[self.ndim]) + ")"
        result.output = None
        result.refuse(
            "shape-error",
            self.name,
            f"{self.type} needs a {want} input, got {fmt_shape(shape)}",  # type: ignore[attr-defined]
            help="flatten, pooling or a layer of another dimension may be missing or misplaced",
        )
        return False


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
        if len(shape) < 2:
            return Inferred(None).refuse(
                "shape-error",
                self.name,
                f"{self.type} needs a (C, ...) map, got {fmt_shape(shape)}",
            )
        return Inferred((shape[0],) + (1,) * (len(shape) - 1))


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


class Activation(LayerBase):
    """Element-wise activations without parameters."""

    type: Literal[
        "relu",
        "relu6",
        "sigmoid",
        "tanh",
        "gelu",
        "silu",
        "hardswish",
        "hardsigmoid",
        "mish",
        "selu",
        "softplus",
        "identity",
    ]
    inplace: bool = False


class LeakyReLU(LayerBase):
    type: Literal["leaky_relu"]
    negative_slope: float = 0.01
    inplace: bool = False


class ELU(LayerBase):
    type: Literal["elu"]
    alpha: float = 1.0
    inplace: bool = False


class PReLU(LayerBase):
    """torch.nn.PReLU: one learnt slope, or one per channel."""

    type: Literal["prelu"]
    num_parameters: Size = 1

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape, params=self.num_parameters)
        if self.num_parameters not in (1, shape[0]):
            result.refuse(
                "channel-mismatch",
                self.name,
                f"num_parameters = {self.num_parameters} but the input has {shape[0]} channels",
                field="num_parameters",
                help=f"num_parameters = 1 or {shape[0]}",
            )
        return result


class Softmax(LayerBase):
    """Softmax over the channel (or feature) axis by default."""

    type: Literal["softmax", "log_softmax"]
    dim: int = 0


class Clip(LayerBase):
    """Clamp to [min, max] (torch.clamp, nn.Hardtanh; ONNX Clip)."""

    type: Literal["clip", "hardtanh"]
    min: float | None = None
    max: float | None = None


class LocalResponseNorm(LayerBase):
    """torch.nn.LocalResponseNorm (AlexNet, GoogLeNet): normalises across nearby channels."""

    type: Literal["local_response_norm"]
    size: Size
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0


class Scale(LayerBase):
    """Multiply by a constant (ONNX Mul by a scalar): no parameters."""

    type: Literal["scale"]
    factor: float


class Opaque(LayerBase):
    """An operation archlint does not model (e.g. an ONNX operator it cannot map).

    Its output shape is unknown, so everything after it is unknown too; the unsupported-op
    diagnostic names it. Kept in converted specs so the gap stays visible.
    """

    type: Literal["opaque"]
    op: str
    arity: ClassVar[int | None] = 0

    def infer(self, inputs: list[Shape]) -> Inferred:
        return Inferred(None).refuse(
            "unsupported-op",
            self.name,
            f"archlint cannot compute the shape of operator {self.op!r};"
            " the layers after it are not checked",
            help="replace it with a supported layer type (`archlint types`), if there is one",
        )


class Dropout(LayerBase):
    type: Literal["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]
    p: Annotated[float, Field(ge=0, le=1)] = 0.5
    inplace: bool = False


BATCH = -1  # stands for the batch axis, which a spec leaves out: equal everywhere, never 1


def _broadcast(shapes: list[Shape]) -> Shape | None:
    """PyTorch broadcasting of batched shapes, or None where they do not broadcast.

    The batch axis is put back first, so a (C,) tensor meets a (C, H, W) map as (N, C) meets
    (N, C, H, W) in PyTorch: aligned from the right, against W and H, not against C.
    """
    shapes = [(BATCH, *s) for s in shapes]
    rank = max(map(len, shapes))
    out = []
    for i in range(rank):
        sizes = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0} - {1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out[1:])


class Add(LayerBase):
    """Element-wise sum (add) or product (mul) of two or more inputs, with broadcasting."""

    type: Literal["add", "mul"]
    arity: ClassVar[int | None] = None

    def infer(self, inputs: list[Shape]) -> Inferred:
        result = Inferred(_broadcast(inputs))
        if result.output is None:
            result.refuse(
                "merge-mismatch",
                self.name,
                f"cannot {self.type} shapes "
                + ", ".join(map(fmt_shape, inputs))
                + ": they do not broadcast",
                field="inputs",
                help="make the branches agree: a 1×1 conv for channels, a strided conv or pooling"
                " for size",
            )
        return result


class Concat(LayerBase):
    """Concatenation along the channel axis (torch.cat(dim=1) on a batch)."""

    type: Literal["concat"]
    arity: ClassVar[int | None] = None

    def infer(self, inputs: list[Shape]) -> Inferred:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != len(first) or other[1:] != first[1:]:
                return Inferred(None).refuse(
                    "merge-mismatch",
                    self.name,
                    "cannot concat "
                    + ", ".join(map(fmt_shape, inputs))
                    + " along channels: all other axes must be equal",
                    field="inputs",
                    help="crop, pad or resample one branch so the spatial sizes agree",
                )
        return Inferred((sum(s[0] for s in inputs), *first[1:]))


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


LAYER_CLASSES = (
    Conv,
    ConvTranspose,
    Pool,
    AdaptivePool,
    GlobalPool,
    Linear,
    Flatten,
    BatchNorm,
    Activation,
    LeakyReLU,
    ELU,
    PReLU,
    Softmax,
    Dropout,
    Add,
    Concat,
    Upsample,
    Clip,
    LocalResponseNorm,
    Scale,
    Opaque,
)
LAYER_TYPES = {
    t: cls for cls in LAYER_CLASSES for t in cls.model_fields["type"].annotation.__args__
}

"""What every layer type shares: the base model, inference results and per-axis helpers.

Names, defaults and semantics follow torch.nn, so any layer can be checked against PyTorch.
Shapes have no batch dimension: (C, *spatial) for maps, (features,) for vectors. Spatial
arithmetic is written once over a tuple of axes (see windows.py), so the 1-d, 2-d and 3-d
variants of a layer are the same class.

A layer's `infer` never raises: what PyTorch would refuse comes back as a Refusal owned by the
rule that explains it (or by the reserved shape-error), and an output it cannot compute is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from archlint.diagnostics import Finding, Severity
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


@cache
def _ndim(type_name: str) -> int:
    """2 for "conv2d"; 0 for a type without dimensions (or none yet: a model built in code
    without its type, which pydantic then refuses)."""
    if len(type_name) < 2:
        return 0
    return int(type_name[-2]) if type_name[-1] == "d" and type_name[-2].isdigit() else 0


def _per_axis(value: int | list, ndim: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else (value,) * ndim


def _pad_pairs(padding: int | list, ndim: int) -> list[tuple[int, int]]:
    return [(p, p) if isinstance(p, int) else (p[0], p[1]) for p in _per_axis(padding, ndim)]


Dim = Annotated[int, Field(ge=-32, le=31)]
"""An axis of the batch-less shape: 0 is channels (or features), negatives count from the end."""
SizeList = Annotated[list[Size], Field(min_length=1, max_length=32)]


def axis_index(dim: int, rank: int) -> int | None:
    """A batch-less axis as an index into the shape, or None where it is out of range."""
    return dim + rank if -rank <= dim < 0 else dim if 0 <= dim < rank else None


def axis_range(rank: int) -> str:
    """The dims that exist for a shape of this rank, as a message says it."""
    return f"dims {-rank} to {rank - 1}" if rank > 1 else "dim 0 (or -1)"


def batched_dims_help(dims: list[int], rank: int, key: str = "dim") -> str | None:
    """A help line for dims written as PyTorch counts them, with the batch as dim 0."""
    shifted = [d - 1 if d > 0 else d for d in dims]
    if 0 in dims or any(axis_index(d, rank) is None for d in shifted):
        return None
    said = shifted[0] if len(dims) == 1 else shifted
    return (
        f"the spec's axes leave out the batch: PyTorch's dim d ≥ 1 is d − 1 here ({key} ="
        f" {said}); negative dims are the same in both"
    )


def compact(values: list[int]) -> int | list[int]:
    """One number when every axis agrees, as a user would write it."""
    return values[0] if len(set(values)) == 1 else list(values)


class LayerBase(BaseModel):
    """Keys every layer accepts."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    name: str | None = None
    inputs: list[str] | str | None = None
    ignore: list[str] = Field(default_factory=list)  # a default [] is deep-copied

    # how many inputs the layer takes: 1, None for "two or more", 0 for "one or more"
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

    def axis_of(self, dim: int, shape: Shape, result: Inferred, key: str = "dim") -> int | None:
        """The index of batch-less axis `dim` in shape; None (refused) where out of range."""
        axis = axis_index(dim, len(shape))
        if axis is None:
            result.output = None
            result.refuse(
                "shape-error",
                self.name,
                f"{key} {dim} is out of range for {fmt_shape(shape)}: {axis_range(len(shape))}",
                field=key,
                help=batched_dims_help([dim], len(shape), key),
            )
        return axis

    def needs_channels(self, shape: Shape, result: Inferred) -> bool:
        """True when `shape` is a (C, ...) map, with at least one axis after the channels."""
        if len(shape) >= 2:
            return True
        result.output = None
        result.refuse(
            "shape-error",
            self.name,
            f"{self.type} needs a (C, ...) map, got {fmt_shape(shape)}",  # type: ignore[attr-defined]
        )
        return False

    def needs_map(self, shape: Shape, result: Inferred) -> bool:
        """True when `shape` is the (C, *spatial) map this layer needs; refuses it otherwise."""
        if len(shape) == self.ndim + 1:
            return True
        want = "(C, " + ", ".join(n[0].upper() for n in AXIS_NAMES[self.ndim]) + ")"
        help = "flatten, pooling or a layer of another dimension may be missing or misplaced"
        if len(shape) == self.ndim + 2 and shape[0] == 1:
            help = (
                "a leading axis of 1: a reshape or expand whose `shape` counts the batch? The"
                " spec's shapes leave it out"
            )
        result.output = None
        result.refuse(
            "shape-error",
            self.name,
            f"{self.type} needs a {want} input, got {fmt_shape(shape)}",  # type: ignore[attr-defined]
            help=help,
        )
        return False


BATCH = -1  # stands for the batch axis, which a spec leaves out: equal everywhere, never 1


def _broadcast(shapes: list[Shape], batched: bool = True) -> Shape | None:
    """PyTorch broadcasting of batched shapes, or None where they do not broadcast.

    The batch axis is put back first, so a (C,) tensor meets a (C, H, W) map as (N, C) meets
    (N, C, H, W) in PyTorch: aligned from the right, against W and H, not against C. With
    batched=False, the shapes broadcast as they are (to tell a batch mix-up apart).
    """
    shapes = [(BATCH, *s) if batched else tuple(s) for s in shapes]
    rank = max(map(len, shapes))
    out = []
    for i in range(rank):
        sizes = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0} - {1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    if not batched:
        return tuple(out)
    if BATCH in out[1:]:  # (N, 8) + (N, 1, 8) is (N, N, 8): not one sample's shape any more
        return None
    return tuple(out[1:])

"""Element-wise layers: activations, dropout, clipping, scaling, and the merges add, mul and
concat. `opaque` stands for an operation archlint cannot model.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from archlint.layers.base import Dim, Inferred, LayerBase, Shape, Size, _broadcast, fmt_shape


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
    dim: Dim = 0

    def infer(self, inputs: list[Shape]) -> Inferred:
        (shape,) = inputs
        result = Inferred(shape)
        self.axis_of(self.dim, shape, result)
        return result


class Clip(LayerBase):
    """Clamp to [min, max] (torch.clamp, nn.Hardtanh; ONNX Clip)."""

    type: Literal["clip", "hardtanh"]
    min: float | None = None
    max: float | None = None


class Scale(LayerBase):
    """Multiply by a constant (ONNX Mul by a scalar): no parameters."""

    type: Literal["scale"]
    factor: float


class Dropout(LayerBase):
    type: Literal["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]
    p: Annotated[float, Field(ge=0, le=1)] = 0.5
    inplace: bool = False


class Opaque(LayerBase):
    """An operation archlint does not model (e.g. an ONNX operator it cannot map).

    Its output shape is unknown, so everything after it is unknown too; the unsupported-op
    diagnostic names it. Kept in converted specs so the gap stays visible.
    """

    type: Literal["opaque"]
    op: str
    reason: str | None = None  # why it could not be mapped, when known
    arity: ClassVar[int | None] = 0

    def infer(self, inputs: list[Shape]) -> Inferred:
        return Inferred(None).refuse(
            "unsupported-op",
            self.name,
            f"archlint cannot compute the shape of operator {self.op!r};"
            " the layers after it are not checked",
            note=self.reason,
            help="replace it with a supported layer type (`archlint types`), if there is one",
        )


class Add(LayerBase):
    """Element-wise add, sub, mul or div of two or more inputs, with broadcasting; or of one
    input and a number (`value`): x + 1.0, x * 0.5 (MobileOne's and ECA's constants)."""

    type: Literal["add", "mul", "sub", "div"]
    value: float | None = None

    @property
    def arity(self) -> int | None:  # type: ignore[override]
        return None if self.value is None else 1

    def infer(self, inputs: list[Shape]) -> Inferred:
        result = Inferred(_broadcast(inputs))
        if result.output is None:
            shapes = ", ".join(map(fmt_shape, inputs))
            batched = ", ".join(fmt_shape((-1, *s)).replace("-1", "N") for s in inputs)
            why = (
                f"they do not broadcast; with the batch, {batched} would only broadcast by"
                " meeting the batch axis with a sample's"
                if _broadcast(inputs, batched=False) is not None
                else "they do not broadcast"
            )
            result.refuse(
                "merge-mismatch",
                self.name,
                f"cannot {self.type} shapes {shapes}: {why}",
                field="inputs",
                help="make the branches agree: a 1×1 conv for channels, a strided conv or pooling"
                " for size",
            )
        return result


class Concat(LayerBase):
    """torch.cat of one or more inputs along `dim` (0, the channels, by default: torch.cat(dim=1)
    on a batch). torch.cat([x], 1) is x, as DenseNet writes the first layer of every block."""

    type: Literal["concat"]
    dim: Dim = 0
    arity: ClassVar[int | None] = 0

    def infer(self, inputs: list[Shape]) -> Inferred:
        first = inputs[0]
        result = Inferred(None)
        axis = self.axis_of(self.dim, first, result)
        if axis is None:
            return result
        rest = [s[:axis] + s[axis + 1 :] for s in inputs]
        if any(len(s) != len(first) or r != rest[0] for s, r in zip(inputs, rest)):
            along = "channels" if axis == 0 else f"axis {self.dim}"
            return result.refuse(
                "merge-mismatch",
                self.name,
                "cannot concat "
                + ", ".join(map(fmt_shape, inputs))
                + f" along {along}: all other axes must be equal",
                field="inputs",
                help="crop, pad or resample one branch so the spatial sizes agree",
            )
        result.output = (*first[:axis], sum(s[axis] for s in inputs), *first[axis + 1 :])
        return result

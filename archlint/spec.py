"""The spec: a model's metadata, its input and its layers, as pydantic models.

`Layer` is a discriminated union on `type` over the classes in layers.py. Unknown keys are
errors (a typo must not be silently ignored), values are strict (no "3" for 3).
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archlint.layers import LAYER_CLASSES, Shape, Size

MAX_LAYERS = 1_000_000

Layer = Annotated[Union[LAYER_CLASSES], Field(discriminator="type")]  # noqa: UP007


class Model(BaseModel):
    """The [model] table: a name, the layers that are outputs, file-wide suppressions."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = None
    description: str | None = None
    outputs: list[str] | None = None
    ignore: list[str] = []


class Input(BaseModel):
    """One sample (no batch axis): channels and 1, 2 or 3 spatial sizes, or features alone."""

    model_config = ConfigDict(extra="forbid", strict=True)

    channels: Size | None = None
    depth: Size | None = None
    height: Size | None = None
    width: Size | None = None
    length: Size | None = None
    features: Size | None = None

    @model_validator(mode="after")
    def _one_layout(self) -> Input:
        if self.shape is None:
            raise ValueError(
                "give channels with length (1-d), height and width (2-d) or depth, height and"
                " width (3-d); or features alone"
            )
        return self

    @property
    def shape(self) -> Shape | None:
        spatial = {
            k: v
            for k, v in (
                ("depth", self.depth),
                ("height", self.height),
                ("width", self.width),
                ("length", self.length),
            )
            if v is not None
        }
        if self.features is not None:
            return (self.features,) if self.channels is None and not spatial else None
        if self.channels is None or set(spatial) not in (
            {"length"},
            {"height", "width"},
            {"depth", "height", "width"},
        ):
            return None
        return (self.channels, *spatial.values())


class Spec(BaseModel):
    """A whole architecture file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    model: Model = Model()
    input: Input
    layers: Annotated[list[Layer], Field(min_length=1, max_length=MAX_LAYERS)]

    @model_validator(mode="after")
    def _name_every_layer(self) -> Spec:
        """Unnamed layers get `type_index` (e.g. flatten_6, 0-based like the layers list)."""
        for i, layer in enumerate(self.layers):
            if layer.name is None:
                layer.name = f"{layer.type}_{i}"
        return self

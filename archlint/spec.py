"""The spec: a model's metadata, its input and its layers, as pydantic models.

`Layer` is a discriminated union on `type` over the classes in layers.py. Unknown keys are
errors (a typo must not be silently ignored), values are strict (no "3" for 3).

`validate(data)` is `Spec.model_validate(data)` at a fraction of the start-up cost: pydantic
builds a model's validator when the class is made, some 1.5 ms per layer class, and a file
uses a few of the dozens of types. So the layer classes and `Spec` are built on first use
(`defer_build`), and `validate` checks the data with a subclass of `Spec` whose union holds
only the types the data names (made once per set of types). It accepts and refuses exactly
what `Spec` does, with the same errors, and returns an instance of (a subclass of) `Spec`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Union

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from archlint.layers import LAYER_CLASSES, LAYER_TYPES, Shape, Size

MAX_LAYERS = 100_000  # benchmarked: a check of this many takes a few seconds

Layer = Annotated[Union[LAYER_CLASSES], Field(discriminator="type")]  # noqa: UP007


class Model(BaseModel):
    """The [model] table: a name, the layers that are outputs, file-wide suppressions."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = None
    description: str | None = None
    outputs: list[str] | None = None
    ignore: list[str] = Field(default_factory=list)


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

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

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


def validate(data: object) -> Spec:
    """Spec.model_validate(data), building only the layer classes the data names (see the
    module docstring); raises pydantic's ValidationError as that would."""
    layers = data.get("layers") if isinstance(data, dict) else None
    items = layers if isinstance(layers, list) else ()
    named = {
        t for item in items if isinstance(item, dict) and isinstance(t := item.get("type"), str)
    }
    return _spec_for(frozenset(t for t in named if t in LAYER_TYPES)).model_validate(data)


@lru_cache(maxsize=64)
def _spec_for(types: frozenset[str]) -> type[Spec]:
    """A Spec whose layers may be of these types only (at least two classes: a discriminated
    union needs two; the first classes of the full list make up the number)."""
    classes = list(dict.fromkeys(LAYER_TYPES[t] for t in sorted(types)))
    classes += [c for c in LAYER_CLASSES if c not in classes][: max(0, 2 - len(classes))]
    layer = Annotated[Union[tuple(classes)], Field(discriminator="type")]  # noqa: UP007
    layers = Annotated[list[layer], Field(min_length=1, max_length=MAX_LAYERS)]
    return create_model("Spec", __base__=Spec, layers=(layers, ...))

"""Infer: graph -> Analysis, every layer's shapes and parameters, in topological order.

A layer whose input is unknown (an upstream layer could not be computed, or the graph is
broken there) is unknown too, silently: the reason is reported once, where it arises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archlint.diagnostics import Finding
from archlint.graph import INPUT, Flow
from archlint.layers import Axis, LayerBase, Refusal, Shape, TransposedAxis
from archlint.spec import Spec

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class LayerResult:
    """What inference knows about one layer."""

    name: str
    index: int
    layer: LayerBase
    inputs: list[Shape] | None  # None where any input is unknown
    output: Shape | None
    params: int | None
    axes: tuple[Axis | TransposedAxis, ...] = ()
    refusals: list[Refusal] = field(default_factory=list)
    macs: int | None = None  # multiply-accumulates of one sample's forward pass

    type: str = field(init=False)  # the layer's type, "conv2d"

    def __post_init__(self) -> None:
        self.type = self.layer.type  # type: ignore[attr-defined]

    @property
    def passthrough(self) -> bool:
        """One input, same shape out, no window: activations, batchnorm, dropout."""
        return (
            not self.axes
            and self.inputs is not None
            and len(self.inputs) == 1
            and self.output == self.inputs[0]
        )


@dataclass
class Analysis:
    """The spec, its data flow, and each layer's result in topological order."""

    spec: Spec
    flow: Flow
    layers: dict[str, LayerResult]
    _graph: nx.DiGraph | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def graph(self) -> nx.DiGraph:
        """The flow as a networkx DiGraph (built on first use: a check does not need it)."""
        if self._graph is None:
            self._graph = self.flow.networkx(self.spec)
        return self._graph

    @property
    def input_shape(self) -> Shape:
        return self.spec.input.shape  # type: ignore[return-value]

    @property
    def total_params(self) -> int:
        return sum(r.params or 0 for r in self.layers.values())

    @property
    def total_macs(self) -> int:
        return sum(r.macs or 0 for r in self.layers.values())

    def readers(self, name: str) -> list[LayerResult]:
        """The layers that read `name`'s output."""
        return [self.layers[n] for n in self.flow.readers[name] if n in self.layers]

    def sources(self, name: str) -> list[LayerResult]:
        """The layers `name` reads (the network input is not a layer and is left out)."""
        return [self.layers[n] for n in self.flow.sources[name] if n in self.layers]

    def previous(self, name: str) -> LayerResult | None:
        """The nearest layer before `name` that is not a passthrough, on a single path."""
        sources = self.sources(name)
        while len(sources) == 1 and sources[0].passthrough:
            sources = self.sources(sources[0].name)
        return sources[0] if len(sources) == 1 else None

    def following(self, name: str) -> LayerResult | None:
        """The nearest layer after `name` that is not a passthrough, on a single path."""
        readers = self.readers(name)
        while len(readers) == 1 and readers[0].passthrough:
            readers = self.readers(readers[0].name)
        return readers[0] if len(readers) == 1 else None

    def refusals(self, owner: str) -> Iterator[Finding]:
        """What inference refused on behalf of the rule (or reserved kind) named `owner`."""
        for result in self.layers.values():
            for refusal in result.refusals:
                if refusal.owner == owner:
                    yield refusal.finding


def infer(spec: Spec, flow: Flow) -> Analysis:
    layers: dict[str, LayerResult] = {}
    if flow.order is None:  # a cycle: build() has reported it
        return Analysis(spec, flow, layers)
    shapes: dict[str, Shape | None] = {INPUT: spec.input.shape}
    specified, index_of, inputs_of = spec.layers, flow.index, flow.inputs
    for name in flow.order[1:]:  # the input comes first
        index = index_of[name]
        layer = specified[index]
        names = inputs_of[name]
        inputs = [shapes.get(n) for n in names]
        arity, given = layer.arity, len(names)
        fits = given >= 2 if arity is None else given >= 1 if arity == 0 else given == arity
        if not fits or None in inputs:
            result = LayerResult(name, index, layer, None, None, None)
        else:
            out = layer.infer(inputs)
            macs = layer.macs(inputs, out.output) if out.output is not None else None
            result = LayerResult(
                name, index, layer, inputs, out.output, out.params, out.axes, out.refusals, macs
            )
        layers[name] = result
        shapes[name] = result.output
    return Analysis(spec, flow, layers)

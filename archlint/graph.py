"""Build: Spec -> the data flow, one node per layer plus "input", one edge per data flow.

Each layer reads the previous layer unless it names its `inputs`; the network input is
"input". Duplicate names, unknown references, wrong numbers of inputs and cycles are located
graph-error problems; a layer whose output nobody uses (other than the model's outputs, by
default the last layer) is an unused-output warning.

The flow is plain dicts and lists (`Flow`), ordered once: a check never imports networkx.
`Flow.networkx()` gives the same graph as a networkx DiGraph, for the API
(`Analysis.graph`) and the algorithms that need one (drawing, finding a cycle to report).
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archlint.diagnostics import GRAPH_ERROR, UNUSED_OUTPUT, Problem
from archlint.spec import Spec

if TYPE_CHECKING:
    import networkx as nx

INPUT = "input"


@dataclass
class Flow:
    """Who reads whom. `inputs[name]` are the names a layer reads as written (a merge may read
    one twice), `sources[name]` the distinct layers it reads, in input order; `readers[name]`
    the distinct layers that read it, in spec order. `order` is a topological order (the
    input first), or None when the layers form a cycle."""

    index: dict[str, int | None] = field(default_factory=lambda: {INPUT: None})
    inputs: dict[str, list[str]] = field(default_factory=lambda: {INPUT: []})
    sources: dict[str, list[str]] = field(default_factory=lambda: {INPUT: []})
    readers: dict[str, list[str]] = field(default_factory=lambda: {INPUT: []})
    order: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        return name in self.index

    def add_edge(self, source: str, target: str) -> None:
        if source not in self.sources[target]:
            self.sources[target].append(source)
            self.readers[source].append(target)

    def networkx(self, spec: Spec) -> nx.DiGraph:
        """The flow as a networkx DiGraph; nodes carry `index` and `layer`, as `build` made
        them before (and `graph["acyclic"]`)."""
        import networkx as nx

        graph = nx.DiGraph(acyclic=self.order is not None)
        for name, index in self.index.items():
            graph.add_node(name, index=index, layer=None if index is None else spec.layers[index])
        for name, sources in self.sources.items():
            graph.add_edges_from((s, name) for s in sources)
        return graph


def input_names(spec: Spec, index: int) -> list[str]:
    """The names a layer reads, in order."""
    inputs = spec.layers[index].inputs
    if inputs is None:
        return [spec.layers[index - 1].name if index else INPUT]
    return [inputs] if isinstance(inputs, str) else list(inputs)


def build(spec: Spec) -> tuple[Flow, list[Problem]]:
    """The data flow, ordered; and the problems of its structure."""
    graph = Flow()
    problems: list[Problem] = []
    for i, layer in enumerate(spec.layers):
        if layer.name == INPUT or layer.name in graph.index:
            what = "the network input" if layer.name == INPUT else "an earlier layer"
            problems.append(
                Problem(
                    GRAPH_ERROR,
                    f"duplicate name '{layer.name}': {what} is called that already",
                    ("layers", i, "name"),
                    layer.name,
                    "give every layer its own name",
                )
            )
            continue
        graph.index[layer.name] = i
        graph.sources[layer.name], graph.readers[layer.name] = [], []

    for i, layer in enumerate(spec.layers):
        if graph.index.get(layer.name) != i:
            continue  # a duplicate, already reported
        names = graph.inputs[layer.name] = input_names(spec, i)
        if layer.arity == 1 and len(names) != 1:
            problems.append(
                Problem(
                    GRAPH_ERROR,
                    f"{layer.type} takes one input, {len(names)} given",
                    ("layers", i, "inputs"),
                    layer.name,
                    "merge the branches first with add or concat" if len(names) > 1 else None,
                )
            )
        elif layer.arity == 0 and not names:
            problems.append(
                Problem(
                    GRAPH_ERROR, f"{layer.type} needs an input", ("layers", i, "inputs"), layer.name
                )
            )
        elif layer.arity is None and len(names) < 2:
            problems.append(
                Problem(
                    GRAPH_ERROR,
                    f"{layer.type} merges two or more inputs, {len(names)} given",
                    ("layers", i, "inputs"),
                    layer.name,
                    'inputs = ["branch_a", "branch_b"]',
                )
            )
        for name in names:
            if name not in graph.index:
                close = difflib.get_close_matches(name, list(graph.index), n=1)
                problems.append(
                    Problem(
                        GRAPH_ERROR,
                        f"input '{name}' is not a layer of this spec",
                        ("layers", i, "inputs"),
                        layer.name,
                        f"did you mean '{close[0]}'?" if close else None,
                    )
                )
            elif name == layer.name:
                problems.append(
                    Problem(
                        GRAPH_ERROR,
                        "a layer cannot read its own output",
                        ("layers", i, "inputs"),
                        layer.name,
                    )
                )
            else:
                graph.add_edge(name, layer.name)

    problems += _cycles(graph) + _unused(spec, graph)
    return graph, problems


def _cycles(graph: Flow) -> list[Problem]:
    """Order the flow (Kahn's algorithm); when that fails, report one cycle."""
    waiting = {name: len(sources) for name, sources in graph.sources.items()}
    ready = deque(name for name, n in waiting.items() if n == 0)
    order = []
    while ready:
        name = ready.popleft()
        order.append(name)
        for reader in graph.readers[name]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    if len(order) == len(waiting):
        graph.order = order
        return []
    import networkx as nx  # only to name the cycle in the error

    whole = nx.DiGraph()
    whole.add_nodes_from(graph.index)  # in spec order, so the cycle named is the first one
    whole.add_edges_from((s, n) for n in graph.index for s in graph.sources[n])
    cycle = nx.find_cycle(whole)
    names = [edge[0] for edge in cycle]
    first = names[0]
    return [
        Problem(
            GRAPH_ERROR,
            "the layers form a cycle: " + " → ".join(names + [first]),
            ("layers", graph.index[first], "inputs"),
            first,
            "a spec is a feed-forward graph: break the loop by reading an earlier layer",
        )
    ]


def outputs(spec: Spec) -> list[str]:
    return spec.model.outputs if spec.model.outputs is not None else [spec.layers[-1].name]


def _unused(spec: Spec, graph: Flow) -> list[Problem]:
    problems = []
    wanted = outputs(spec)
    for name in wanted:
        if name == INPUT and any(layer.name == INPUT for layer in spec.layers):
            continue  # a layer called "input": reported as a duplicate name already
        if name not in graph or name == INPUT:
            problems.append(
                Problem(
                    GRAPH_ERROR,
                    f"output '{name}' is not a layer of this spec",
                    ("model", "outputs"),
                    None,
                )
            )
    wanted_set = set(wanted)
    for name, index in graph.index.items():
        if name != INPUT and not graph.readers[name] and name not in wanted_set:
            problems.append(
                Problem(
                    UNUSED_OUTPUT,
                    "no layer reads this layer's output, and it is not a model output",
                    ("layers", index),
                    name,
                    "feed it to a later layer, remove it, or list it in [model] outputs",
                )
            )
    return problems

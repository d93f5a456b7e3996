"""Build: Spec -> networkx DiGraph, one node per layer plus "input", one edge per data flow.

Each layer reads the previous layer unless it names its `inputs`; the network input is
"input". Duplicate names, unknown references, wrong numbers of inputs and cycles are located
graph-error problems; a layer whose output nobody uses (other than the model's outputs, by
default the last layer) is an unused-output warning.
"""

from __future__ import annotations

import difflib

import networkx as nx

from archlint.diagnostics import GRAPH_ERROR, UNUSED_OUTPUT, Problem
from archlint.spec import Spec

INPUT = "input"


def input_names(spec: Spec, index: int) -> list[str]:
    """The names a layer reads, in order."""
    inputs = spec.layers[index].inputs
    if inputs is None:
        return [spec.layers[index - 1].name if index else INPUT]
    return [inputs] if isinstance(inputs, str) else list(inputs)


def build(spec: Spec) -> tuple[nx.DiGraph, list[Problem]]:
    """The data-flow graph; nodes carry `index` (position in spec.layers) and `layer`."""
    graph = nx.DiGraph()
    graph.add_node(INPUT, index=None, layer=None)
    problems: list[Problem] = []
    for i, layer in enumerate(spec.layers):
        if layer.name == INPUT or layer.name in graph:
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
        graph.add_node(layer.name, index=i, layer=layer)

    for i, layer in enumerate(spec.layers):
        if graph.nodes.get(layer.name, {}).get("index") != i:
            continue  # a duplicate, already reported
        names = input_names(spec, i)
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
            if name not in graph:
                close = difflib.get_close_matches(name, list(graph), n=1)
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


def _cycles(graph: nx.DiGraph) -> list[Problem]:
    """A cycle, if any; the graph remembers whether it is acyclic, so inference asks once."""
    graph.graph["acyclic"] = nx.is_directed_acyclic_graph(graph)
    if graph.graph["acyclic"]:
        return []
    cycle = nx.find_cycle(graph)
    names = [edge[0] for edge in cycle]
    first = names[0]
    return [
        Problem(
            GRAPH_ERROR,
            "the layers form a cycle: " + " → ".join(names + [first]),
            ("layers", graph.nodes[first]["index"], "inputs"),
            first,
            "a spec is a feed-forward graph: break the loop by reading an earlier layer",
        )
    ]


def outputs(spec: Spec) -> list[str]:
    return spec.model.outputs if spec.model.outputs is not None else [spec.layers[-1].name]


def _unused(spec: Spec, graph: nx.DiGraph) -> list[Problem]:
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
    for name, data in graph.nodes(data=True):
        if name != INPUT and graph.out_degree(name) == 0 and name not in wanted:
            problems.append(
                Problem(
                    UNUSED_OUTPUT,
                    "no layer reads this layer's output, and it is not a model output",
                    ("layers", data["index"]),
                    name,
                    "feed it to a later layer, remove it, or list it in [model] outputs",
                )
            )
    return problems

"""Protobuf fields as plain Python: node attributes, text, op names and node labels.

A `Node` wraps one NodeProto with what every mapping asks of it (its index, op, name, inputs,
outputs and attributes as Python values), read once. Tensor names are kept exactly as the
protobuf gives them, since they key the constants and activations.
"""

from __future__ import annotations

import math
from functools import cached_property

GRAPH_ATTRIBUTES = (5, 10)  # AttributeProto.GRAPH, GRAPHS: a node with a subgraph (If, Loop)


def text(value) -> str:
    """A protobuf string field as text: protobuf gives bytes where it is not valid UTF-8."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def f32(value: float) -> float:
    """An ONNX float32 attribute as a user would write it: 0.01, not 0.009999999776482582."""
    value = float(value)
    return float(f"{value:.7g}") if math.isfinite(value) else value


def attributes(proto) -> dict:
    """A NodeProto's attributes by name, as Python values (strings decoded)."""
    from onnx import helper

    out = {}
    for a in proto.attribute:
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            value = [v.decode("utf-8", "replace") for v in value]
        out[a.name] = value
    return out


class Node:
    """One ONNX node as the mappings read it."""

    def __init__(self, index: int, proto) -> None:
        self.index = index
        self.proto = proto
        self.op_type = text(proto.op_type)
        self.domain = text(proto.domain)
        self.name = text(proto.name)
        self.input = list(proto.input)
        self.output = list(proto.output)

    @cached_property
    def attrs(self) -> dict:
        """The attributes; raises for a malformed one (the node is then unreadable)."""
        return attributes(self.proto)

    @property
    def standard(self) -> bool:
        """In the default ONNX domain (the only one archlint maps)."""
        return self.domain in ("", "ai.onnx")

    @property
    def op(self) -> str:
        """The op type, prefixed with its domain outside the default one."""
        return self.op_type if self.standard else f"{self.domain}.{self.op_type}"

    @property
    def layer_name(self) -> str:
        """The name its layer gets: the PyTorch module path the exporter encoded in the node
        name (`/layer2/layer2.0/downsample/downsample.0/Conv` -> `layer2.0.downsample.0`),
        else the node's name (`/Add` of the top-level module as `Add`), else op_index."""
        path = module_path(self.name)
        return path or self.name.lstrip("/") or f"{self.op}_{self.index}"

    @property
    def label(self) -> str:
        """How diagnostics name the node: "node 12 (Conv 'conv1')"."""
        if self.name:
            return f"node {self.index} ({self.op} {self.name!r})"
        return f"node {self.index} ({self.op})"

    @property
    def has_subgraph(self) -> bool:
        return any(a.type in GRAPH_ATTRIBUTES for a in self.proto.attribute)


def module_path(name: str) -> str | None:
    """The module path in a node name of PyTorch's exporters, or None if it has none.

    The exporter writes one scope per module, each the module's name within its parent, and
    a child of a container as `parent.child`: `/features/features.0/features.0.0/Conv`. The
    scopes join into the dotted path torch.nn.Module.named_modules() gives, `features.0.0`.
    A module called twice gets a scope with a suffix (`relu_1`); names stay unique anyway.
    """
    if not name.startswith("/") or name.count("/") < 2:
        return None
    path: list[str] = []
    for scope in name.split("/")[1:-1]:
        if path and scope.startswith(path[-1] + "."):
            path[-1] = scope  # `layer2` then `layer2.0`: the child of a container
        elif scope:
            path.append(scope)
    return ".".join(path) or None

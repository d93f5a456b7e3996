"""The conversion context: what converting one model knows so far, and the helpers every
mapping uses to read a node's inputs (`act`, `const`, `shape`, `rank`, `axis`, `axes`) and to
look past it (`bias_add`, `sole_reader`).

Activations are named by the layer that makes them; `shapes` holds each layer's output shape
by archlint's own arithmetic (without batch), so a mapping can ask for its input's size while
the model is converted node by node in topological order.
"""

from __future__ import annotations

from archlint.layers import LAYER_TYPES, Shape
from archlint.readers.onnx.consts import BATCH, Const, along
from archlint.readers.onnx.proto import Node, text


class Unsupported(Exception):
    """This node cannot be written as a layer of the spec format: it becomes `opaque`."""


def check_config(config: dict) -> None:
    """A layer config the spec format accepts; Unsupported (the node becomes opaque) where a
    value is out of its range, so one odd node never invalidates the whole model."""
    from pydantic import ValidationError

    try:
        LAYER_TYPES[config["type"]].model_validate(config)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"][:1])
        raise Unsupported(f"{where}: {error['msg']} (got {error.get('input')!r})") from None


class Context:
    """One model's conversion state: constants, activations, shapes and the layers so far."""

    def __init__(self, nodes: list[Node], opset: int, graph) -> None:
        self.nodes = nodes
        self.opset = opset
        self.batch: object = BATCH  # the input's batch size, BATCH where symbolic
        self.consts: dict[str, Const] = {}
        self.acts: dict[str, tuple[str, bool]] = {}  # tensor -> (layer name, exact)
        self.shapes: dict[str, Shape | None] = {}  # layer name -> inferred shape (no batch)
        self.layers: list[dict] = []
        self.labels: dict[int, str] = {}
        self.notes: dict[int, str] = {}
        self.names: set[str] = {"input"}
        self.skip: set[int] = set()  # nodes folded into an earlier layer (a bias Add)
        self.note: str | None = None  # said about the layer being made (in converted specs)
        self.consumers: dict[str, list[int]] = {}  # tensor -> the nodes reading it
        self.producers: dict[str, int] = {}  # tensor -> the node writing it
        self.graph_outputs = {o.name for o in graph.output}
        self.ranks: dict[str, int] = {}  # tensor -> rank with batch, from the file's type info

    # ------------------------------------------------------------------- the layers

    def add_layer(self, config: dict, name: str, sources: list[str]) -> str:
        """Append a layer under a unique name; its output shape is inferred at once."""
        name = text(name)
        unique, k = name, 1
        while unique in self.names:
            unique, k = f"{name}_{k}", k + 1
        self.names.add(unique)
        layer = {"name": unique, **config, "inputs": sources}
        self.layers.append(layer)
        self.shapes[unique] = self._infer(layer, sources)
        return unique

    def extra_layer(self, config: dict, node: Node, sources: list[str]) -> str:
        """A further layer made from the node (each part of a Split, each axis of a Slice),
        labelled with it; the node's own layer is the one its mapping returns."""
        check_config(config)
        name = self.add_layer(config, node.layer_name, sources)
        self.labels[len(self.layers) - 1] = node.label
        return name

    def _infer(self, layer: dict, sources: list[str]) -> Shape | None:
        """The layer's output shape by archlint's own arithmetic (None where unknown)."""
        shapes = [self.shapes.get(s) for s in sources]
        if layer["type"] == "opaque" or any(s is None for s in shapes):
            return None
        config = {k: v for k, v in layer.items() if k not in ("inputs", "name")}
        try:
            return LAYER_TYPES[layer["type"]].model_validate(config).infer(shapes).output
        except Exception:  # a value out of range (ValidationError) or any other refusal
            return None

    # ------------------------------------------------------------- a node's inputs

    def act(self, node: Node, k: int = 0) -> str:
        """The layer that provides the node's k-th input, which must be an activation."""
        if k >= len(node.input) or node.input[k] not in self.acts:
            raise Unsupported(f"input {k} of {node.op} must be an activation here")
        layer, exact = self.acts[node.input[k]]
        if not exact:
            raise Unsupported(f"it reads a secondary output of '{layer}'")
        return layer

    def const(self, node: Node, k: int) -> Const | None:
        """The node's k-th input as a constant; None where absent; unsupported if computed."""
        if k >= len(node.input) or not node.input[k]:
            return None
        if node.input[k] not in self.consts:
            raise Unsupported(f"input {k} of {node.op} must be a constant (a weight)")
        return self.consts[node.input[k]]

    def constant_is(self, node: Node, k: int, value: float, learnt: bool = True) -> bool:
        """Input k is a known constant all of whose values are `value`; with learnt=False,
        also not an initializer (a Constant the exporter wrote, so not a parameter). The
        exporter shares equal initializers through Identity nodes: those stay learnt."""
        c = self.consts.get(node.input[k]) if k < len(node.input) else None
        values = c.read() if c is not None else None
        if values is None or (not learnt and c.learnt):  # type: ignore[union-attr]
            return False
        return all(v == value for v in values)

    def shape(self, layer: str, why: str) -> Shape:
        """The layer's output shape (no batch), which the mapping needs to know."""
        shape = self.shapes.get(layer)
        if shape is None:
            raise Unsupported(f"{why} needs the input's shape, which is unknown here")
        return shape

    def rank(self, node: Node, layer: str) -> int | None:
        """The input's rank without batch: inferred, else from the file's own type info."""
        shape = self.shapes.get(layer)
        if shape is not None:
            return len(shape)
        rank = self.ranks.get(node.input[0])
        return rank - 1 if rank else None

    def axis(self, node: Node, x: str, axis: int) -> int:
        """A batched ONNX axis, negative ones counted from the end (they need the rank); one
        out of range is unsupported, as ONNX refuses it."""
        rank = self.rank(node, x)
        if rank is None:
            if axis < 0:
                raise Unsupported("a negative axis needs the input's rank")
            return axis
        if not -(rank + 1) <= axis <= rank:
            raise Unsupported(f"axis {axis} is out of range for a rank-{rank + 1} input")
        return axis % (rank + 1)

    def axes(self, node: Node) -> list[int] | None:
        """The `axes` attribute, or (newer opsets) the constant second input."""
        if "axes" in node.attrs:
            return list(node.attrs["axes"])
        c = self.const(node, 1)
        values = c.read() if c is not None else None
        return [int(v) for v in values] if values is not None else None

    # ------------------------------------------------------------- past the node

    def sole_reader(self, tensor: str, ops: tuple[str, ...]) -> int | None:
        """The one node reading `tensor`, if it is one of `ops` and the tensor is not an output."""
        readers = self.consumers.get(tensor, [])
        if tensor in self.graph_outputs or len(readers) != 1:
            return None
        node = self.nodes[readers[0]]
        ok = node.op_type in ops and node.standard
        return readers[0] if ok and readers[0] not in self.skip else None

    def bias_add(self, node: Node, size: int, axis_from_end: int) -> tuple | None:
        """An Add right after the node of a constant of `size` elements along one axis (a bias):
        (the Add's index, the bias) or None.

        `axis_from_end`: the axis the bias runs along, counted from the end of the full
        (batch-included) shape: 1 for the last (features), rank - 1 for channels of a map.
        """
        out = node.output[0] if node.output else ""
        readers = self.consumers.get(out, [])
        if out in self.graph_outputs or len(readers) != 1:
            return None
        j = readers[0]
        add = self.nodes[j]
        if add.op_type != "Add" or not add.standard or len(add.input) != 2:
            return None
        other = add.input[1] if add.input[0] == out else add.input[0]
        bias = self.consts.get(other)
        if other == out or bias is None or along(bias) != (axis_from_end, size):
            return None
        return j, bias

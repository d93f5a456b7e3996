"""Read ONNX models as archlint specs: every node becomes a layer of the spec format.

`read_onnx(path)` gives a Document like `load()` does for TOML and JSON, so `check`, `summary`
and `diff` work on .onnx files; `to_spec_dict(model)` gives the spec as a dict, with a label per
layer naming the ONNX node it came from ("node 12 (Conv 'conv1')"), since ONNX files have no
lines. `archlint/convert.py` writes that dict as an editable TOML or JSON spec.

The mapping (op -> layer type) is in `_Converter`, one `_op_<OpType>` method per operator. An
operator that has no layer type, or a supported operator used in a way the spec cannot express
(ConvTranspose with asymmetric pads, Softmax over the batch, a Reshape that is not a flatten,
...), becomes one `opaque` layer with the same inputs: archlint reports it as unsupported-op and
leaves the shapes after it unknown, rather than guessing.

Weights are read from initializers and Constant / ConstantOfShape nodes by their dims only;
values are read only for small tensors the mapping needs (Reshape targets, Resize scales, Clip
bounds, Mul factors), so a model claiming a 10^12-element weight costs nothing to read. The
layer configs carry in_channels / in_features / num_features from the weights, so the parameters
archlint computes from a layer are the sizes of the tensors the node uses (batch-norm running
mean and variance are buffers, not parameters).

Broken or hostile files are problems on the Document (syntax-error for a protobuf that does not
parse, schema-error for a structure that cannot be a network: missing tensors, cycles, symbolic
input sizes), never exceptions; the only exception is LoadError, for a file that cannot be read
or when the onnx package is missing.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

from archlint.diagnostics import SCHEMA_ERROR, SYNTAX_ERROR, Problem
from archlint.layers import LAYER_TYPES, MAX_SIZE, Shape, compact
from archlint.loader import Document, LoadError, from_dict

ONNX_MISSING = "reading .onnx files needs the onnx package: pip install 'archlint[onnx]'"
MAX_FILE_BYTES = 2**31 - 1
"""Protobuf cannot serialise more; larger models keep their weights in external data files."""
SMALL = 4096
"""The most elements a constant may have for its values to be read (shapes, scales, factors)."""
MAX_RANK = 32
"""Tensors of higher rank are not weights of any layer; their dims are not used."""
WINDOW = ("kernel_shape", "strides", "dilations")  # per-axis attributes of a window
SPATIAL_KEYS = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


SIMPLE_ACTIVATIONS = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus",
    "HardSwish": "hardswish", "Mish": "mish", "Gelu": "gelu",
}  # fmt: skip


class OnnxStructureError(ValueError):
    """The model's structure cannot be a network: a tensor nobody provides, a cycle, ..."""


class _Unsupported(Exception):
    """This node cannot be written as a layer of the spec format: it becomes `opaque`."""


class _Batch:
    """The batch size in values computed from shapes (Shape -> Gather -> Concat -> Reshape)."""

    def __repr__(self) -> str:
        return "N"


BATCH = _Batch()


@dataclass
class Const:
    """A constant tensor: dims (None where unknown) and, for small ones, the flat values."""

    dims: tuple[int, ...] | None
    values: list | None = None
    tensor: object = None  # a TensorProto whose values are read on demand, if small

    @property
    def numel(self) -> int | None:
        return None if self.dims is None else prod(self.dims)

    def read(self) -> list | None:
        """The flat values, or None where unknown, large, external or malformed."""
        if self.values is None and self.tensor is not None:
            self.values = _tensor_values(self.tensor, self.numel)
            self.tensor = None
        return self.values

    def scalar(self) -> float | int | None:
        values = self.read() if self.numel == 1 else None
        return values[0] if values else None


@dataclass
class Conversion:
    """What converting one model gives: the spec dict (None when it cannot be converted)."""

    spec: dict | None
    labels: dict[int, str] = field(default_factory=dict)  # layer index -> "node 12 (Conv 'c')"
    notes: dict[int, str] = field(default_factory=dict)  # index -> why opaque, or how read
    problems: list[Problem] = field(default_factory=list)
    origin: str = ""  # "ONNX IR 7, opset 13, from pytorch 2.1"


# ----------------------------------------------------------------------------- entry points


def read_onnx(path: str | Path) -> Document:
    """Read an .onnx file as a Document (spec None, with problems, when it cannot be read)."""
    conversion = convert_file(path)
    if conversion.spec is None:
        doc = Document(str(path), None, problems=conversion.problems)
    else:
        doc = from_dict(conversion.spec, str(path))
        doc.problems = conversion.problems + doc.problems
        doc.labels = conversion.labels
    doc.format = "onnx"
    return doc


def to_spec_dict(model, name: str | None = None) -> tuple[dict, dict[int, str]]:
    """The spec dict of an onnx.ModelProto and its labels (layer index -> ONNX node).

    Raises OnnxStructureError when the model's structure cannot be a network.
    """
    conversion = _Converter(model, name).run()
    return conversion.spec, conversion.labels  # type: ignore[return-value]


def convert_file(path: str | Path) -> Conversion:
    """Read and convert an .onnx file; problems instead of exceptions, except LoadError."""
    path = Path(path)
    try:
        import onnx
    except ImportError:
        raise LoadError(ONNX_MISSING) from None
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
        if size > MAX_FILE_BYTES:
            return _failed(
                SYNTAX_ERROR,
                f"the file is {size:,} bytes, over protobuf's 2 GiB limit: it is not an ONNX"
                " model (large models keep their weights in external data files)",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not data:
        return _failed(SYNTAX_ERROR, "the file is empty: not an ONNX model")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as exc:  # DecodeError and whatever else a hostile file provokes
        return _failed(
            SYNTAX_ERROR,
            f"not a readable ONNX model: the protobuf does not parse ({exc});"
            " the file may be truncated or not ONNX",
        )
    try:
        return _Converter(model, path.stem).run()
    except OnnxStructureError as exc:
        return _failed(SCHEMA_ERROR, str(exc))
    except RecursionError:
        return _failed(SCHEMA_ERROR, "the model is nested too deeply to read")
    except Exception as exc:  # never a traceback for a file, whatever it holds
        return _failed(
            SCHEMA_ERROR,
            f"archlint could not convert this ONNX model ({type(exc).__name__}: {exc});"
            " please report it",
        )


def _failed(kind, message: str) -> Conversion:
    return Conversion(None, problems=[Problem(kind, message)])


# ------------------------------------------------------------------------- tensor helpers


def _tensor_values(tensor, numel: int | None) -> list | None:
    if numel is None or numel > SMALL or tensor.data_location == 1:  # 1: EXTERNAL
        return None
    try:
        from onnx import numpy_helper

        array = numpy_helper.to_array(tensor)
        if array.size != numel or array.dtype.kind not in "biuf":
            return None
        return array.ravel().tolist()
    except Exception:
        return None


def _dims(dims) -> tuple[int, ...] | None:
    dims = tuple(int(d) for d in dims) if len(dims) <= MAX_RANK else None
    return dims if dims is not None and all(d >= 0 for d in dims) else None


def _attrs(node) -> dict:
    from onnx import helper

    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            value = [v.decode("utf-8", "replace") for v in value]
        out[a.name] = value
    return out


def _f(value: float) -> float:
    """An ONNX float32 attribute as a user would write it: 0.01, not 0.009999999776482582."""
    value = float(value)
    return float(f"{value:.7g}") if math.isfinite(value) else value


def _pairs(pairs: list[tuple[int, int]]) -> int | list:
    """Per axis a number where symmetric, else [begin, end]; one number if all axes agree."""
    axes = [b if b == e else [b, e] for b, e in pairs]
    return axes[0] if all(a == axes[0] and isinstance(a, int) for a in axes) else axes


def _s(value) -> str:
    """A protobuf string field as text: protobuf gives bytes where it is not valid UTF-8."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _op(node) -> str:
    op, domain = _s(node.op_type), _s(node.domain)
    return op if domain in ("", "ai.onnx") else f"{domain}.{op}"


def _label(index: int, node) -> str:
    name = _s(node.name)
    return f"node {index} ({_op(node)} {name!r})" if name else f"node {index} ({_op(node)})"


# ----------------------------------------------------------------------------- converter


class _Converter:
    """One model -> spec dict, node by node in topological order."""

    def __init__(self, model, name: str | None = None) -> None:
        if not model.HasField("graph"):
            raise OnnxStructureError("not an ONNX model: it has no graph")
        self.model = model
        self.graph = model.graph
        self.nodes = list(self.graph.node)
        if not self.nodes:
            raise OnnxStructureError("the ONNX graph has no nodes")
        self.name = _s(self.graph.name) or name
        self.opset = max(
            (o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13
        )
        self.consts: dict[str, Const] = {}
        self.acts: dict[str, tuple[str, bool]] = {}  # tensor -> (layer name, exact)
        self.shapes: dict[str, Shape | None] = {}  # layer name -> inferred shape (no batch)
        self.layers: list[dict] = []
        self.labels: dict[int, str] = {}
        self.notes: dict[int, str] = {}
        self.names: set[str] = {"input"}
        self.skip: set[int] = set()  # nodes folded into an earlier layer (a bias Add)
        self.note: str | None = None  # said about the layer being made (in converted specs)
        self.graph_outputs = {o.name for o in self.graph.output}
        self.ranks: dict[str, int] = {}  # tensor -> rank with batch, from the file's type info
        for info in (*self.graph.input, *self.graph.value_info, *self.graph.output):
            if info.type.HasField("tensor_type") and info.type.tensor_type.HasField("shape"):
                self.ranks[info.name] = len(info.type.tensor_type.shape.dim)

    # -------------------------------------------------------------- structure and order

    def run(self) -> Conversion:
        for t in self.graph.initializer:
            self.consts[t.name] = Const(_dims(t.dims), tensor=t)
        for t in self.graph.sparse_initializer:
            self.consts[t.values.name or t.indices.name] = Const(_dims(t.dims))
        real = [i for i in self.graph.input if i.name not in self.consts]
        if not real:
            raise OnnxStructureError("the ONNX graph has no input (every input is an initializer)")
        input_table = self._input(real[0])
        self.acts[real[0].name] = ("input", True)
        self.shapes["input"] = self.input_shape
        for extra in real[1:]:  # one network input only: further ones cannot be modelled
            config = {"type": "opaque", "op": "GraphInput"}
            layer = self._add_layer(config, _s(extra.name), ["input"])
            self.acts[extra.name] = (layer, True)
            self.labels[len(self.layers) - 1] = f"graph input {_s(extra.name)!r}"
            self.notes[len(self.layers) - 1] = "archlint models one network input only"

        order = self._order(set(self.consts) | {i.name for i in real})
        self.consumers: dict[str, list[int]] = {}
        for i in order:
            for t in self.nodes[i].input:
                self.consumers.setdefault(t, []).append(i)
        pure = self._fold_constants(order)
        for i in order:
            if i in pure or i in self.skip:
                continue
            self._node(i, self.nodes[i])
        if not self.layers:
            raise OnnxStructureError("the ONNX graph has no operation on its input")

        outputs: list[str] = []
        for o in self.graph.output:
            if o.name in self.acts and self.acts[o.name][0] != "input":
                layer = self.acts[o.name][0]
                if layer not in outputs:
                    outputs.append(layer)
        model: dict = {"name": self.name or "onnx-model", "description": self._origin()}
        if outputs:
            model["outputs"] = outputs
        spec = {"model": model, "input": input_table, "layers": self.layers}
        return Conversion(spec, self.labels, self.notes, origin=self._origin())

    def _origin(self) -> str:
        m = self.model
        producer = " ".join(_s(p) for p in (m.producer_name, m.producer_version) if p)
        return f"ONNX IR {m.ir_version}, opset {self.opset}" + (
            f", from {producer}" if producer else ""
        )

    def _input(self, info) -> dict:
        """The [input] table from the graph's first real input (batch axis dropped)."""
        what = f"graph input {_s(info.name)!r}"
        if not info.type.HasField("tensor_type") or not info.type.tensor_type.HasField("shape"):
            raise OnnxStructureError(f"{what} has no tensor shape: archlint needs its sizes")
        dims = list(info.type.tensor_type.shape.dim)
        if not 2 <= len(dims) <= 5:
            raise OnnxStructureError(
                f"{what} has {len(dims)} axes: archlint reads (N, features), (N, C, L),"
                " (N, C, H, W) or (N, C, D, H, W)"
            )
        batch = dims[0].dim_value if dims[0].WhichOneof("value") == "dim_value" else 0
        self.batch = batch if batch > 0 else BATCH
        sizes = []
        for axis, d in enumerate(dims[1:], start=1):
            kind = d.WhichOneof("value")
            if kind != "dim_value":
                sym = f" {_s(d.dim_param)!r}" if kind == "dim_param" else ""
                raise OnnxStructureError(
                    f"{what} has a symbolic size{sym} on axis {axis}: archlint needs every size"
                    " but the batch fixed; export the model with a fixed input size"
                )
            if not 1 <= d.dim_value <= MAX_SIZE:
                raise OnnxStructureError(
                    f"{what} has size {d.dim_value:,} on axis {axis}: sizes must be between 1 and"
                    f" {MAX_SIZE:,}"
                )
            sizes.append(d.dim_value)
        self.input_shape: Shape = tuple(sizes)
        if len(sizes) == 1:
            return {"features": sizes[0]}
        return {"channels": sizes[0], **dict(zip(SPATIAL_KEYS[len(sizes) - 1], sizes[1:]))}

    def _order(self, available: set[str]) -> list[int]:
        """Node indices in topological order (file order where it allows); structural errors."""
        producer: dict[str, int] = {}
        for i, node in enumerate(self.nodes):
            for t in node.output:
                if not t:
                    continue
                if t in producer or t in available:
                    first = (
                        _label(producer[t], self.nodes[producer[t]])
                        if t in producer
                        else "an initializer or graph input"
                    )
                    raise OnnxStructureError(
                        f"{_label(i, node)} writes tensor {t!r}, which {first} provides already:"
                        " every tensor has one producer in ONNX"
                    )
                producer[t] = i
        waiting = [0] * len(self.nodes)
        readers: dict[int, list[int]] = {}
        for i, node in enumerate(self.nodes):
            for t in node.input:
                if not t or t in available:
                    continue
                if t not in producer:
                    raise OnnxStructureError(
                        f"{_label(i, node)} reads tensor {t!r}, which no node, initializer or"
                        " graph input provides (a missing initializer?)"
                    )
                waiting[i] += 1
                readers.setdefault(producer[t], []).append(i)
        ready = [i for i, n in enumerate(waiting) if n == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            i = heapq.heappop(ready)
            order.append(i)
            for j in readers.get(i, ()):
                waiting[j] -= 1
                if waiting[j] == 0:
                    heapq.heappush(ready, j)
        if len(order) < len(self.nodes):
            raise OnnxStructureError(self._cycle(waiting, producer))
        for o in self.graph.output:
            if o.name not in producer and o.name not in available:
                raise OnnxStructureError(f"graph output {o.name!r} is not written by any node")
        return order

    def _cycle(self, waiting: list[int], producer: dict[str, int]) -> str:
        """Describe one cycle among the nodes that never became ready."""
        i = next(k for k, n in enumerate(waiting) if n > 0)
        path: list[int] = []
        while i not in path:
            path.append(i)
            i = next(
                producer[t]
                for t in self.nodes[i].input
                if t in producer and waiting[producer[t]] > 0
            )
        cycle = path[path.index(i) :][::-1]
        names = [_label(k, self.nodes[k]) for k in cycle + cycle[:1]]
        return "the ONNX graph has a cycle: " + " → ".join(names)

    # ---------------------------------------------------------------------- constants

    def _fold_constants(self, order: list[int]) -> set[int]:
        """Nodes computed from constants alone; their outputs become Consts, not layers."""
        pure = set()
        for i in order:
            node = self.nodes[i]
            if _has_subgraph(node):
                continue
            if all(not t or t in self.consts for t in node.input):
                self._const_node(node)
                pure.add(i)
        return pure

    def _const_node(self, node) -> None:
        try:
            results = self._fold(node)
        except Exception:
            results = None
        for k, t in enumerate(node.output):
            if t:
                self.consts[t] = (results[k] if results and k < len(results) else None) or Const(
                    None
                )

    def _fold(self, node) -> list[Const] | None:
        op = node.op_type
        a = _attrs(node)
        ins = [self.consts.get(t) if t else None for t in node.input]
        x = ins[0] if ins else None
        if op == "Constant":
            if "value" in a:
                return [Const(_dims(a["value"].dims), tensor=a["value"])]
            if "sparse_value" in a:
                return [Const(_dims(a["sparse_value"].dims))]
            for key in ("value_float", "value_int"):
                if key in a:
                    return [Const((), [a[key]])]
            for key in ("value_floats", "value_ints"):
                if key in a:
                    return [Const((len(a[key]),), list(a[key]) if len(a[key]) <= SMALL else None)]
            return None
        if op == "ConstantOfShape":
            shape = x.read() if x is not None else None
            if shape is None or not all(isinstance(v, int) and v >= 0 for v in shape):
                return None
            dims = tuple(shape)
            fill = a["value"] if "value" in a else None
            value = (_tensor_values(fill, 1) or [0])[0] if fill is not None else 0.0
            return [Const(dims, [value] * prod(dims) if prod(dims) <= SMALL else None)]
        if op in ("Identity", "Cast"):
            return [x]
        if op == "Shape":
            return [_shape_const(list(x.dims), a)] if x.dims is not None else None
        if op == "Size":
            return [Const((), [x.numel])] if x.dims is not None else None
        if x is None or x.dims is None:
            return None
        if op in ("Unsqueeze", "Squeeze"):
            axes = a.get("axes") or (ins[1].read() if len(ins) > 1 and ins[1] else None)
            dims = _squeeze(list(x.dims), axes, op == "Unsqueeze")
            return [Const(dims, x.read())] if dims is not None else None
        if op == "Reshape":
            target = a.get("shape") or (ins[1].read() if len(ins) > 1 and ins[1] else None)
            dims = _reshape(list(x.dims), target, a.get("allowzero", 0))
            return [Const(dims, x.read())] if dims is not None else None
        if op == "Flatten":
            axis = a.get("axis", 1)
            axis += len(x.dims) if axis < 0 else 0
            return [Const((prod(x.dims[:axis]), prod(x.dims[axis:])), x.read())]
        if op == "Transpose":
            perm = a.get("perm") or list(range(len(x.dims)))[::-1]
            if sorted(perm) != list(range(len(x.dims))):
                return None
            dims = tuple(x.dims[p] for p in perm)
            values = x.read()
            if values is not None and not any(v is BATCH for v in values):
                import numpy as np

                values = np.asarray(values).reshape(x.dims).transpose(perm).ravel().tolist()
            else:
                values = None
            return [Const(dims, values)]
        if op == "Gather" and len(x.dims) == 1 and len(ins) > 1 and ins[1] is not None:
            values, index = x.read(), ins[1].read()
            if values is None or index is None or ins[1].dims is None:
                return None
            picked = [values[int(k)] for k in index]
            return [Const(ins[1].dims, picked)]
        if op == "Concat" and all(c is not None and c.dims is not None for c in ins):
            if all(len(c.dims) == 1 for c in ins):
                parts = [c.read() for c in ins]
                values = sum(parts, []) if all(p is not None for p in parts) else None
                return [Const((sum(c.dims[0] for c in ins),), values)]
        return None

    # ---------------------------------------------------------------------- layers

    def _node(self, i: int, node) -> None:
        """One node that reads activations: a layer (or a Const, for Shape and Size)."""
        if node.op_type in ("Shape", "Size") and node.input and node.input[0] in self.acts:
            shape = self.shapes.get(self.acts[node.input[0]][0])
            const = None
            if shape is not None and node.op_type == "Shape":
                try:
                    const = _shape_const([self.batch, *shape], _attrs(node))
                except Exception:
                    const = None
            for t in node.output:
                self.consts[t] = const or Const(None)
            return
        if not _has_subgraph(node) and all(not t or t in self.consts for t in node.input):
            self._const_node(node)  # constant now that Shape values are known
            return
        handler = getattr(self, f"_op_{_s(node.op_type)}", None)
        if _s(node.op_type) in SIMPLE_ACTIVATIONS:
            handler = self._activation
        if node.domain not in ("", "ai.onnx"):
            handler = None
        fused: list[int] = []
        self.note = None
        try:
            if handler is None:
                raise _Unsupported(f"archlint has no layer type for {_op(node)}")
            config, sources, fused, *renamed = handler(i, node, _attrs(node))
            if not all(_plain(v) for v in config.values()):
                raise _Unsupported("an attribute has a value of an unexpected type")
        except _Unsupported as exc:
            return self._opaque(i, node, str(exc))
        except Exception as exc:  # a malformed node is unsupported, never a crash
            return self._opaque(i, node, f"could not read the node ({type(exc).__name__}: {exc})")
        default = renamed[0] if renamed else _s(node.name) or f"{_op(node)}_{i}"
        name = self._add_layer(config, default, sources)
        index = len(self.layers) - 1
        self.labels[index] = " + ".join(_label(k, self.nodes[k]) for k in [i, *fused])
        if self.note:
            self.notes[index] = self.note
        last = self.nodes[fused[-1]] if fused else node
        self.skip.update(fused)
        for k, t in enumerate(last.output):
            if t:
                self.acts[t] = (name, k == 0)

    def _opaque(self, i: int, node, reason: str) -> None:
        op = _op(node)
        sources = [self.acts[t][0] for t in node.input if t in self.acts] or ["input"]
        name = self._add_layer({"type": "opaque", "op": op}, _s(node.name) or f"{op}_{i}", sources)
        self.labels[len(self.layers) - 1] = _label(i, node)
        self.notes[len(self.layers) - 1] = reason
        for t in node.output:
            if t:
                self.acts[t] = (name, True)

    def _add_layer(self, config: dict, name: str, sources: list[str]) -> str:
        name = _s(name)
        unique, k = name, 1
        while unique in self.names:
            unique, k = f"{name}_{k}", k + 1
        self.names.add(unique)
        layer = {"name": unique, **config, "inputs": sources}
        self.layers.append(layer)
        self.shapes[unique] = self._infer(layer, sources)
        return unique

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

    # --------------------------------------------------------------- node helpers

    def _act(self, node, k: int = 0) -> str:
        """The layer that provides the node's k-th input, which must be an activation."""
        if k >= len(node.input) or node.input[k] not in self.acts:
            raise _Unsupported(f"input {k} of {_op(node)} must be an activation here")
        layer, exact = self.acts[node.input[k]]
        if not exact:
            raise _Unsupported(f"it reads a secondary output of '{layer}'")
        return layer

    def _const(self, node, k: int) -> Const | None:
        """The node's k-th input as a constant; None where absent; unsupported if computed."""
        if k >= len(node.input) or not node.input[k]:
            return None
        if node.input[k] not in self.consts:
            raise _Unsupported(f"input {k} of {_op(node)} must be a constant (a weight)")
        return self.consts[node.input[k]]

    def _shape(self, layer: str, why: str) -> Shape:
        shape = self.shapes.get(layer)
        if shape is None:
            raise _Unsupported(f"{why} needs the input's shape, which is unknown here")
        return shape

    def _rank(self, node, layer: str) -> int | None:
        """The input's rank without batch: inferred, else from the file's own type info."""
        shape = self.shapes.get(layer)
        if shape is not None:
            return len(shape)
        rank = self.ranks.get(node.input[0])
        return rank - 1 if rank else None

    def _bias_add(self, i: int, node, size: int, axis_from_end: int | None) -> tuple | None:
        """An Add right after node i of a constant of `size` elements along one axis (a bias).

        `axis_from_end`: the axis the bias runs along, counted from the end of the full
        (batch-included) shape: 1 for the last (features), rank - 1 for channels of a map.
        """
        out = node.output[0] if node.output else ""
        readers = self.consumers.get(out, [])
        if out in self.graph_outputs or len(readers) != 1:
            return None
        j = readers[0]
        add = self.nodes[j]
        if add.op_type != "Add" or add.domain not in ("", "ai.onnx") or len(add.input) != 2:
            return None
        other = add.input[1] if add.input[0] == out else add.input[0]
        bias = self.consts.get(other)
        if other == out or bias is None or bias.dims is None or bias.numel != size:
            return None
        dims = list(bias.dims)
        while dims and dims[0] == 1 and len(dims) > (axis_from_end or 0):
            dims.pop(0)
        if axis_from_end is None or len(dims) != axis_from_end or dims[0] != size:
            return None
        return j, bias

    # --------------------------------------------------------------- convolution

    def _window(self, a: dict, n: int, kernel, strides, dilations, spatial, conv: bool):
        """ONNX pads / auto_pad -> the spec's padding (per-axis [begin, end] where asymmetric)."""
        auto = a.get("auto_pad", "NOTSET") or "NOTSET"
        if auto == "NOTSET":
            pads = list(a.get("pads", [0] * (2 * n)))
            if len(pads) != 2 * n or any(p < 0 for p in pads):
                raise _Unsupported(f"pads {pads} do not fit a {n}-d window")
            return _pairs(list(zip(pads[:n], pads[n:])))
        if auto == "VALID":
            return 0
        if auto not in ("SAME_UPPER", "SAME_LOWER"):
            raise _Unsupported(f"auto_pad {auto!r}")
        if conv and auto == "SAME_UPPER" and all(s == 1 for s in strides):
            return "same"  # PyTorch's 'same' puts the odd extra at the end, as SAME_UPPER does
        if any(s != 1 for s in strides) and spatial is None:
            raise _Unsupported(f"auto_pad {auto} with stride > 1 needs the input size")
        pairs = []
        for ax in range(n):
            size = spatial[ax] if spatial is not None else 1
            out = -(-size // strides[ax])
            total = max(0, (out - 1) * strides[ax] + (kernel[ax] - 1) * dilations[ax] + 1 - size)
            small, big = total // 2, total - total // 2
            pairs.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return _pairs(pairs)

    def _conv_common(self, node, a: dict):
        x = self._act(node, 0)
        w = self._const(node, 1)
        if w is None or w.dims is None or not 3 <= len(w.dims) <= 5:
            raise _Unsupported("the weight must be a constant of rank 3, 4 or 5")
        n = len(w.dims) - 2
        kernel = list(a.get("kernel_shape", w.dims[2:]))
        if kernel != list(w.dims[2:]):
            raise _Unsupported(f"kernel_shape {kernel} disagrees with the weights {list(w.dims)}")
        strides = list(a.get("strides", [1] * n))
        dilations = list(a.get("dilations", [1] * n))
        if len(strides) != n or len(dilations) != n:
            raise _Unsupported("strides or dilations do not fit the kernel")
        group = a.get("group", 1)
        return x, w, n, kernel, strides, dilations, group

    def _op_Conv(self, i, node, a):
        x, w, n, kernel, strides, dilations, group = self._conv_common(node, a)
        spatial = self.shapes.get(x)
        spatial = spatial[1:] if spatial is not None and len(spatial) == n + 1 else None
        padding = self._window(a, n, kernel, strides, dilations, spatial, conv=True)
        out = w.dims[0]
        config = {
            "type": f"conv{n}d",
            "in_channels": w.dims[1] * group,
            "out_channels": out,
            "kernel_size": compact(kernel),
        }
        _put(config, "stride", compact(strides), 1)
        _put(config, "padding", padding, 0)
        _put(config, "dilation", compact(dilations), 1)
        _put(config, "groups", group, 1)
        fused = []
        b = self._const(node, 2)
        if b is not None:
            if b.numel != out:
                raise _Unsupported(f"the bias has {b.numel} elements for {out} channels")
        else:
            add = self._bias_add(i, node, out, n + 1)
            if add:
                fused = [add[0]]
            else:
                config["bias"] = False
        return config, [x], fused

    def _op_ConvTranspose(self, i, node, a):
        x, w, n, kernel, strides, dilations, group = self._conv_common(node, a)
        if "output_shape" in a:
            raise _Unsupported("output_shape is not supported: give pads and output_padding")
        if (a.get("auto_pad", "NOTSET") or "NOTSET") not in ("NOTSET", "VALID"):
            raise _Unsupported(f"auto_pad {a['auto_pad']} is not supported for ConvTranspose")
        pads = list(a.get("pads", [0] * (2 * n))) if a.get("auto_pad") != "VALID" else [0] * 2 * n
        if len(pads) != 2 * n or pads[:n] != pads[n:]:
            raise _Unsupported(
                f"asymmetric pads {pads}: conv_transpose padding is symmetric in PyTorch"
            )
        output_padding = list(a.get("output_padding", [0] * n))
        out = w.dims[1] * group
        config = {
            "type": f"conv_transpose{n}d",
            "in_channels": w.dims[0],
            "out_channels": out,
            "kernel_size": compact(kernel),
        }
        _put(config, "stride", compact(strides), 1)
        _put(config, "padding", compact(pads[:n]), 0)
        _put(config, "output_padding", compact(output_padding), 0)
        _put(config, "dilation", compact(dilations), 1)
        _put(config, "groups", group, 1)
        b = self._const(node, 2)
        if b is not None and b.numel != out:
            raise _Unsupported(f"the bias has {b.numel} elements for {out} channels")
        if b is None:
            config["bias"] = False
        return config, [x], []

    def _pool(self, node, a, kind: str, x: str | None = None):
        x = x or self._act(node, 0)
        if "kernel_shape" not in a:
            raise _Unsupported("no kernel_shape")
        kernel = list(a["kernel_shape"])
        n = len(kernel)
        if not 1 <= n <= 3:
            raise _Unsupported(f"a {n}-d pooling window")
        strides = list(a.get("strides", [1] * n))  # ONNX's default stride is 1, not the kernel
        dilations = list(a.get("dilations", [1] * n))
        if len(strides) != n or len(dilations) != n:
            raise _Unsupported("strides or dilations do not fit the kernel")
        if kind == "avg" and any(d != 1 for d in dilations):
            raise _Unsupported("AveragePool with dilations: PyTorch's avgpool has none")
        shape = self.shapes.get(x)
        spatial = shape[1:] if shape is not None and len(shape) == n + 1 else None
        padding = self._window(a, n, kernel, strides, dilations, spatial, conv=False)
        config = {"type": f"{kind}pool{n}d", "kernel_size": compact(kernel)}
        if strides != kernel:
            config["stride"] = compact(strides)
        _put(config, "padding", padding, 0)
        _put(config, "dilation", compact(dilations), 1)
        if a.get("ceil_mode", 0):
            config["ceil_mode"] = True
        if kind == "avg" and padding != 0 and not a.get("count_include_pad", 0):
            config["count_include_pad"] = False
        return config, [x], []

    def _op_MaxPool(self, i, node, a):
        return self._pool(node, a, "max")

    def _op_AveragePool(self, i, node, a):
        return self._pool(node, a, "avg")

    def _op_Unsqueeze(self, i, node, a):
        """Unsqueeze -> pooling with a 1-wide window on the new axis -> Squeeze of it: the
        old PyTorch exporter's 1-d (or 2-d) pooling, written as the pooling it is."""
        x = self._act(node, 0)
        shape = self._shape(x, "Unsqueeze")
        rank = len(shape) + 2  # batch, the shape, the new axis
        axes = self._axes(node, a)
        if axes is None or len(axes) != 1 or not 2 <= axes[0] % rank:
            raise _Unsupported("Unsqueeze adds an axis (only as part of 1-d pooling)")
        axis = axes[0] % rank
        pool = self._sole_reader(node.output[0], ("MaxPool", "AveragePool"))
        squeeze = pool and self._sole_reader(self.nodes[pool].output[0], ("Squeeze",))
        if not squeeze:
            raise _Unsupported("Unsqueeze adds an axis (only as part of 1-d pooling)")
        s_axes = self._axes(self.nodes[squeeze], _attrs(self.nodes[squeeze]))
        p = _attrs(self.nodes[pool])
        k = axis - 2
        n = rank - 2
        kernel = list(p.get("kernel_shape", []))
        strides = list(p.get("strides", [1] * n))
        pads = list(p.get("pads", [0] * (2 * n)))
        if (
            s_axes is None
            or [ax % rank for ax in s_axes] != [axis]
            or len(kernel) != n
            or len(strides) != n
            or len(pads) != 2 * n
            or (kernel[k], strides[k], pads[k], pads[n + k]) != (1, 1, 0, 0)
            or (p.get("auto_pad", "NOTSET") or "NOTSET") not in ("NOTSET", "VALID")
        ):
            raise _Unsupported("Unsqueeze adds an axis (only as part of 1-d pooling)")
        drop = {key: [v for j, v in enumerate(p[key]) if j != k] for key in WINDOW if key in p}
        if "pads" in p:
            drop["pads"] = [v for j, v in enumerate(pads) if j not in (k, n + k)]
        kind = "max" if self.nodes[pool].op_type == "MaxPool" else "avg"
        config, sources, _ = self._pool(self.nodes[pool], {**p, **drop}, kind, x)
        name = _s(self.nodes[pool].name) or f"{_op(self.nodes[pool])}_{pool}"
        return config, sources, [pool, squeeze], name

    def _axes(self, node, a: dict) -> list[int] | None:
        if "axes" in a:
            return list(a["axes"])
        c = self._const(node, 1)
        values = c.read() if c is not None else None
        return [int(v) for v in values] if values is not None else None

    def _sole_reader(self, tensor: str, ops: tuple[str, ...]) -> int | None:
        """The one node reading `tensor`, if it is one of `ops` and the tensor is not an output."""
        readers = self.consumers.get(tensor, [])
        if tensor in self.graph_outputs or len(readers) != 1:
            return None
        node = self.nodes[readers[0]]
        ok = node.op_type in ops and node.domain in ("", "ai.onnx")
        return readers[0] if ok and readers[0] not in self.skip else None

    def _op_GlobalAveragePool(self, i, node, a):
        return {"type": "global_avgpool"}, [self._act(node)], []

    def _op_GlobalMaxPool(self, i, node, a):
        return {"type": "global_maxpool"}, [self._act(node)], []

    def _op_ReduceMean(self, i, node, a):
        """ReduceMean over every spatial axis, keeping them, is global average pooling."""
        x = self._act(node)
        rank = self._rank(node, x)
        axes = a.get("axes") or (self._const(node, 1).read() if self._const(node, 1) else None)
        if rank is None or axes is None or not a.get("keepdims", 1):
            raise _Unsupported("only ReduceMean over the spatial axes with keepdims = 1")
        if sorted(ax % (rank + 1) for ax in axes) != list(range(2, rank + 1)) or rank < 2:
            raise _Unsupported(f"ReduceMean over axes {list(axes)} is not global pooling")
        return {"type": "global_avgpool"}, [x], []

    # --------------------------------------------------------------- fully connected

    def _op_Gemm(self, i, node, a):
        x = self._act(node, 0)
        w = self._const(node, 1)
        if a.get("transA", 0):
            raise _Unsupported("transA = 1")
        if w is None or w.dims is None or len(w.dims) != 2:
            raise _Unsupported("B must be a 2-d constant (the weights)")
        out, inp = w.dims if a.get("transB", 0) else w.dims[::-1]
        config = {"type": "linear", "in_features": inp, "out_features": out}
        c = self._const(node, 2)
        if c is None:
            config["bias"] = False
        elif c.numel != out or (c.dims is not None and len([d for d in c.dims if d != 1]) > 1):
            raise _Unsupported(f"C has {c.numel} elements for {out} outputs")
        return config, [x], []

    def _op_MatMul(self, i, node, a):
        x = self._act(node, 0)
        w = self._const(node, 1)
        if w is None or w.dims is None or len(w.dims) != 2:
            raise _Unsupported("only an activation times a 2-d constant (the weights)")
        inp, out = w.dims
        config = {"type": "linear", "in_features": inp, "out_features": out}
        add = self._bias_add(i, node, out, 1)
        if add is None:
            config["bias"] = False
        return config, [x], [add[0]] if add else []

    def _axis(self, node, x, axis: int) -> int:
        """A batched ONNX axis, negative ones counted from the end (they need the rank)."""
        if axis < 0:
            rank = self._rank(node, x)
            if rank is None:
                raise _Unsupported("a negative axis needs the input's rank")
            axis += rank + 1
        return axis

    def _op_Flatten(self, i, node, a):
        x = self._act(node)
        axis = self._axis(node, x, a.get("axis", 1))
        if axis != 1:
            raise _Unsupported(f"Flatten with axis {axis}: only axis 1 keeps the batch apart")
        return {"type": "flatten"}, [x], []

    def _op_Reshape(self, i, node, a):
        x = self._act(node, 0)
        target = a.get("shape")
        if target is None:
            c = self._const(node, 1)
            target = c.read() if c is not None else None
        if target is None:
            raise _Unsupported("the target shape is not a known constant")
        zero_copies = not a.get("allowzero", 0)
        target = list(target)
        shape = self.shapes.get(x)
        batchy = self._batchy(target[0], zero_copies) if target else False
        if len(target) == 2 and batchy and target[1] == -1:
            return {"type": "flatten"}, [x], []
        if shape is not None and len(target) == 2 and target[1] == prod(shape):
            if batchy or target[0] == -1:
                return {"type": "flatten"}, [x], []
        if shape is not None and batchy and _same_sizes(target[1:], shape, zero_copies):
            return {"type": "identity"}, [x], []
        raise _Unsupported(f"Reshape to {target} is not a flatten")

    def _batchy(self, value, zero_copies: bool) -> bool:
        return (
            value is BATCH
            or (value == 0 and zero_copies)
            or (self.batch is not BATCH and value == self.batch)
        )

    def _op_Squeeze(self, i, node, a):
        """Squeezing the 1-sized spatial axes of (N, C, 1, 1) is a flatten."""
        x = self._act(node, 0)
        shape = self._shape(x, "Squeeze")
        axes = self._axes(node, a)
        rank = len(shape) + 1
        if axes is None:
            if self.batch is BATCH or self.batch == 1:
                raise _Unsupported("Squeeze without axes would drop a batch of 1")
            axes = [k + 1 for k, s in enumerate(shape) if s == 1]
        axes = sorted({int(ax) % rank for ax in axes})
        if 0 in axes or any(shape[ax - 1] != 1 for ax in axes):
            raise _Unsupported(f"Squeeze of axes {axes}")
        if rank - len(axes) != 2:
            raise _Unsupported(f"Squeeze of axes {axes} leaves a map, not features")
        return {"type": "flatten"}, [x], []

    # --------------------------------------------------------------- normalisation

    def _op_BatchNormalization(self, i, node, a):
        x = self._act(node, 0)
        scale, bias = self._const(node, 1), self._const(node, 2)
        for k in (3, 4):
            self._const(node, k)
        if not a.get("spatial", 1):
            raise _Unsupported("spatial = 0 (statistics per position)")
        if scale is None or bias is None or scale.dims is None or len(scale.dims) != 1:
            raise _Unsupported("scale and B must be 1-d constants")
        channels = scale.dims[0]
        if bias.numel != channels:
            raise _Unsupported(f"B has {bias.numel} elements, scale {channels}")
        rank = self._rank(node, x)
        if rank is None:
            rank = 3
            self.note = "assumed batchnorm2d: the input's rank is unknown here"
        kind = {1: 1, 2: 1, 3: 2, 4: 3}.get(rank)
        if kind is None:
            raise _Unsupported(f"batch normalisation of a rank-{rank} input")
        config = {"type": f"batchnorm{kind}d", "num_features": channels}
        _put(config, "eps", _f(a.get("epsilon", 1e-5)), 1e-5)
        _put(config, "momentum", _f(1 - a.get("momentum", 0.9)), 0.1)
        return config, [x], []

    def _op_LRN(self, i, node, a):
        if "size" not in a:
            raise _Unsupported("no size")
        config = {"type": "local_response_norm", "size": a["size"]}
        config["alpha"] = _f(a.get("alpha", 1e-4))
        config["beta"] = _f(a.get("beta", 0.75))
        config["k"] = _f(a.get("bias", 1.0))
        return config, [self._act(node)], []

    def _op_Dropout(self, i, node, a):
        p = a.get("ratio")
        if p is None:
            c = self._const(node, 1)
            p = c.scalar() if c is not None else 0.5
            if p is None:
                raise _Unsupported("the ratio is not a known constant")
        config = {"type": "dropout"}
        _put(config, "p", _f(p), 0.5)
        return config, [self._act(node)], []

    def _op_Identity(self, i, node, a):
        return {"type": "identity"}, [self._act(node)], []

    # --------------------------------------------------------------- activations

    def _simple(self, kind: str, node, **config):
        return {"type": kind, **config}, [self._act(node)], []

    def _activation(self, i, node, a):
        """Activations without attributes archlint would need: the same layer type."""
        return self._simple(SIMPLE_ACTIVATIONS[_s(node.op_type)], node)

    def _op_Selu(self, i, node, a):
        alpha, gamma = a.get("alpha", 1.6732632), a.get("gamma", 1.050701)
        if abs(alpha - 1.6732632) > 1e-5 or abs(gamma - 1.050701) > 1e-5:
            raise _Unsupported(f"Selu with alpha {alpha}, gamma {gamma} (PyTorch's are fixed)")
        return self._simple("selu", node)

    def _op_HardSigmoid(self, i, node, a):
        alpha, beta = a.get("alpha", 0.2), a.get("beta", 0.5)
        if abs(alpha - 1 / 6) > 1e-6 or abs(beta - 0.5) > 1e-6:
            raise _Unsupported(
                f"HardSigmoid alpha {_f(alpha)}, beta {_f(beta)}: PyTorch's is 1/6, 0.5"
            )
        return self._simple("hardsigmoid", node)

    def _op_LeakyRelu(self, i, node, a):
        config = {}
        _put(config, "negative_slope", _f(a.get("alpha", 0.01)), 0.01)
        return self._simple("leaky_relu", node, **config)

    def _op_Elu(self, i, node, a):
        config = {}
        _put(config, "alpha", _f(a.get("alpha", 1.0)), 1.0)
        return self._simple("elu", node, **config)

    def _op_PRelu(self, i, node, a):
        x = self._act(node, 0)
        slope = self._const(node, 1)
        if slope is None or slope.numel is None:
            raise _Unsupported("the slope must be a constant")
        config = {"type": "prelu"}
        _put(config, "num_parameters", slope.numel, 1)
        return config, [x], []

    def _softmax(self, kind: str, node, a):
        axis = a.get("axis", 1 if self.opset < 13 else -1)
        if axis == 0:
            raise _Unsupported("softmax over the batch axis")
        config = {"type": kind}
        _put(config, "dim", axis if axis < 0 else axis - 1, 0)
        return config, [self._act(node)], []

    def _op_Softmax(self, i, node, a):
        return self._softmax("softmax", node, a)

    def _op_LogSoftmax(self, i, node, a):
        return self._softmax("log_softmax", node, a)

    def _op_Clip(self, i, node, a):
        x = self._act(node, 0)
        bounds = []
        for k, key in ((1, "min"), (2, "max")):
            value = a.get(key)
            if value is None:
                c = self._const(node, k)
                value = c.scalar() if c is not None else None
                if c is not None and value is None:
                    raise _Unsupported(f"{key} is not a known constant")
            if value is not None and (not math.isfinite(value) or abs(value) >= 3.4e38):
                value = None  # opset 6's defaults, ±FLT_MAX: no bound
            bounds.append(None if value is None else _f(value))
        if bounds == [0, 6]:
            return {"type": "relu6"}, [x], []
        config = {"type": "clip"}
        for key, value in zip(("min", "max"), bounds):
            if value is not None:
                config[key] = value
        return config, [x], []

    # --------------------------------------------------------------- merges and scaling

    def _merge(self, kind: str, node):
        if any(t in self.consts for t in node.input if t):
            raise _Unsupported(f"{_op(node)} of a constant (only of activations)")
        sources = [self._act(node, k) for k in range(len(node.input)) if node.input[k]]
        if len(sources) == 1:
            return {"type": "identity"}, sources, []
        return {"type": kind}, sources, []

    def _op_Add(self, i, node, a):
        return self._merge("add", node)

    def _op_Sum(self, i, node, a):
        return self._merge("add", node)

    def _op_Mul(self, i, node, a):
        consts = [k for k, t in enumerate(node.input) if t in self.consts]
        if not consts:
            return self._merge("mul", node)
        if len(node.input) != 2 or len(consts) != 1:
            raise _Unsupported("Mul of constants only")
        x = self._act(node, 1 - consts[0])
        c = self.consts[node.input[consts[0]]]
        if c.numel == 1:
            factor = c.scalar()
            if factor is None or not math.isfinite(factor):
                raise _Unsupported("the factor is not a known finite constant")
            return {"type": "scale", "factor": _f(factor)}, [x], []
        return self._channel_affine(i, node, x, c)

    def _channel_affine(self, i, node, x: str, c: Const):
        """x times a per-channel constant: a depthwise 1×1 convolution (with a following
        per-channel Add as its bias), which computes exactly that with C (+ C) parameters."""
        shape = self._shape(x, "Mul by a tensor")
        if len(shape) < 2 or c.dims is None:
            raise _Unsupported("Mul by a tensor of a non-map input")
        channels, n = shape[0], len(shape) - 1
        dims = list(c.dims)
        while dims and dims[0] == 1 and len(dims) > n + 1:
            dims.pop(0)
        if c.numel != channels or len(dims) != n + 1 or dims[0] != channels:
            raise _Unsupported(f"Mul by a constant of shape {list(c.dims)}: only per-channel")
        config = {
            "type": f"conv{n}d",
            "in_channels": channels,
            "out_channels": channels,
            "kernel_size": 1,
            "groups": channels,
        }
        add = self._bias_add(i, node, channels, n + 1)
        if add is None:
            config["bias"] = False
        self.note = (
            "a per-channel scale"
            + (" and shift" if add else "")
            + (", written as a depthwise 1×1 convolution (the same arithmetic and parameters)")
        )
        return config, [x], [add[0]] if add else []

    def _op_Div(self, i, node, a):
        c = self._const(node, 1) if node.input[1:] and node.input[1] in self.consts else None
        if c is None or c.numel != 1 or not c.scalar():
            raise _Unsupported("only Div by a known non-zero scalar constant")
        return {"type": "scale", "factor": _f(1 / c.scalar())}, [self._act(node, 0)], []

    def _op_Concat(self, i, node, a):
        x = self._act(node, 0)
        axis = self._axis(node, x, a.get("axis", 1))
        if axis != 1:
            raise _Unsupported(f"Concat along axis {axis}: only channels (axis 1)")
        return self._merge("concat", node)

    def _op_Upsample(self, i, node, a):
        return self._resize(node, a)

    def _op_Resize(self, i, node, a):
        return self._resize(node, a)

    def _resize(self, node, a):
        x = self._act(node, 0)
        if "axes" in a:
            raise _Unsupported("Resize with axes")
        mode = a.get("mode", "nearest")
        scales = a.get("scales")
        sizes = None
        if scales is None:
            k_scales = 1 if node.op_type == "Upsample" or self.opset < 11 else 2
            c = self._const(node, k_scales)
            scales = c.read() if c is not None and c.numel else None
            if c is not None and c.numel and scales is None:
                raise _Unsupported("the scales are not a known constant")
            c = self._const(node, 3) if node.op_type == "Resize" and self.opset >= 11 else None
            sizes = c.read() if c is not None and c.numel else None
            if c is not None and c.numel and sizes is None:
                raise _Unsupported("the sizes are not a known constant")
        shape = self._shape(x, node.op_type)
        config: dict = {"type": "upsample"}
        if scales is not None:
            if len(scales) != len(shape) + 1 or list(scales[:2]) != [1, 1]:
                raise _Unsupported(f"scales {list(scales)}: only the spatial axes may scale")
            config["scale_factor"] = compact([_f(s) for s in scales[2:]])
        elif sizes is not None:
            if len(sizes) != len(shape) + 1 or sizes[1] != shape[0]:
                raise _Unsupported(f"sizes {list(sizes)} change more than the spatial axes")
            config["size"] = compact([int(s) for s in sizes[2:]])
        else:
            raise _Unsupported("neither scales nor sizes")
        n = len(shape) - 1
        if mode in ("linear", "bilinear"):
            config["mode"] = {1: "linear", 2: "bilinear", 3: "trilinear"}[n]
        elif mode in ("cubic", "bicubic") and n == 2:
            config["mode"] = "bicubic"
        elif mode != "nearest":
            raise _Unsupported(f"mode {mode!r}")
        if mode != "nearest" and a.get("coordinate_transformation_mode") == "align_corners":
            config["align_corners"] = True
        return config, [x], []


# ----------------------------------------------------------------------------- helpers


def _put(config: dict, key: str, value, default) -> None:
    """Set a key unless it is the layer type's default (the spec stays as a user writes it)."""
    if value != default:
        config[key] = value


def _plain(value) -> bool:
    """A value a spec can hold (as TOML and JSON can write it), nested lists included."""
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return isinstance(value, str | int | float | bool)


def _has_subgraph(node) -> bool:
    return any(a.type in (5, 10) for a in node.attribute)  # GRAPH, GRAPHS


def _shape_const(full: list, a: dict) -> Const:
    start, end = a.get("start", 0), a.get("end", len(full))
    values = full[slice(start, end)]
    return Const((len(values),), values)


def _squeeze(dims: list[int], axes, unsqueeze: bool) -> tuple[int, ...] | None:
    if unsqueeze:
        if axes is None:
            return None
        rank = len(dims) + len(axes)
        out: list[int | None] = [None] * rank
        for ax in axes:
            out[int(ax) % rank] = 1
        rest = iter(dims)
        return tuple(d if d is not None else next(rest) for d in out)
    if axes is None:
        return tuple(d for d in dims if d != 1)
    drop = {int(ax) % len(dims) for ax in axes}
    return tuple(d for k, d in enumerate(dims) if k not in drop)


def _reshape(dims: list[int], target, allowzero: int) -> tuple[int, ...] | None:
    if target is None or any(not isinstance(t, int) for t in target):
        return None
    out = [
        dims[k] if t == 0 and not allowzero and k < len(dims) else t for k, t in enumerate(target)
    ]
    if out.count(-1) == 1:
        known = prod(t for t in out if t != -1)
        if known == 0 or prod(dims) % known:
            return None
        out[out.index(-1)] = prod(dims) // known
    return tuple(out) if prod(out) == prod(dims) and all(t >= 0 for t in out) else None


def _same_sizes(target: list, shape: Shape, zero_copies: bool) -> bool:
    """A Reshape target (batch axis dropped) that leaves the shape as it is."""
    if len(target) != len(shape):
        return False
    return all(t == s or (t == 0 and zero_copies) for t, s in zip(target, shape))

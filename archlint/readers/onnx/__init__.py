"""The ONNX reader: every node of a model becomes a layer of the spec format.

`read(path)` is the reader the loader finds for .onnx files (archlint/readers/__init__.py):
it gives the spec as plain data and a label per layer naming the ONNX node it came from
("node 12 (Conv 'conv1')"), since ONNX files have no lines, so `check`, `summary`, `graph` and
`diff` work on .onnx files as on TOML and JSON. `convert_file(path)` and `to_spec_dict(model)`
give the same conversion with what archlint/convert.py needs to write it as an editable spec.

The parts, in the order a model goes through them:

- file.py: bytes -> ModelProto (size limit, protobuf errors as problems)
- graph.py: the model's structure, the network input, topological order, structural errors
- consts.py, fold.py: constant tensors, and folding the subgraphs computed from them
- translate.py: the driver, node by node; context.py: what it knows so far
- table.py, ops/, patterns.py: op type -> one small mapping function; multi-node patterns

Broken or hostile files are problems (syntax-error for a protobuf that does not parse,
schema-error for a structure that cannot be a network: missing tensors, cycles, symbolic input
sizes), never exceptions; the only exception is LoadError, for a file that cannot be read or
when the onnx package is missing. The onnx package itself is imported only when a model is
read, never by `import archlint`.
"""

from __future__ import annotations

from pathlib import Path

from archlint.readers import Reading
from archlint.readers.onnx.file import ONNX_MISSING, convert_file
from archlint.readers.onnx.graph import OnnxStructureError
from archlint.readers.onnx.translate import Conversion, convert_model

__all__ = [
    "ONNX_MISSING", "Conversion", "OnnxStructureError", "convert_file", "read", "to_spec_dict",
]  # fmt: skip


def read(path: Path) -> Reading:
    """The reader for .onnx files: the spec as plain data, and the node of every layer."""
    conversion = convert_file(path)
    return Reading("onnx", conversion.spec, conversion.problems, labels=conversion.labels)


def to_spec_dict(model, name: str | None = None) -> tuple[dict, dict[int, str]]:
    """The spec dict of an onnx.ModelProto and its labels (layer index -> ONNX node).

    Raises OnnxStructureError when the model's structure cannot be a network.
    """
    conversion = convert_model(model, name)
    return conversion.spec, conversion.labels  # type: ignore[return-value]

"""The tables: ONNX op type -> the function that maps one such node to a layer of the spec.

Following onnx's reference implementation (one small function per operator, looked up by op
type), a mapping is

    @op("Conv")
    def conv(node: Node, ctx: Context) -> Mapping: ...

returning (config, sources, fused): the layer's config as a spec would write it (`type` and
its keys, defaults left out), the layers it reads, and the indices of further nodes it
absorbed (usually none). A node the spec cannot express raises Unsupported with the reason and
becomes one `opaque` layer. Adding an op = one function here + one test model.

Patterns that span several nodes stay out of the per-op functions:
- `@pattern("Unsqueeze")` functions are tried before the op's own function, with the same
  signature; they return None when the nodes around do not form the pattern, and may name
  the layer after another node of the pattern with a fourth element.
- `@fusion("Conv")` functions run after the op's function and may absorb the node that
  follows (a bias Add), given the mapping made: they return it, extended or not.
"""

from __future__ import annotations

from collections.abc import Callable

from archlint.readers.onnx.context import Context, Unsupported
from archlint.readers.onnx.proto import Node

__all__ = ["FUSIONS", "OPS", "PATTERNS", "Mapping", "Unsupported", "fusion", "op", "pattern", "put"]

Mapping = tuple[dict, list[str], list[int]]
OpFn = Callable[[Node, Context], Mapping]
PatternFn = Callable[[Node, Context], Mapping | None]
FusionFn = Callable[[Node, Context, Mapping], Mapping]

OPS: dict[str, OpFn] = {}
PATTERNS: dict[str, list[PatternFn]] = {}
FUSIONS: dict[str, list[FusionFn]] = {}


def op(*op_types: str) -> Callable[[OpFn], OpFn]:
    """Register a mapping for these op types (of the default ONNX domain)."""
    return _registrar(op_types, OPS.__setitem__)


def pattern(*op_types: str) -> Callable[[PatternFn], PatternFn]:
    """Register a pattern starting at a node of these op types, tried before the op table."""
    return _registrar(op_types, lambda op_type, fn: PATTERNS.setdefault(op_type, []).append(fn))


def fusion(*op_types: str) -> Callable[[FusionFn], FusionFn]:
    """Register a fusion of the node after one of these op types into its layer."""
    return _registrar(op_types, lambda op_type, fn: FUSIONS.setdefault(op_type, []).append(fn))


def _registrar(op_types: tuple[str, ...], add: Callable) -> Callable:
    def register(fn):
        for op_type in op_types:
            add(op_type, fn)
        return fn

    return register


def put(config: dict, key: str, value, default) -> None:
    """Set a key unless it is the layer type's default (the spec stays as a user writes it)."""
    if value != default:
        config[key] = value

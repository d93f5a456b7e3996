"""Cost: multiply-accumulates, parameter memory and activation memory, per layer and in total.

MACs count the multiply-accumulates of convolutions, transposed convolutions and linear
layers (bias additions not counted), as torchvision's published figures do; normalisation,
activations, pooling, merges and upsampling are not counted. FLOPs = 2 × MACs. Memory is for
one forward pass (inference) of `batch` samples stored as `dtype`; the peak is the largest sum
of activations alive at once when layers run in order and each activation is freed after its
last reader (the model's outputs are kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from archlint.graph import INPUT, outputs
from archlint.inference import Analysis

DTYPE_BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


@dataclass(frozen=True)
class Totals:
    params: int
    macs: int
    param_bytes: int
    activation_bytes: int  # the input and every layer's output, summed
    peak_activation_bytes: int

    @property
    def flops(self) -> int:
        return 2 * self.macs


def activation_bytes(analysis: Analysis, name: str, dtype: str = "float32", batch: int = 1) -> int:
    result = analysis.layers[name]
    return prod(result.output) * batch * DTYPE_BYTES[dtype] if result.output else 0


def peak_activation_bytes(analysis: Analysis, dtype: str = "float32", batch: int = 1) -> int:
    """The most activation memory alive at once, running the layers in topological order."""
    size = {INPUT: prod(analysis.input_shape) * batch * DTYPE_BYTES[dtype]}
    waiting = {INPUT: len(analysis.flow.readers[INPUT])}
    kept = set(outputs(analysis.spec))
    live = peak = size[INPUT]
    for name in analysis.layers:
        size[name] = activation_bytes(analysis, name, dtype, batch)
        waiting[name] = len(analysis.flow.readers[name])
        live += size[name]
        peak = max(peak, live)
        for source in analysis.flow.sources[name]:
            waiting[source] -= 1
            if waiting[source] == 0 and source not in kept:
                live -= size[source]
    return peak


def totals(analysis: Analysis, dtype: str = "float32", batch: int = 1) -> Totals:
    layers = analysis.layers
    params = analysis.total_params
    return Totals(
        params=params,
        macs=analysis.total_macs * batch,
        param_bytes=params * DTYPE_BYTES[dtype],
        activation_bytes=prod(analysis.input_shape) * batch * DTYPE_BYTES[dtype]
        + sum(activation_bytes(analysis, n, dtype, batch) for n in layers),
        peak_activation_bytes=peak_activation_bytes(analysis, dtype, batch),
    )


def human(n: float, unit: str = "") -> str:
    """1.81G, 25.6M, 3.1 KiB: short figures for tables."""
    if unit == "B":
        for suffix in ("B", "KiB", "MiB", "GiB"):
            if abs(n) < 1024 or suffix == "GiB":
                return f"{n:.0f} {suffix}" if suffix == "B" else f"{n:.1f} {suffix}"
            n /= 1024
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{suffix}"
    return f"{n:.0f}"

"""`archlint summary`: per-layer shapes, parameters, MACs and memory, like model.summary().

Everything comes from the file alone; see cost.py for what the figures count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from math import prod

from archlint import cost
from archlint.check import FileResult
from archlint.layers import fmt_shape
from archlint.receptive import receptive_fields
from archlint.report import _plural, diagnostic_text


@dataclass(frozen=True)
class Options:
    dtype: str = "float32"
    batch: int = 1
    fc_equivalent: bool = False  # show what a fully connected layer would need beside convs


def rows(result: FileResult, options: Options = Options()) -> list[dict]:
    analysis = result.analysis
    if analysis is None:
        return []
    fields = receptive_fields(analysis) if result.graph_complete else {}
    out = []
    for r in sorted(analysis.layers.values(), key=lambda r: r.index):
        row = {
            "name": r.name,
            "type": r.type,
            "output_shape": list(r.output) if r.output else None,
            "params": r.params,
            "macs": None if r.macs is None else r.macs * options.batch,
            "activation_bytes": cost.activation_bytes(
                analysis, r.name, options.dtype, options.batch
            )
            if r.output
            else None,
        }
        row["receptive_field"] = [
            {"size": f.size, "jump": _number(f.jump), "start": _number(f.start)}
            for f in fields.get(r.name, ())
        ] or None
        if options.fc_equivalent and r.type.startswith("conv") and r.output and r.inputs:
            # the lecture's comparison: (32·32·10) × (32·32·3 + 1) = 31,467,520 against 760
            row["fc_equivalent_params"] = prod(r.output) * (prod(r.inputs[0]) + 1)
        out.append(row)
    return out


def _number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def _field_text(row: dict) -> str:
    """'212' for a square field, '195×131' otherwise, '' where there is none."""
    fields = row["receptive_field"]
    if not fields:
        return ""
    sizes = [str(f["size"]) for f in fields]
    return sizes[0] if len(set(sizes)) == 1 else "×".join(sizes)


def _totals(result: FileResult, options: Options) -> dict | None:
    if result.analysis is None:
        return None
    t = cost.totals(result.analysis, options.dtype, options.batch)
    return {
        "params": t.params,
        "macs": t.macs,
        "flops": t.flops,
        "param_bytes": t.param_bytes,
        "activation_bytes": t.activation_bytes,
        "peak_activation_bytes": t.peak_activation_bytes,
    }


def as_json(results: list[FileResult], options: Options = Options()) -> str:
    out = []
    for result in results:
        spec = result.document.spec
        totals = _totals(result, options)
        out.append(
            {
                "file": result.path,
                "model": spec.model.name if spec else None,
                "input_shape": list(spec.input.shape) if spec else None,
                "dtype": options.dtype,
                "batch": options.batch,
                "layers": rows(result, options),
                "total_params": totals["params"] if totals else None,
                "totals": totals,
                "diagnostics": [d.to_dict() for d in result.diagnostics],
            }
        )
    return json.dumps(out, indent=2, ensure_ascii=False)


WIDTH = 100  # the text summary's widest line, in characters


def _cut(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def as_text(results: list[FileResult], options: Options = Options()) -> str:
    return "\n\n".join(_block(result, options) for result in results)


def _block(result: FileResult, options: Options) -> str:
    spec = result.document.spec
    if spec is None or result.analysis is None:
        return f"{result.path}: not a valid spec, no summary\n" + "\n".join(
            map(diagnostic_text, result.diagnostics)
        )
    header = ["layer", "type", "output shape", "params"]
    header += ["as fc layer"] if options.fc_equivalent else []
    header += ["MACs", "memory", "RF"]
    table = [header]
    for r in rows(result, options):
        shape = "×".join(map(str, r["output_shape"])) if r["output_shape"] else "unknown"
        line = [
            r["name"], _cut(r["type"], 18), shape,
            "?" if r["params"] is None else f"{r['params']:,}",
        ]  # fmt: skip
        if options.fc_equivalent:
            n = r.get("fc_equivalent_params")
            # exact up to 999,999,999, as wide as the header; beyond, 2.52G (exact in JSON)
            line.append("" if n is None else f"{n:,}" if n < 10**9 else cost.human(n))
        memory = r["activation_bytes"]
        line += [
            "?" if r["macs"] is None else cost.human(r["macs"]),
            "?" if memory is None else cost.human(memory, "B"),
            _field_text(r),
        ]
        table.append(line)
    # long layer names are cut to 28 characters, or fewer where the other columns leave less
    # room within WIDTH; the cut keeps a name's end, which tells the layers of a block apart
    others = sum(max(len(row[i]) for row in table) for i in range(1, len(header)))
    room = max(12, min(28, WIDTH - 2 - 2 * (len(header) - 1) - others))
    for row in table[1:]:
        row[0] = row[0] if len(row[0]) <= room else "…" + row[0][len(row[0]) - room + 1 :]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        f"{spec.model.name or result.path} ({result.path}): input {fmt_shape(spec.input.shape)}"
    ]
    for n, row in enumerate(table):
        cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("─" * w for w in widths))
    unknown = sum(r.output is None for r in result.analysis.layers.values())
    if not result.graph_complete:
        lines.append("  no shapes: the graph is broken (a cycle or a bad reference)")
    elif unknown:
        lines.append(f"  {unknown} of {len(spec.layers)} layers have unknown shapes:"
                     " the totals below count only the others")  # fmt: skip
    t = cost.totals(result.analysis, options.dtype, options.batch)
    per = f"{options.dtype}, batch {options.batch}"
    lines += [
        f"  parameters: {t.params:,} ({cost.human(t.param_bytes, 'B')} as {options.dtype})",
        f"  MACs: {cost.human(t.macs)} (FLOPs = 2 × MACs = {cost.human(t.flops)};"
        f" batch {options.batch})",
        f"  activations: {cost.human(t.activation_bytes, 'B')} in all,"
        f" peak {cost.human(t.peak_activation_bytes, 'B')} ({per})",
    ]
    if result.diagnostics:
        lines.append(
            f"  {_plural(len(result.diagnostics), 'finding')}: run `archlint check"
            f" {result.path}` for details"
        )
    return "\n".join(lines)

"""`archlint diff OLD NEW`: what a change to a spec does to shapes, parameters and MACs.

Layers are matched by name. For code review and CI: the totals say what a change costs, the
rows say where.
"""

from __future__ import annotations

import json

from archlint.check import FileResult
from archlint.cost import human
from archlint.layers import fmt_shape


def _layers(result: FileResult) -> dict:
    return result.analysis.layers if result.analysis else {}


def diff(old: FileResult, new: FileResult) -> dict:
    before, after = _layers(old), _layers(new)
    names = list(after) + [n for n in before if n not in after]
    rows = []
    for name in names:
        a, b = before.get(name), after.get(name)
        row = {
            "name": name,
            "change": "added" if a is None else "removed" if b is None else "changed",
            "type": [a and a.type, b and b.type],
            "output_shape": [a and _shape(a.output), b and _shape(b.output)],
            "params": [a and a.params, b and b.params],
            "macs": [a and a.macs, b and b.macs],
        }
        compared = ("type", "output_shape", "params", "macs")
        if a is not None and b is not None and all(row[k][0] == row[k][1] for k in compared):
            row["change"] = "same"
        rows.append(row)
    total = {
        key: [sum(getattr(r, attr) or 0 for r in layers.values()) for layers in (before, after)]
        for key, attr in (("params", "params"), ("macs", "macs"))
    }
    return {"old": old.path, "new": new.path, "layers": rows, "totals": total}


def _shape(shape):
    return list(shape) if shape else None


def as_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def _delta(a: int, b: int, show=lambda n: f"{n:,}") -> str:
    if a == b:
        return show(a)
    sign = "+" if b > a else "−"
    percent = f", {sign}{abs(b - a) / a:.1%}" if a else ""
    return f"{show(a)} → {show(b)} ({sign}{show(abs(b - a))}{percent})"


def as_text(report: dict, show_all: bool = False) -> str:
    lines = [f"{report['old']} → {report['new']}"]
    changed = [r for r in report["layers"] if show_all or r["change"] != "same"]
    for r in changed:
        mark = {"added": "+", "removed": "−", "changed": "~", "same": " "}[r["change"]]
        shapes = [fmt_shape(tuple(s)) if s else "—" for s in r["output_shape"]]
        shape = shapes[0] if shapes[0] == shapes[1] else f"{shapes[0]} → {shapes[1]}"
        kind = r["type"][1] or r["type"][0]
        params = _delta(*(p or 0 for p in r["params"]))
        macs = [m or 0 for m in r["macs"]]
        macs_text = f"; MACs {_delta(*macs, show=human)}" if macs[0] != macs[1] else ""
        lines.append(f"  {mark} {r['name']} ({kind}): {shape}; params {params}{macs_text}")
    if not changed:
        lines.append("  no layer changed")
    t = report["totals"]
    lines.append(f"  total parameters: {_delta(*t['params'])}")
    lines.append(f"  total MACs: {_delta(*t['macs'], show=human)}")
    return "\n".join(lines)

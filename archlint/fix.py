"""`archlint check --fix`: apply the diagnostics' mechanical fixes, one at a time, and keep each
only if the re-checked file then has strictly fewer findings and no new ones.

TOML is edited with tomlkit, so comments and formatting stay as they were; JSON is rewritten
with the same indentation. Fixes that change shapes downstream (`Fix.safe` False) are applied
only when asked for (`--unsafe-fixes`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from archlint.check import FileResult, check
from archlint.config import Config
from archlint.diagnostics import Diagnostic
from archlint.loader import loads
from archlint.registry import Rule


@dataclass
class Fixed:
    result: FileResult  # the file as it is after the fixes
    text: str
    applied: list[Diagnostic]


def _identity(d: Diagnostic) -> tuple:
    return d.code, d.layer


def edit(text: str, fmt: str, index: int, key: str, value: object) -> str:
    """The text with `key` of the layer at `index` set to `value`."""
    if fmt == "json":
        data = json.loads(text)
        data["layers"][index][key] = value
        indent = next((len(line) - len(line.lstrip()) for line in text.splitlines()[1:]
                       if line.strip()), 2)  # fmt: skip
        return json.dumps(data, indent=indent or None, ensure_ascii=False) + "\n"
    import tomlkit

    document = tomlkit.parse(text)
    document["layers"][index][key] = value
    return tomlkit.dumps(document)


def fix(
    result: FileResult, config: Config, unsafe: bool = False, rules: list[Rule] | None = None
) -> Fixed:
    """Apply `result`'s fixes one by one, re-checking with the same rules and config."""
    document = result.document
    fmt, text = document.format, document.text or ""
    applied: list[Diagnostic] = []
    tried: set[tuple] = set()
    while True:
        candidates = [
            d for d in result.diagnostics
            if d.fix and (d.fix.safe or unsafe) and (d.code, d.layer, d.fix.key) not in tried
        ]  # fmt: skip
        for d in candidates:
            tried.add((d.code, d.layer, d.fix.key))
            index = result.analysis.layers[d.layer].index
            new_text = edit(text, fmt, index, d.fix.key, d.fix.new)
            new = check(loads(new_text, fmt, document.path), rules=rules, config=config)
            before = {_identity(x) for x in result.diagnostics}
            if len(new.diagnostics) < len(result.diagnostics) and all(
                _identity(x) in before for x in new.diagnostics
            ):
                text, result = new_text, new
                applied.append(d)
                break
        else:
            return Fixed(result, text, applied)

"""Rules and how they are found: the entry-point group `archlint.rules`, built-ins included.

A rule is any object (usually a module) with CODE, NAME, SEVERITY, a docstring and
`check(analysis, options)` yielding Findings; OPTIONS (a dict of defaults) is optional. The
built-in rules in rules/ are registered exactly like a third-party plugin would be.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from archlint.diagnostics import PLUGIN_ERROR, Finding, Problem, Severity

GROUP = "archlint.rules"
CODE_PATTERN = re.compile(r"^[A-Z]{1,5}[0-9]{1,4}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    check: Callable[..., Iterable[Finding]]
    doc: str = ""
    options: dict = field(default_factory=dict)
    origin: str = "code"
    # checks a full set of option values; returns what is wrong with them, or None
    check_options: Callable[[dict], str | None] | None = None
    default: bool = True  # False: runs only when selected (select or extend-select)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    @classmethod
    def from_object(cls, obj: object, origin: str = "code") -> Rule:
        """A Rule from a module (or any object) with CODE, NAME, SEVERITY and check."""
        missing = [a for a in ("CODE", "NAME", "SEVERITY", "check") if not hasattr(obj, a)]
        if missing:
            raise ValueError("missing " + ", ".join(missing))
        code, name = obj.CODE, obj.NAME  # type: ignore[attr-defined]
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            raise ValueError(f"CODE {code!r} is not like 'AL001' (capitals, then digits)")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise ValueError(f"NAME {name!r} is not kebab-case")
        return cls(
            code=code,
            name=name,
            severity=Severity.parse(obj.SEVERITY),  # type: ignore[attr-defined]
            check=obj.check,  # type: ignore[attr-defined]
            doc=(getattr(obj, "__doc__", None) or "").strip(),
            options=dict(getattr(obj, "OPTIONS", {})),
            origin=origin,
            check_options=getattr(obj, "check_options", None),
            default=bool(getattr(obj, "DEFAULT", True)),
        )


def rule(code: str, name: str, severity: str = "warning", options: dict | None = None):
    """Decorator: turn a `check(analysis, options)` function into a Rule, doc from its docstring."""

    def wrap(check: Callable[..., Iterable[Finding]]) -> Rule:
        holder = type(
            "R",
            (),
            {
                "CODE": code,
                "NAME": name,
                "SEVERITY": severity,
                "OPTIONS": options or {},
                "check": staticmethod(check),
                "__doc__": check.__doc__,
            },
        )
        return Rule.from_object(holder)

    return wrap


def discover() -> tuple[list[Rule], list[Problem]]:
    """Every installed rule, sorted by code; plugins that fail to load become problems."""
    rules: dict[str, Rule] = {}
    problems: list[Problem] = []
    for dist, name, value in _entry_points():
        origin = "built-in" if dist == "archlint" else f"plugin {dist}"
        try:
            loaded = Rule.from_object(_load(value), origin)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a broken plugin (SystemExit too) must not end the run
            problems.append(
                Problem(
                    PLUGIN_ERROR,
                    f"rule plugin '{name}' ({value}) failed to load: {type(exc).__name__}: {exc}",
                )
            )
            continue
        clash = rules.get(loaded.code) or next(
            (r for r in rules.values() if r.name == loaded.name), None
        )
        if clash:
            problems.append(
                Problem(
                    PLUGIN_ERROR,
                    f"rule plugin '{name}' ({origin}) reuses {clash.code}"
                    f" {clash.name} of {clash.origin}; it was not loaded",
                )
            )
            continue
        rules[loaded.code] = loaded
    return sorted(rules.values(), key=lambda r: r.code), problems


# --- the entry points of the group, without importlib.metadata ------------------------------
#
# importlib.metadata.entry_points() imports email, zipfile and csv and parses every installed
# distribution's entry points: some 40 ms at each start-up, most of a check of a small file.
# The installed distributions are the *.dist-info and *.egg-info folders on sys.path; only
# the few whose entry_points.txt has an [archlint.rules] section are read further. As with
# importlib.metadata, the first distribution of a name on sys.path wins. (Distributions
# inside zip files on sys.path are not searched.)


def _entry_points() -> list[tuple[str, str, str]]:
    """(distribution, entry-point name, "module:attribute") for each rule, in sys.path order."""
    found, seen = [], set()
    for entry in sys.path:
        try:
            folders = sorted(e.path for e in os.scandir(entry or ".") if e.name.endswith(_INFO))
        except OSError:
            continue
        for folder in folders:
            key = _normalise(os.path.splitext(os.path.basename(folder))[0].split("-")[0])
            if key in seen:
                continue
            seen.add(key)
            text = _read(os.path.join(folder, "entry_points.txt"))
            if text is None or f"[{GROUP}]" not in text:
                continue
            dist = _dist_name(folder) or key
            found += [(dist, name, value) for name, value in _section(text, GROUP)]
    return found


_INFO = (".dist-info", ".egg-info")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError):
        return None


def _dist_name(folder: str) -> str | None:
    """The Name: header of the distribution's METADATA (PKG-INFO for an egg)."""
    for metadata in ("METADATA", "PKG-INFO"):
        text = _read(os.path.join(folder, metadata))
        if text is not None:
            for line in text.splitlines():
                if line.startswith("Name:"):
                    return line[5:].strip()
                if not line.strip():
                    break  # the headers end at the first empty line
    return None


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The `name = value` lines of one [group] of an entry_points.txt (an INI file)."""
    lines, inside = [], False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            inside = line == f"[{group}]"
        elif inside and "=" in line and not line.startswith(("#", ";")):
            name, value = line.split("=", 1)
            lines.append((name.strip(), value.strip()))
    return lines


def _load(value: str) -> object:
    """What "package.module:attribute.path" names (the extras in [brackets] ignored)."""
    module, _, attribute = value.split("[")[0].strip().partition(":")
    obj = importlib.import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        obj = getattr(obj, part)
    return obj


@cache
def off_by_default() -> frozenset[str]:
    """Codes of installed rules that run only when selected."""
    return frozenset(r.code for r in installed_rules()[0] if not r.default)


@cache
def installed_rules() -> tuple[tuple[Rule, ...], tuple[Problem, ...]]:
    """The installed rules and the plugins that failed to load, discovered once per process."""
    rules, problems = discover()
    return tuple(rules), tuple(problems)

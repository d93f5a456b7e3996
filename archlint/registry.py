"""Rules and how they are found: the entry-point group `archlint.rules`, built-ins included.

A rule is any object (usually a module) with CODE, NAME, SEVERITY, a docstring and
`check(analysis, options)` yielding Findings; OPTIONS (a dict of defaults) is optional. The
built-in rules in rules/ are registered exactly like a third-party plugin would be.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points

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
    for ep in entry_points(group=GROUP):
        dist = ep.dist.name if ep.dist else "?"
        origin = "built-in" if dist == "archlint" else f"plugin {dist}"
        try:
            loaded = Rule.from_object(ep.load(), origin)
        except Exception as exc:  # a broken plugin must not stop the other rules
            problems.append(
                Problem(
                    PLUGIN_ERROR,
                    f"rule plugin '{ep.name}' ({ep.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}",
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
                    f"rule plugin '{ep.name}' ({origin}) reuses {clash.code}"
                    f" {clash.name} of {clash.origin}; it was not loaded",
                )
            )
            continue
        rules[loaded.code] = loaded
    return sorted(rules.values(), key=lambda r: r.code), problems


@cache
def off_by_default() -> frozenset[str]:
    """Codes of installed rules that run only when selected."""
    return frozenset(r.code for r in installed_rules()[0] if not r.default)


@cache
def installed_rules() -> tuple[tuple[Rule, ...], tuple[Problem, ...]]:
    """The installed rules and the plugins that failed to load, discovered once per process."""
    rules, problems = discover()
    return tuple(rules), tuple(problems)

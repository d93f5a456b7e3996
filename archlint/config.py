"""Configuration: which rules run, how severe they are, their options, what fails the check.

Found as `--config FILE`, else by searching upward from each checked file, folder by folder:
the first folder with an `.archlint.toml`, or else a `pyproject.toml` with a `[tool.archlint]`
table, gives the config (the nearest folder wins, whatever the kind). Rules are named by
code or by name anywhere; everything is stored by code. A config that names an unknown key,
rule, option or value is a ConfigError (a usage error: exit 2) with a "did you mean".
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from archlint.diagnostics import RESERVED, Severity
from archlint.registry import Rule, installed_rules, off_by_default

KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "severity", "fail-on", "rules",
    "rule-timeout", "exclude", "extend-exclude", "respect-gitignore", "force-exclude",
)  # fmt: skip
RULE_TIMEOUT = 10.0
"""Seconds each rule may take on one file before it is abandoned (AL906); 0: no limit."""


class ConfigError(Exception):
    """A configuration that cannot be used, with the file it came from."""


@dataclass
class Config:
    select: list[str] | None = None  # codes; None: every rule
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> codes
    severity: dict[str, Severity] = field(default_factory=dict)  # code -> override
    fail_on: Severity = Severity.WARNING
    options: dict[str, dict] = field(default_factory=dict)  # code -> {option: value}
    source: Path | None = None  # the file it came from; globs are relative to its folder
    rule_timeout: float = RULE_TIMEOUT  # seconds per rule and file; 0: no limit
    # which files a folder's walk skips (archlint/discovery.py): gitignore-style patterns,
    # relative to the config's folder; exclude None: the defaults (discovery.DEFAULT_EXCLUDE)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False  # exclude files named on the command line too

    def selects(self, code: str, path: str | Path | None = None) -> bool:
        everything = self.select is None and code not in off_by_default()
        chosen = everything or code in (self.select or ()) or code in self.extend_select
        return chosen and code not in self.ignore and code not in self.file_ignores(path)

    def file_ignores(self, path: str | Path | None) -> set[str]:
        if path is None or not self.per_file_ignores:
            return set()
        path = Path(path).resolve()
        root = self.source.parent.resolve() if self.source else Path.cwd()
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            relative = path.as_posix()
        return {
            code
            for pattern, codes in self.per_file_ignores.items()
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern)
            for code in codes
        }

    def options_for(self, rule: Rule) -> dict:
        return {**rule.options, **self.options.get(rule.code, {})}


def find_config(start: str | Path) -> Path | None:
    """The config for `start` (a file or folder): in the nearest folder at or above it that has
    one, its .archlint.toml, else its pyproject.toml with [tool.archlint]."""
    folder = Path(start).resolve()
    folder = folder if folder.is_dir() else folder.parent
    for here in (folder, *folder.parents):
        if (here / ".archlint.toml").is_file():
            return here / ".archlint.toml"
        pyproject = here / "pyproject.toml"
        if pyproject.is_file() and _has_archlint_table(pyproject):
            return pyproject
    return None


def _has_archlint_table(pyproject: Path) -> bool:
    text = pyproject.read_text(encoding="utf-8", errors="replace")
    if "archlint" not in text:
        return False
    try:
        return isinstance(tomllib.loads(text).get("tool", {}).get("archlint"), dict)
    except (ValueError, RecursionError):  # a TOMLDecodeError, or past Python's limits
        return "[tool.archlint" in text  # a broken file that means us: load_config says why


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except (ValueError, RecursionError) as exc:  # a TOMLDecodeError, or past Python's limits
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("archlint", {})
    return parse_config(data, path)


def parse_config(data: dict, source: Path | None = None) -> Config:
    """A Config from a dict of config keys, every name checked against the installed rules."""
    where = f"{source}: " if source else ""
    rules, _ = installed_rules()
    codes = _rule_codes(rules)

    def fail(message: str, word: str = "", choices=()) -> ConfigError:
        close = difflib.get_close_matches(word, list(choices), n=1) if word else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return ConfigError(f"{where}{message}{hint}")

    def rule_list(key: str, value: object) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"'{key}' must be a list of rule codes or names")
        unknown = [v for v in value if v not in codes]
        if unknown:
            raise fail(f"'{key}': unknown rule '{unknown[0]}'", unknown[0], codes)
        return [codes[v] for v in value]

    def severity(key: str, value: object) -> Severity:
        try:
            return Severity.parse(value)  # type: ignore[arg-type]
        except (ValueError, AttributeError):
            raise fail(f"'{key}': {value!r} is not error, warning or info") from None

    def table(key: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise fail(f"'{key}' must be a table")
        return value

    for key in data:
        if key not in KEYS:
            raise fail(f"unknown key '{key}'", key, KEYS)
    config = Config(source=source)
    if "select" in data:
        config.select = rule_list("select", data["select"])
    config.extend_select = rule_list("extend-select", data.get("extend-select", []))
    config.ignore = rule_list("ignore", data.get("ignore", []))
    if "fail-on" in data:
        config.fail_on = severity("fail-on", data["fail-on"])
    if "rule-timeout" in data:
        seconds = _seconds(data["rule-timeout"])
        if seconds is None:
            raise fail("'rule-timeout' should be a number of seconds ≥ 0 (0: no limit)")
        config.rule_timeout = seconds
    for key in ("exclude", "extend-exclude"):
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(f"'{key}' must be a list of gitignore-style patterns")
            from archlint.discovery import pattern_problem

            for pattern in value:
                if problem := pattern_problem(pattern):
                    raise fail(f"'{key}': {problem}")
            setattr(config, key.replace("-", "_"), list(value))
    for key in ("respect-gitignore", "force-exclude"):
        if key in data:
            if not isinstance(data[key], bool):
                raise fail(f"'{key}' must be true or false")
            setattr(config, key.replace("-", "_"), data[key])
    for pattern, value in table("per-file-ignores").items():
        config.per_file_ignores[pattern] = rule_list(f"per-file-ignores.{pattern}", value)
    for name, value in table("severity").items():
        if name not in codes:
            raise fail(f"'severity': unknown rule '{name}'", name, codes)
        config.severity[codes[name]] = severity(f"severity.{name}", value)
    by_code = {r.code: r for r in rules}
    for name, options in table("rules").items():
        if name not in codes or codes[name] not in by_code:
            raise fail(f"'rules': unknown rule '{name}'", name, codes)
        rule = by_code[codes[name]]
        if not isinstance(options, dict):
            raise fail(f"'rules.{name}' must be a table of options")
        for option, value in options.items():
            if option not in rule.options:
                known = ", ".join(rule.options) or "none"
                raise fail(
                    f"'rules.{name}': unknown option '{option}' (options: {known})",
                    option,
                    rule.options,
                )
            default = rule.options[option]
            if not _same_kind(value, default):
                kind = "number ≥ 0" if default is None else type(default).__name__
                raise fail(
                    f"'rules.{name}.{option}': {value!r} should be a {kind}"
                    f" like the default {default!r}"
                )
        problem = rule.check_options({**rule.options, **options}) if rule.check_options else None
        if problem:
            raise fail(f"'rules.{name}': {problem}")
        config.options[rule.code] = dict(options)
    return config


def _seconds(value: object) -> float | None:
    """A finite number ≥ 0 as a float, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if 0 <= seconds < math.inf else None


def _same_kind(value: object, default: object) -> bool:
    if default is None:  # an option that is off by default takes a number
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _rule_codes(rules: list[Rule]) -> dict[str, str]:
    """Every accepted way of naming a rule -> its code."""
    codes = {}
    for r in [*rules, *RESERVED]:
        codes[r.code] = codes[r.name] = r.code
    return codes


def rule_code(name: str) -> str | None:
    """The code of a rule named by code or name, or None."""
    rules, _ = installed_rules()
    return _rule_codes(rules).get(name)

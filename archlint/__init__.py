"""archlint: a static linter for convolutional network architectures.

The Python API, in pipeline order:

    doc = archlint.load("model.toml")          # or loads(text, "json"), from_dict({...})
    analysis, problems = archlint.analyze(doc.spec)
    result = archlint.check(doc)               # every installed rule, located diagnostics

`check` also takes a path, a Spec or a dict, and `config=` a Config, a dict of config keys or
a config file's path; a wrong argument is a TypeError or ValueError saying what is taken.
"""

from archlint.check import FileResult, analyze, check
from archlint.config import Config, ConfigError, find_config, load_config, parse_config
from archlint.diagnostics import Diagnostic, Finding, Severity
from archlint.inference import Analysis, LayerResult
from archlint.loader import Document, LoadError, from_dict, load, loads
from archlint.receptive import Field, receptive_fields
from archlint.registry import Rule, installed_rules, rule
from archlint.spec import Spec

__all__ = [
    "Analysis", "Config", "ConfigError", "Diagnostic", "Document", "Field", "FileResult",
    "Finding", "LayerResult", "LoadError", "Rule", "Severity", "Spec", "analyze", "check",
    "find_config", "from_dict", "installed_rules", "load", "load_config", "loads",
    "parse_config", "receptive_fields", "rule",
]  # fmt: skip
__version__ = "0.1.0"

"""archlint: a static linter for convolutional network architectures.

The Python API, in pipeline order:

    doc = archlint.load("model.toml")          # or loads(text, "json"), from_dict({...})
    analysis, problems = archlint.analyze(doc.spec)
    result = archlint.check(doc)               # every installed rule, located diagnostics
"""

from archlint.check import Config, FileResult, analyze, check, installed_rules
from archlint.diagnostics import Diagnostic, Finding, Severity
from archlint.inference import Analysis, LayerResult
from archlint.loader import Document, LoadError, from_dict, load, loads
from archlint.registry import Rule, rule
from archlint.spec import Spec

__all__ = [
    "Analysis",
    "Config",
    "Diagnostic",
    "Document",
    "FileResult",
    "Finding",
    "LayerResult",
    "LoadError",
    "Rule",
    "Severity",
    "Spec",
    "analyze",
    "check",
    "from_dict",
    "installed_rules",
    "load",
    "loads",
    "rule",
]
__version__ = "0.1.0"

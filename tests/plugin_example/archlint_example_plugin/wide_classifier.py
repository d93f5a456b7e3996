"""A classifier with more outputs than a limit (a stand-in for a team's house rule).

**Why it matters.** Shows that a third-party rule uses exactly the built-in rules' interface.

**Options**
- `max_classes` (default 1000).

**Fails**
```toml
[input]
features = 64

[[layers]]
name = "fc"
type = "linear"
out_features = 5000    # expect: EX001
```

**Passes**
```toml
[input]
features = 64

[[layers]]
name = "fc"
type = "linear"
out_features = 10
```
"""

from archlint import Finding

CODE = "EX001"
NAME = "wide-classifier"
SEVERITY = "warning"
OPTIONS = {"max_classes": 1000}


def check(analysis, options):
    for layer in analysis.layers.values():
        if layer.type == "linear" and layer.output and layer.output[-1] > options["max_classes"]:
            yield Finding(
                layer.name,
                f"{layer.output[-1]} outputs, more than {options['max_classes']}",
                field="out_features",
            )

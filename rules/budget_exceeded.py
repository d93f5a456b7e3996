"""A network over the budget set for it: parameters, MACs or activation memory.

**Why it matters.** A model meant for a phone, a microcontroller or a latency target has
limits; a change that adds a few layers can break them without anyone noticing until the model
is deployed. Set the budgets in the config and every check (and CI) enforces them. All budgets
are off until set; memory is counted as `dtype` (default float32) for `batch` samples (default
1), as `archlint summary` does.

**Options**
- `max_params`: the most parameters.
- `max_macs`: the most multiply-accumulates of one forward pass.
- `max_activation_bytes`: the most activation memory alive at once (the peak).
- `dtype` (default "float32") and `batch` (default 1) for the memory and MACs budgets.

**Example options**
```toml
[rules.budget-exceeded]
max_params = 10000
```

**Fails**
```toml
[model]    # expect: AL011
name = "too-big"

[input]
channels = 3
height = 32
width = 32

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
out_features = 10
```

**Passes**
```toml
[model]
name = "small-enough"

[input]
channels = 3
height = 32
width = 32

[[layers]]
type = "global_avgpool"

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
out_features = 10
```
"""

from archlint import Finding
from archlint.cost import DTYPE_BYTES, human, totals

CODE = "AL011"
NAME = "budget-exceeded"
SEVERITY = "error"
OPTIONS = {
    "max_params": None,
    "max_macs": None,
    "max_activation_bytes": None,
    "dtype": "float32",
    "batch": 1,
}


def check(analysis, options):
    budgets = [
        ("parameters", "max_params", "params", lambda n: f"{n:,}"),
        ("MACs", "max_macs", "macs", human),
        ("peak activation memory", "max_activation_bytes", "peak_activation_bytes",
         lambda n: human(n, "B")),
    ]  # fmt: skip
    if all(options[key] is None for _, key, _, _ in budgets):
        return
    if any(r.output is None for r in analysis.layers.values()):
        return  # an unknown shape makes any total a guess; its cause is reported already
    figures = totals(analysis, options["dtype"], int(options["batch"]))
    for what, key, attribute, show in budgets:
        limit, actual = options[key], getattr(figures, attribute)
        if limit is not None and actual > limit:
            yield Finding(
                None,
                f"{what}: {show(actual)} is over the budget of {show(limit)}"
                f" ({actual / limit:.0%} of it)",
                help=f"raise {key} in the config, or slim the largest layers"
                " (`archlint summary` lists them)",
            )


def check_options(options):
    if options["dtype"] not in DTYPE_BYTES:
        return f"dtype {options['dtype']!r} is not one of {', '.join(DTYPE_BYTES)}"
    if not isinstance(options["batch"], int) or options["batch"] < 1:
        return f"batch {options['batch']!r} must be a whole number of samples, 1 or more"
    return None

"""Budgets: parameters, MACs and peak activation memory, from the config."""

import pytest

import archlint
from conftest import SAMPLES

RESNET18 = SAMPLES / "networks" / "resnet18.toml"


def budget(**options) -> list[archlint.Diagnostic]:
    config = archlint.parse_config({"rules": {"budget-exceeded": options}})
    return [
        d
        for d in archlint.check(RESNET18, config=config).diagnostics
        if d.rule == "budget-exceeded"
    ]


def test_no_budget_no_finding():
    assert budget() == []


def test_each_budget_reports_the_figure_and_the_limit():
    [d] = budget(max_params=10_000_000)
    assert d.message == "parameters: 11,689,512 is over the budget of 10,000,000 (117% of it)"
    assert (d.severity, d.layer, d.line) == (archlint.Severity.ERROR, None, 8)  # the [model] table
    [d] = budget(max_macs=1e9)
    assert d.message.startswith("MACs: 1.81G is over the budget of 1.00G")
    [d] = budget(max_activation_bytes=4 * 2**20, dtype="float32", batch=2)
    assert d.message.startswith("peak activation memory:")
    assert budget(max_params=12_000_000, max_macs=2e9) == []


# input 1×4×4 -> a: 1×1 conv to 2 channels (2·1 weights + 2 biases = 4 parameters;
# 2·4·4 outputs of 1 multiply-accumulate each = 32 MACs per sample) -> b: relu -> c = a + b.
# The peak, counted by hand in elements per sample: running a frees the input (16 + 32, then 32),
# b keeps a alive (32 + 32) and c needs a, b and itself: 96 elements; the input alone is 16.
TINY = [
    {"name": "a", "type": "conv2d", "out_channels": 2, "kernel_size": 1},
    {"name": "b", "type": "relu"},
    {"name": "c", "type": "add", "inputs": ["a", "b"]},
]


def tiny_budget(**options) -> list[str]:
    config = archlint.parse_config({"rules": {"budget-exceeded": options}})
    doc = archlint.from_dict({"input": {"channels": 1, "height": 4, "width": 4}, "layers": TINY})
    return [d.message for d in archlint.check(doc, config=config).diagnostics]


def test_memory_budget_counts_dtype_and_batch_exactly():
    # float16: 96 elements × 2 bytes = 192 B for one sample, 384 B for two
    assert tiny_budget(max_activation_bytes=300, dtype="float16") == []
    assert tiny_budget(max_activation_bytes=300, dtype="float16", batch=1) == []
    assert tiny_budget(max_activation_bytes=300, dtype="float16", batch=2) == [
        "peak activation memory: 384 B is over the budget of 300 B (128% of it)"
    ]
    assert tiny_budget(max_activation_bytes=191, dtype="float16") == [
        "peak activation memory: 192 B is over the budget of 191 B (101% of it)"
    ]
    # the defaults, float32 and one sample: 96 × 4 = 384 B; float32 for two: 768 B
    assert tiny_budget(max_activation_bytes=384) == []
    assert tiny_budget(max_activation_bytes=383) == [
        "peak activation memory: 384 B is over the budget of 383 B (100% of it)"
    ]
    assert tiny_budget(max_activation_bytes=700, batch=2) == [
        "peak activation memory: 768 B is over the budget of 700 B (110% of it)"
    ]
    # int8 for three samples: 96 × 1 × 3 = 288 B; float64 for one: 96 × 8 = 768 B
    assert tiny_budget(max_activation_bytes=287, dtype="int8", batch=3) == [
        "peak activation memory: 288 B is over the budget of 287 B (100% of it)"
    ]
    assert tiny_budget(max_activation_bytes=767, dtype="float64") == [
        "peak activation memory: 768 B is over the budget of 767 B (100% of it)"
    ]


def test_macs_budget_counts_the_batch_and_parameters_do_not():
    assert tiny_budget(max_macs=50) == []  # 32 for one sample
    assert tiny_budget(max_macs=50, batch=2) == ["MACs: 64 is over the budget of 50 (128% of it)"]
    assert tiny_budget(max_macs=64, batch=2, dtype="float16") == []
    for batch in (1, 5):
        assert tiny_budget(max_params=3, batch=batch) == [
            "parameters: 4 is over the budget of 3 (133% of it)"
        ]
    assert tiny_budget(max_params=4, batch=5) == []


def test_every_budget_set_at_once_reports_each_one_over():
    assert tiny_budget(max_params=3, max_macs=31, max_activation_bytes=383) == [
        "parameters: 4 is over the budget of 3 (133% of it)",
        "MACs: 32 is over the budget of 31 (103% of it)",
        "peak activation memory: 384 B is over the budget of 383 B (100% of it)",
    ]
    assert tiny_budget(max_params=4, max_macs=32, max_activation_bytes=384) == []


@pytest.mark.parametrize("options,words", [
    ({"max_params": "big"}, "should be a number ≥ 0"),
    ({"max_parms": 1}, "did you mean 'max_params'"),
])  # fmt: skip
def test_bad_budget_options_are_config_errors(options, words):
    with pytest.raises(archlint.ConfigError, match=words):
        archlint.parse_config({"rules": {"budget-exceeded": options}})


@pytest.mark.parametrize("rule,options,words", [
    ("budget-exceeded", {"max_macs": 1000, "batch": 0}, "batch 0 must be a whole number"),
    ("budget-exceeded", {"batch": 2.5}, "batch 2.5 must be a whole number"),
    ("budget-exceeded", {"dtype": "float8"}, "dtype 'float8' is not one of"),
    ("shrinking-activation-map", {"threshold": -1}, "threshold -1 must be a share"),
    ("shrinking-activation-map", {"threshold": 2}, "threshold 2 must be a share"),
    ("fc-parameter-dominance", {"share": 0}, "share 0 must be a share"),
    ("fc-parameter-dominance", {"share": -0.5}, "share -0.5 must be a share"),
    ("fc-parameter-dominance", {"share": 1.5}, "share 1.5 must be a share"),
    ("fc-parameter-dominance", {"min_params": -1}, "min_params must be 0 or more"),
])  # fmt: skip
def test_option_values_are_checked_by_their_rule(rule, options, words):
    with pytest.raises(archlint.ConfigError, match=words):
        archlint.parse_config({"rules": {rule: options}})


@pytest.mark.parametrize("rule,options", [
    ("fc-parameter-dominance", {"share": 1}),
    ("fc-parameter-dominance", {"share": 0.01}),
    ("fc-parameter-dominance", {"min_params": 0}),
    ("shrinking-activation-map", {"threshold": 1}),
    ("budget-exceeded", {"max_params": 0, "batch": 1, "dtype": "int8"}),
])  # fmt: skip
def test_option_values_at_the_edges_of_their_range_are_taken(rule, options):
    config = archlint.parse_config({"rules": {rule: options}})
    assert [value for value in config.options.values()] == [options]

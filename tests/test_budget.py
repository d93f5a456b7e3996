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
])  # fmt: skip
def test_option_values_are_checked_by_their_rule(rule, options, words):
    with pytest.raises(archlint.ConfigError, match=words):
        archlint.parse_config({"rules": {rule: options}})

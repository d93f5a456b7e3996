"""Each rule's documentation is executable: its failing example fires, its passing one does not.

A rule's docstring holds a **Fails** and a **Passes** TOML block; the failing block marks the
line the diagnostic must point at with `# expect: CODE`.
"""

import re

import pytest

import archlint

RULES, PLUGIN_PROBLEMS = archlint.installed_rules()
BUILT_IN = [r for r in RULES if r.origin == "built-in"]


def examples(rule: archlint.Rule) -> dict[str, str]:
    blocks = re.findall(
        r"\*\*(Fails|Passes|Example options)\*\*\s*```toml\n(.*?)```", rule.doc, re.S
    )
    return {kind: text for kind, text in blocks}


def config(rule: archlint.Rule) -> archlint.Config:
    """The rule's **Example options** block, if it has one (e.g. a budget to exceed)."""
    import tomllib

    text = examples(rule).get("Example options")
    return archlint.parse_config(tomllib.loads(text)) if text else archlint.Config()


def test_the_built_in_rules_are_registered_through_entry_points():
    assert not PLUGIN_PROBLEMS
    assert [r.name for r in BUILT_IN] == [
        "non-integer-output",
        "collapsed-activation-map",
        "shrinking-activation-map",
        "padding-mismatch",
        "channel-mismatch",
        "feature-mismatch",
        "merge-mismatch",
        "stride-exceeds-kernel",
        "fc-parameter-dominance",
        "bias-before-batchnorm",
        "budget-exceeded",
        "lossy-input-size",
    ]
    assert [r.code for r in BUILT_IN] == [f"AL{n:03d}" for n in range(1, 13)]


@pytest.mark.parametrize("rule", BUILT_IN, ids=lambda r: r.name)
def test_rule_has_documentation_with_both_examples(rule):
    assert rule.summary and not rule.summary.endswith(":")
    assert "**Why it matters.**" in rule.doc
    assert set(examples(rule)) >= {"Fails", "Passes"}, (
        "a rule needs a failing and a passing example"
    )


@pytest.mark.parametrize("rule", BUILT_IN, ids=lambda r: r.name)
def test_failing_example_fires_at_the_marked_line(rule):
    text = examples(rule)["Fails"]
    marked = [n for n, line in enumerate(text.splitlines(), 1) if f"# expect: {rule.code}" in line]
    assert len(marked) == 1, "mark the expected line with '# expect: CODE'"
    result = archlint.check(archlint.loads(text, "toml", "example.toml"), config=config(rule))
    fired = [d for d in result.diagnostics if d.code == rule.code]
    assert fired, f"{rule.name} did not fire on its failing example"
    assert fired[0].line == marked[0]


@pytest.mark.parametrize("rule", BUILT_IN, ids=lambda r: r.name)
def test_passing_example_is_clean(rule):
    result = archlint.check(
        archlint.loads(examples(rule)["Passes"], "toml", "example.toml"), config=config(rule)
    )
    assert result.diagnostics == []

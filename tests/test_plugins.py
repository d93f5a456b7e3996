"""Third-party rules: a real plugin package, installed, listed, firing; broken ones isolated."""

import subprocess
import sys

import pytest

import archlint
from conftest import ROOT

PLUGIN = ROOT / "tests" / "plugin_example"
WIDE = """[input]
channels = 3
height = 7
width = 7

[[layers]]
name = "conv"
type = "conv2d"
out_channels = 4
kernel_size = 3
stride = 3

[[layers]]
type = "flatten"

[[layers]]
name = "fc"
type = "linear"
out_features = 5000
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The example plugin pip-installed into a folder that only our subprocesses see."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(PLUGIN)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def archlint_cli(site, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archlint", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_plugin_rule_is_listed_and_explained(site):
    listing = archlint_cli(site, "rules")
    assert "EX001  wide-classifier" in listing.stdout
    assert "plugin archlint-example-plugin" in listing.stdout
    assert "AL001  non-integer-output" in listing.stdout and "built-in" in listing.stdout
    explained = archlint_cli(site, "explain", "wide-classifier").stdout
    assert "A classifier with more outputs than a limit" in explained and "max_classes" in explained


def test_plugin_fires_and_a_broken_plugin_is_one_clear_diagnostic(site, tmp_path):
    spec = tmp_path / "wide.toml"
    spec.write_text(WIDE)
    result = archlint_cli(site, "check", str(spec))
    assert f"{spec}:19:1: EX001 warning: fc: 5000 outputs, more than 1000" in result.stdout
    assert "AL001 warning: conv" in result.stdout  # the built-in rules still run
    broken = [line for line in result.stderr.splitlines() if "AL906" in line]
    assert len(broken) == 1
    assert "rule plugin 'broken'" in broken[0] and "broken on purpose" in broken[0]
    assert "Traceback" not in result.stderr
    assert result.returncode == 2  # an internal error: the environment has a broken plugin


def test_plugin_options_come_from_config(site, tmp_path):
    spec = tmp_path / "wide.toml"
    spec.write_text(WIDE)
    (tmp_path / ".archlint.toml").write_text("[rules.wide-classifier]\nmax_classes = 10000\n")
    result = archlint_cli(site, "check", "--format", "json", str(spec))
    assert "EX001" not in result.stdout and "AL001" in result.stdout


def test_a_rule_that_raises_is_reported_and_the_others_still_run():
    @archlint.rule("X900", "explodes", "warning")
    def explodes(analysis, options):
        """Always raises."""
        raise RuntimeError("boom")
        yield

    @archlint.rule("X901", "counts-layers", "info")
    def counts(analysis, options):
        """Reports the number of layers."""
        yield archlint.Finding("conv", f"{len(analysis.layers)} layers")

    doc = archlint.loads(WIDE, "toml", "wide.toml")
    result = archlint.check(doc, rules=[explodes, counts])
    codes = [(d.code, d.message) for d in result.diagnostics]
    assert ("AL906", "rule X900 explodes (code) crashed: RuntimeError: boom") in codes
    assert ("X901", "3 layers") in codes


def test_malformed_rule_objects_are_refused_with_a_reason():
    class NoCheck:
        CODE, NAME, SEVERITY = "X1", "no-check", "info"

    class BadName:
        CODE, NAME, SEVERITY = "X2", "Bad Name", "info"
        check = staticmethod(lambda a, o: [])

    for obj, words in ((NoCheck, "missing check"), (BadName, "not kebab-case")):
        with pytest.raises(ValueError, match=words):
            archlint.Rule.from_object(obj)

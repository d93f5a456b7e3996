"""The README tells the truth: its code runs, its rule table is the rules' own summaries."""

import re

from click.testing import CliRunner

import archlint
from archlint.cli import main
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_rule_table_is_generated_from_the_rules():
    table = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", README, re.S)[1]
    result = CliRunner().invoke(main, ["rules", "--markdown"])
    assert result.exit_code == 0
    assert table == result.output.strip(), "regenerate with `archlint rules --markdown`"


def test_quick_start_is_two_commands_and_the_sample_checks_clean():
    quick = re.search(r"## Quick start\n.*?```sh\n(.*?)```", README, re.S)[1].strip().splitlines()
    assert quick == [
        "pip install . && archlint check samples/networks/resnet18.toml",
        "pip install '.[test]' && pytest",
    ]
    result = archlint.check(ROOT / "samples/networks/resnet18.toml")
    assert not result.fails(archlint.Severity.WARNING)


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "\npip install '.[test]' && pytest\n" in ci


def test_every_layer_type_is_documented():
    from archlint.layers import LAYER_TYPES

    for name in LAYER_TYPES:
        stem = re.sub(r"[123]d$", "", name)
        assert f"`{name}`" in README or stem in README, name


def test_configuration_example_is_a_valid_config():
    import tomllib

    block = re.search(r"## Configuration\n.*?```toml\n(.*?)```", README, re.S)[1]
    config = archlint.parse_config(tomllib.loads(block))
    assert config.select == ["AL001", "AL004"] and config.fail_on == archlint.Severity.ERROR
    assert config.options["AL003"] == {"threshold": 0.3}


def test_suppression_example_silences_what_it_says():
    block = re.search(r"## Suppressing a finding\n.*?```toml\n(.*?)```", README, re.S)[1]
    spec = "[input]\nchannels = 3\nheight = 224\nwidth = 224\n\n"
    text = block.replace("\n\n[[layers]]", "\n\n" + spec + "[[layers]]", 1)
    silenced = archlint.check(archlint.loads(text, "toml", "example.toml"))
    assert silenced.diagnostics == []
    bare = re.sub(r"ignore = .*\n|#\s*archlint: ignore\[AL008\].*", "\n", text)
    found = archlint.check(archlint.loads(bare, "toml", "example.toml"))
    assert sorted(d.rule for d in found.diagnostics) == [
        "non-integer-output",
        "stride-exceeds-kernel",
    ]


def test_readme_picture_is_what_archlint_graph_draws_now():
    from archlint import draw

    assert "![tiny-resnet, drawn by archlint graph](docs/tiny_resnet.svg)" in README
    drawn = draw.render(archlint.check(ROOT / "samples" / "tiny_resnet.toml"), "svg")
    assert (ROOT / "docs" / "tiny_resnet.svg").read_text(encoding="utf-8") == drawn, (
        "redraw it: archlint graph samples/tiny_resnet.toml -o docs/tiny_resnet.svg"
    )


def test_opening_example_is_what_archlint_prints(monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = re.search(r"```\n(samples/lecture/strides_7x7.toml:.*?)```", README, re.S)[1]
    output = CliRunner().invoke(main, ["check", "samples/lecture/strides_7x7.toml"]).output
    assert output.startswith(shown)


def test_summary_example_is_what_archlint_prints(monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = re.search(r"```\n(  parameters: 25,557,032.*?)```", README, re.S)[1]
    output = CliRunner().invoke(main, ["summary", "samples/networks/resnet50.toml"]).output
    assert shown in output

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


def documented_layer_types() -> list[str]:
    """The types in the first column of the README's "| types | keys |" table.

    A cell names types in backticks; `conv_transpose1d/2d/3d` stands for the three; a key in
    parentheses after a type (`leaky_relu` (`negative_slope`)) is not a type.
    """
    table = re.search(r"\n\| types \| keys \|\n\|---\|---\|\n(.*?)\n\n", README, re.S)
    assert table, "the README's table of layer types moved: update this test with it"
    types = []
    for row in table[1].splitlines():
        cell = re.sub(r"\(`[^)]*\)", "", row.split("|")[1])
        for name in re.findall(r"`([a-z0-9_/]+)`", cell):
            stem, *dims = name.split("/")
            if dims:
                base = re.sub(r"1d$", "", stem)
                types += [stem, *(base + d for d in dims)]
            else:
                types.append(name)
    return types


def test_every_layer_type_is_documented_in_the_types_table_once():
    from archlint.layers import LAYER_TYPES

    documented = documented_layer_types()
    assert len(documented) == len(set(documented)), "a type in two rows"
    assert set(documented) == set(LAYER_TYPES)


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


def test_mutation_commands_are_ones_the_runner_takes():
    import shlex
    import sys

    block = re.search(r"## Mutation testing\n.*?```sh\n(.*?)```", README, re.S)[1]
    commands = [shlex.split(line) for line in block.splitlines() if "mutation/run.py" in line]
    assert len(commands) == 2
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_run", ROOT / "mutation" / "run.py")
    runner = importlib.util.module_from_spec(spec)
    sys.modules["mutation_run"] = runner  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(runner)
    finally:
        del sys.modules["mutation_run"]
    for command in commands:
        assert command[:2] == ["python", "mutation/run.py"]
        args = runner.parse(command[2:])
        assert runner.select_modules(args.modules) == [m for m in command[2:] if m.endswith(".py")]
    assert "'.[mutation]'" in block
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(d.startswith("cosmic-ray") for d in extras["mutation"])
    assert any(d.startswith("pytest-xdist") for d in extras["mutation"])

"""AL907 unused-suppression is turned off like any other code, through the real command line."""

import pytest
from click.testing import CliRunner

from archlint.cli import main

# conv pads 1 with a 3x3 kernel over 32x32: exact, so the layer's ignore silences nothing
SPEC = """[input]
channels = 3
height = 32
width = 32

[[layers]]
name = "conv"
type = "conv2d"
out_channels = 8
kernel_size = 3
padding = 1
ignore = ["non-integer-output"]
"""


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "net.toml").write_text(SPEC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["check", "--fail-on", "info", *args])


def test_reported_by_default(tree):
    result = run("net.toml")
    assert result.exit_code == 1
    assert "AL907 info: conv: ignore[non-integer-output] on layer 'conv'" in result.output


@pytest.mark.parametrize("name", ["AL907", "unused-suppression", "AL001,AL907"])
def test_ignore_option(tree, name):
    result = run("--ignore", name, "net.toml")
    assert (result.exit_code, "AL907" in result.output) == (0, False), result.output


@pytest.mark.parametrize(
    "config",
    [
        'ignore = ["AL907"]\n',
        'ignore = ["unused-suppression"]\n',
        '[per-file-ignores]\n"net.toml" = ["unused-suppression"]\n',
        '[per-file-ignores]\n"*.toml" = ["AL907"]\n',
    ],
)
@pytest.mark.parametrize("how", ["found", "explicit"])
def test_config_file(tree, config, how):
    if how == "found":
        (tree / ".archlint.toml").write_text(config, encoding="utf-8")
        result = run("net.toml")
    else:
        (tree / "other.toml").write_text(config, encoding="utf-8")
        result = run("--config", "other.toml", "net.toml")
    assert (result.exit_code, "AL907" in result.output) == (0, False), result.output


def test_per_file_ignores_leave_other_files_alone(tree):
    (tree / "kept.toml").write_text(SPEC, encoding="utf-8")
    (tree / ".archlint.toml").write_text(
        '[per-file-ignores]\n"net.toml" = ["AL907"]\n', encoding="utf-8"
    )
    result = run("net.toml", "kept.toml")
    assert result.exit_code == 1
    assert "kept.toml:12:1: AL907" in result.output and "net.toml:" not in result.output


def test_pyproject_table(tree):
    (tree / "pyproject.toml").write_text(
        '[tool.archlint]\nignore = ["unused-suppression"]\n', encoding="utf-8"
    )
    result = run("net.toml")
    assert (result.exit_code, "AL907" in result.output) == (0, False), result.output


@pytest.mark.parametrize("severity", ["error", "warning"])
def test_severity_override(tree, severity):
    (tree / ".archlint.toml").write_text(
        f'[severity]\nunused-suppression = "{severity}"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", "net.toml"])  # fail-on: warning
    assert result.exit_code == 1
    assert f"AL907 {severity}: conv:" in result.output


def test_select_without_it_leaves_it_out(tree):
    result = run("--select", "AL001", "net.toml")
    assert (result.exit_code, "AL907" in result.output) == (0, False), result.output
    result = run("--select", "AL001,AL907", "net.toml")
    assert result.exit_code == 1 and "AL907" in result.output


def test_json_format_also_leaves_it_out(tree):
    result = run("--format", "json", "--ignore", "AL907", "net.toml")
    assert result.exit_code == 0 and '"AL907"' not in result.output

"""Which files a folder's walk reads: default excludes, exclude and extend-exclude (config and
command line), .gitignore files, and --force-exclude for paths named on the command line."""

import pytest
from click.testing import CliRunner

from archlint.cli import main

# 7 - 3 over 3 is not an integer: AL001, a warning, so exit 1 wherever this is read
BAD = """[input]
channels = 1
height = 7
width = 7

[[layers]]
name = "c"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 3
"""

WALKED_OVER = [
    ".venv/lib/python3.12/site-packages/pkg/net.toml",
    "venv/net.toml",
    "node_modules/some-pkg/net.json",
    "build/lib/net.toml",
    "dist/net.toml",
    ".git/refs/net.toml",
    "__pycache__/net.toml",
    ".tox/py311/net.toml",
    ".mypy_cache/net.toml",
    "models/node_modules/net.toml",  # a default exclude matches at any depth
]


def write(root, relative, text=BAD):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if relative.endswith(".json"):
        text = (
            '{"input": {"channels": 1, "height": 7, "width": 7}, "layers": [{"name": "c",'
            ' "type": "conv2d", "out_channels": 8, "kernel_size": 3, "stride": 3}]}'
        )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path, monkeypatch):
    write(tmp_path, "models/net.toml")
    for relative in WALKED_OVER:
        write(tmp_path, relative)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args):
    return CliRunner().invoke(main, ["check", "--format", "json", *args])


def files(result) -> set[str]:
    import json

    assert result.exit_code in (0, 1), result.output
    return {d["file"].replace("\\", "/") for d in json.loads(result.stdout)["diagnostics"]}


def test_default_excludes(tree):
    assert files(check(".")) == {"models/net.toml"}
    assert files(check(str(tree))) == {str(tree / "models/net.toml").replace("\\", "/")}


def test_gitignored_folders_are_skipped(tree):
    write(tree, "generated/net.toml")
    write(tree, "models/tmp/net.toml")
    write(tree, "models/keep.toml")
    (tree / ".gitignore").write_text("generated/\n*.log\n", encoding="utf-8")
    (tree / "models" / ".gitignore").write_text("tmp/\n", encoding="utf-8")
    assert files(check(".")) == {"models/net.toml", "models/keep.toml"}
    assert files(check("models")) == {"models/net.toml", "models/keep.toml"}
    everything = {
        "models/net.toml",
        "models/keep.toml",
        "generated/net.toml",
        "models/tmp/net.toml",
    }
    assert files(check("--no-respect-gitignore", ".")) == everything
    (tree / ".archlint.toml").write_text("respect-gitignore = false\n", encoding="utf-8")
    assert files(check(".")) == everything
    assert files(check("--respect-gitignore", ".")) == {"models/net.toml", "models/keep.toml"}


def test_gitignore_negation_and_the_deepest_file_decides(tree):
    write(tree, "models/a.toml")
    write(tree, "models/b.toml")
    (tree / ".gitignore").write_text("models/*.toml\n", encoding="utf-8")
    (tree / "models" / ".gitignore").write_text("!b.toml\n", encoding="utf-8")
    assert files(check(".")) == {"models/b.toml"}


def test_gitignore_above_the_folder_named_applies_inside_a_git_work_tree(tree):
    write(tree, "models/scratch/net.toml")
    (tree / ".gitignore").write_text("scratch/\n", encoding="utf-8")
    assert (tree / ".git").is_dir()  # the fixture's .git/refs: tree is a work tree's top
    assert files(check("models")) == {"models/net.toml"}
    assert files(check("models/scratch")) == {"models/scratch/net.toml"}  # named: it is read


def test_gitignore_above_the_folder_named_is_not_read_outside_a_work_tree(tmp_path, monkeypatch):
    write(tmp_path, "models/net.toml")
    write(tmp_path, "models/scratch/net.toml")
    (tmp_path / ".gitignore").write_text("scratch/\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert files(check("models")) == {"models/net.toml", "models/scratch/net.toml"}
    assert files(check(".")) == {"models/net.toml"}  # a walked folder's .gitignore is read


def test_exclude_and_extend_exclude_in_the_config(tree):
    write(tree, "experiments/old/net.toml")
    write(tree, "models/draft_net.toml")
    (tree / ".archlint.toml").write_text(
        'extend-exclude = ["experiments/", "draft_*.toml"]\n', encoding="utf-8"
    )
    assert files(check(".")) == {"models/net.toml"}
    # exclude replaces the defaults: node_modules and the rest are read again
    (tree / ".archlint.toml").write_text('exclude = ["experiments/"]\n', encoding="utf-8")
    found = files(check("."))
    assert "experiments/old/net.toml" not in found
    assert {
        "models/draft_net.toml",
        "node_modules/some-pkg/net.json",
        "build/lib/net.toml",
    } <= found


def test_config_patterns_are_relative_to_the_config_folder(tree):
    write(tree, "project/data/net.toml")
    write(tree, "project/src/data/net.toml")
    (tree / "project" / ".archlint.toml").write_text(
        'extend-exclude = ["/data"]\n', encoding="utf-8"
    )
    assert files(check("project")) == {"project/src/data/net.toml"}


def test_exclude_and_extend_exclude_on_the_command_line(tree):
    write(tree, "experiments/net.toml")
    write(tree, "models/draft.toml")
    assert files(check("--extend-exclude", "experiments,draft.toml", ".")) == {"models/net.toml"}
    assert files(
        check("--extend-exclude", "experiments", "--extend-exclude", "draft.toml", ".")
    ) == {"models/net.toml"}
    found = files(check("--exclude", "experiments", "."))  # replaces the defaults
    assert "experiments/net.toml" not in found and "build/lib/net.toml" in found
    # the command line's exclude replaces the config's; its extend-exclude adds to it
    (tree / ".archlint.toml").write_text('exclude = ["models/"]\n', encoding="utf-8")
    assert "models/net.toml" not in files(check("."))
    assert "models/net.toml" in files(check("--exclude", "experiments", "."))
    assert files(check("--extend-exclude", "draft.toml", ".")) >= {"experiments/net.toml"}


def test_a_file_named_on_the_command_line_is_read_unless_forced(tree):
    path = ".venv/lib/python3.12/site-packages/pkg/net.toml"
    assert files(check(path)) == {path}
    result = check("--force-exclude", path, "models/net.toml")
    assert files(result) == {"models/net.toml"}
    assert f"{path}: skipped: excluded (--force-exclude)" in result.stderr
    # an explicit file under a pattern from the command line or the config
    write(tree, "experiments/net.toml")
    assert files(check("--extend-exclude", "experiments", "experiments/net.toml")) == {
        "experiments/net.toml"
    }
    result = check("--force-exclude", "--extend-exclude", "experiments", "experiments/net.toml")
    assert (result.exit_code, files(result)) == (0, set())
    (tree / ".archlint.toml").write_text(
        'extend-exclude = ["experiments"]\nforce-exclude = true\n', encoding="utf-8"
    )
    assert files(check("experiments/net.toml")) == set()
    assert files(check("--no-force-exclude", "experiments/net.toml")) == {"experiments/net.toml"}


def test_a_folder_named_on_the_command_line(tree):
    # named, an excluded folder is walked (what is excluded inside it is still skipped)...
    write(tree, "build/node_modules/net.toml")
    assert files(check("build")) == {"build/lib/net.toml"}
    # ...unless forced
    result = check("--force-exclude", "build")
    assert (result.exit_code, files(result)) == (0, set())
    assert "build: skipped: excluded (--force-exclude)" in result.stderr


def test_gitignored_files_named_on_the_command_line_are_read(tree):
    write(tree, "generated/net.toml")
    (tree / ".gitignore").write_text("generated/\n", encoding="utf-8")
    assert files(check("--force-exclude", "generated/net.toml")) == {"generated/net.toml"}


def test_bad_patterns_and_values_are_usage_errors(tree):
    (tree / ".archlint.toml").write_text('exclude = "build"\n', encoding="utf-8")
    result = check(".")
    assert result.exit_code == 2 and "'exclude' must be a list" in result.output
    (tree / ".archlint.toml").write_text('force-exclude = "yes"\n', encoding="utf-8")
    result = check(".")
    assert result.exit_code == 2 and "'force-exclude' must be true or false" in result.output
    (tree / ".archlint.toml").write_text('extend-exclud = ["x"]\n', encoding="utf-8")
    result = check(".")
    assert result.exit_code == 2 and "did you mean 'extend-exclude'" in result.output


def test_summary_walks_folders_the_same_way(tree):
    result = CliRunner().invoke(main, ["summary", "--format", "json", "."])
    assert result.exit_code in (0, 1), result.output
    assert "models/net.toml" in result.output and "node_modules" not in result.output

"""The pre-commit hook, proven with pre-commit itself."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A git repository holding a good spec, a bad spec and TOML/JSON files of other kinds."""
    path = tmp_path_factory.mktemp("user-repo")
    shutil.copy(SAMPLES / "networks" / "resnet18.toml", path / "good.toml")
    shutil.copy(SAMPLES / "bad" / "non-integer-output.toml", path / "bad.toml")
    (path / "pyproject.toml").write_text('[project]\nname = "user-project"\n')
    (path / "package.json").write_text('{"name": "user-project", "version": "1.0.0"}\n')
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }  # fmt: skip
    run(["git", "init", "-q"], path, env)
    run(["git", "add", "."], path, env)
    return path, env


def test_manifest_is_valid():
    result = subprocess.run([*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_passes_good_specs_and_skips_other_files(repo):
    path, env = repo
    files = ["good.toml", "pyproject.toml", "package.json"]
    result = run([*PRE_COMMIT, "try-repo", str(ROOT), "archlint", "--files", *files], path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_hook_fails_on_a_bad_spec(repo):
    path, env = repo
    result = run([*PRE_COMMIT, "try-repo", str(ROOT), "archlint", "--files", "bad.toml"], path, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout and "bad.toml:15:1: AL001 warning: conv1" in result.stdout

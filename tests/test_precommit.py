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


def test_hook_honours_excludes_for_the_files_it_is_given(repo):
    """pre-commit names files explicitly: the hook's --force-exclude makes excludes apply."""
    path, env = repo
    vendored = path / "node_modules" / "some-pkg" / "bad.toml"
    vendored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / "bad" / "non-integer-output.toml", vendored)
    run(["git", "add", "."], path, env)
    files = ["good.toml", "node_modules/some-pkg/bad.toml"]
    result = run([*PRE_COMMIT, "try-repo", str(ROOT), "archlint", "--files", *files], path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


# ------------------------------------------------------------ the README's snippet, released


def _clone_as_it_is_now(target: Path, env: dict) -> None:
    """A clone of this repository whose last commit is the work tree as it is (uncommitted
    changes and new files included, as `pre-commit try-repo` takes them), without the tags:
    the release being tested makes its own, whatever this repository has released already."""
    run(["git", "clone", "-q", "--no-hardlinks", "--no-tags", str(ROOT), str(target)], ROOT, env)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source, copy = ROOT / name, target / name
        if source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
        elif copy.is_file():  # deleted in the work tree
            copy.unlink()
    run(["git", "add", "-A"], target, env)
    run(["git", "commit", "-q", "--allow-empty", "-m", "the work tree"], target, env)


def test_readme_snippet_works_against_the_tag_the_release_process_makes(repo, tmp_path):
    import re
    import tomllib

    path, env = repo
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"## pre-commit\n.*?```yaml\n(.*?)```", readme, re.S)[1]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"rev: v{version}\n" in snippet  # the tag the release process makes

    archlint = tmp_path / "archlint"
    _clone_as_it_is_now(archlint, env)
    released = run([sys.executable, "scripts/release.py"], archlint, env)
    assert released.returncode == 0, released.stdout + released.stderr
    assert f"tagged v{version}" in released.stdout
    assert run(["git", "tag", "--list"], archlint, env).stdout.split() == [f"v{version}"]
    again = run([sys.executable, "scripts/release.py", "--check"], archlint, env)
    assert again.returncode == 1 and "exists already" in again.stderr

    user = tmp_path / "user"
    shutil.copytree(path, user, ignore=shutil.ignore_patterns(".git"))
    assert "<the git URL of archlint>" in snippet
    (user / ".pre-commit-config.yaml").write_text(
        snippet.replace("<the git URL of archlint>", str(archlint))
    )
    run(["git", "init", "-q"], user, env)
    run(["git", "add", "."], user, env)
    good = run(
        [*PRE_COMMIT, "run", "--files", "good.toml", "pyproject.toml", "package.json"], user, env
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "archlint" in good.stdout and "Passed" in good.stdout
    bad = run([*PRE_COMMIT, "run", "--files", "bad.toml"], user, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.toml:15:1: AL001 warning: conv1" in bad.stdout


def test_release_refuses_a_dirty_tree_or_versions_out_of_step(repo, tmp_path):
    _, env = repo
    archlint = tmp_path / "archlint"
    _clone_as_it_is_now(archlint, env)
    assert run([sys.executable, "scripts/release.py", "--check"], archlint, env).returncode == 0
    init = archlint / "archlint" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9'))
    refused = run([sys.executable, "scripts/release.py"], archlint, env)
    assert refused.returncode == 1
    assert "archlint/__init__.py has __version__" in refused.stderr
    assert "the work tree has changes" in refused.stderr
    assert run(["git", "tag", "--list"], archlint, env).stdout == ""  # nothing tagged

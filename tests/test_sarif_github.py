"""SARIF and GitHub annotations as GitHub code scanning and Actions need them, through the CLI:
paths relative to the repository from anywhere, no absolute path, fingerprints that survive
moved lines, rule help as plain text and Markdown, links only where they are absolute URLs."""

import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from archlint import __version__, rule_docs
from archlint.cli import main
from conftest import ROOT

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
STRIDES = ROOT / "samples" / "lecture" / "strides_7x7.toml"
# the "uri" format as GitHub's upload checks it: a scheme, then no spaces
ABSOLUTE_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$")


def run(*args: str, cwd: Path, **env: str):
    """archlint through its CLI, in `cwd`, with GITHUB_WORKSPACE unset unless given."""
    environment = {"GITHUB_WORKSPACE": None, **env}
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner(env=environment).invoke(main, list(args))
    finally:
        os.chdir(old)


def sarif(*args: str, cwd: Path, **env: str) -> dict:
    result = run("check", "--format", "sarif", *args, cwd=cwd, **env)
    assert result.exit_code in (0, 1), result.output
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def uris(log: dict) -> list[str]:
    return [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]


@pytest.fixture
def repo(tmp_path):
    """A git work tree (tmp/repo, with .git) holding models/net.toml, and a folder outside it."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "models").mkdir()
    shutil.copy(STRIDES, tmp_path / "repo" / "models" / "net.toml")
    (tmp_path / "elsewhere").mkdir()
    return tmp_path


# ------------------------------------------------------------------------------- paths


def test_sarif_run_from_outside_the_repository_gives_paths_relative_to_its_work_tree(repo):
    target = repo / "repo" / "models" / "net.toml"
    result = run("check", "--format", "sarif", str(target), cwd=repo / "elsewhere")
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "models/net.toml", "uriBaseId": "SRCROOT"}
    # SRCROOT is described, but without an absolute uri: no checkout path anywhere
    assert "uri" not in log["runs"][0]["originalUriBaseIds"]["SRCROOT"]
    assert str(repo) not in result.stdout and str(repo.resolve()) not in result.stdout
    assert "file:" not in result.stdout


def test_a_git_file_marks_a_work_tree_too(tmp_path):
    # a linked worktree or a submodule has a .git file ("gitdir: ..."), not a folder
    (tmp_path / "outer" / ".git").mkdir(parents=True)
    inner = tmp_path / "outer" / "vendor" / "inner"
    (inner / "nets").mkdir(parents=True)
    (inner / ".git").write_text("gitdir: ../../.git/modules/inner\n")
    shutil.copy(STRIDES, inner / "nets" / "net.toml")
    log = sarif(str(inner / "nets" / "net.toml"), cwd=tmp_path)
    assert uris(log) == ["nets/net.toml"]


def test_root_option_sets_the_root_and_outside_it_paths_go_up(repo):
    target = str(repo / "repo" / "models" / "net.toml")
    assert uris(sarif("--root", str(repo), target, cwd=repo / "elsewhere")) == [
        "repo/models/net.toml"
    ]
    # a root the file is not under: a ../ reference, still no absolute path
    result = run("check", "--format", "sarif", "--root", str(repo / "elsewhere"), target,
                 cwd=repo)  # fmt: skip
    assert uris(json.loads(result.stdout)) == ["../repo/models/net.toml"]
    assert str(repo) not in result.stdout


def test_outside_any_work_tree_paths_are_relative_to_the_current_folder(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(STRIDES, tmp_path / "a" / "b" / "net.toml")
    if any((p / ".git").exists() for p in tmp_path.resolve().parents):
        pytest.skip("the temporary folder is inside a git work tree")
    log = sarif(str(tmp_path / "a" / "b" / "net.toml"), cwd=tmp_path / "a")
    assert uris(log) == ["b/net.toml"]


def test_github_file_is_relative_to_the_workspace_else_the_work_tree(repo):
    target = str(repo / "repo" / "models" / "net.toml")
    head = "::warning file={},line=35,col=1,title=AL001 non-integer-output::"

    plain = run("check", "--format", "github", target, cwd=repo / "elsewhere")
    assert plain.exit_code == 1
    assert plain.stdout.splitlines()[0].startswith(head.format("models/net.toml"))

    in_actions = run("check", "--format", "github", target, cwd=repo / "elsewhere",
                     GITHUB_WORKSPACE=str(repo))  # fmt: skip
    assert in_actions.stdout.splitlines()[0].startswith(head.format("repo/models/net.toml"))

    rooted = run("check", "--format", "github", "--root", str(repo / "repo" / "models"), target,
                 cwd=repo, GITHUB_WORKSPACE=str(repo))  # fmt: skip
    assert rooted.stdout.splitlines()[0].startswith(head.format("net.toml"))
    for result in (plain, in_actions, rooted):
        assert str(repo) not in result.stdout


# ------------------------------------------------------------------------- fingerprints


def fingerprints(log: dict) -> list[tuple[str, int, str]]:
    return [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"]["archlint/v1"],
        )
        for r in log["runs"][0]["results"]
    ]


def test_fingerprints_survive_moved_lines_and_inserted_layers(repo):
    net = repo / "repo" / "models" / "net.toml"
    before = fingerprints(sarif(str(net), cwd=repo))
    text = net.read_text(encoding="utf-8")
    # lines above, and a whole layer inserted before the finding's layer (its index moves)
    moved = "# a comment\n# and another\n\n" + text.replace(
        "[[layers]]",
        '[[layers]]\nname = "extra"\ntype = "relu"\n\n[[layers]]',
        1,
    )
    net.write_text(moved, encoding="utf-8")
    after = fingerprints(sarif(str(net), cwd=repo))
    [(_, line_before, fp_before)] = [f for f in before if f[0] == "AL001"]
    [(_, line_after, fp_after)] = [f for f in after if f[0] == "AL001"]
    assert line_after == line_before + 7  # three lines above, and a layer of four
    assert fp_after == fp_before


def test_fingerprints_change_with_the_finding_itself(repo):
    net = repo / "repo" / "models" / "net.toml"
    [(_, _, before)] = fingerprints(sarif(str(net), cwd=repo))
    changed = net.read_text().replace("kernel_size = 3\nstride = 3", "kernel_size = 2\nstride = 3")
    net.write_text(changed, encoding="utf-8")  # (7 − 2)/3 + 1 = 2.67: another AL001
    after = [fp for code, _, fp in fingerprints(sarif(str(net), cwd=repo)) if code == "AL001"]
    assert after and before not in after


def test_fingerprints_are_unique_in_a_run_and_hash_no_line():
    log = sarif("samples/bad", "samples/networks", "samples/lecture", cwd=ROOT)
    values = [fp for _, _, fp in fingerprints(log)]
    assert len(values) > 25 and len(set(values)) == len(values)
    assert all(re.fullmatch(r"[0-9a-f]{32}:\d+", v) for v in values)
    # GitHub's upload computes primaryLocationLineHash from the line's text: not ours to give
    for result in log["runs"][0]["results"]:
        assert set(result["partialFingerprints"]) == {"archlint/v1"}


def test_equal_findings_in_one_file_are_told_apart(tmp_path):
    from archlint.sarif import fingerprint

    (tmp_path / ".git").mkdir()
    spec = tmp_path / "twice.toml"
    shutil.copy(STRIDES, spec)
    # the same file named twice: two results with the same file, layer, key and message
    values = [fp for _, _, fp in fingerprints(sarif(str(spec), str(spec), cwd=tmp_path))]
    assert len(values) == 2 and values[0].endswith(":1") and values[1].endswith(":2")
    assert values[0][:-2] == values[1][:-2]
    # line and column numbers in a message do not count
    assert fingerprint("X1", "a.toml", "c", "k", "at line 3, column 4") == fingerprint(
        "X1", "a.toml", "c", "k", "at line 9, column 1"
    )


# ------------------------------------------------------------------ rules: help and links


def test_rule_help_is_markdown_and_the_same_as_plain_text():
    log = sarif(str(STRIDES), cwd=ROOT)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    for code, rule in rules.items():
        markdown, text = rule["help"]["markdown"], rule["help"]["text"]
        assert markdown == rule_docs.body(code), code  # the page, without its title
        for mark in ("**", "```", "`", "<!--"):
            assert mark not in text, (code, mark)
    al001 = rules["AL001"]
    assert "**Why it matters.**" in al001["help"]["markdown"]
    assert "```toml" in al001["help"]["markdown"]
    assert "Why it matters. The output size" in al001["help"]["text"]
    assert "    stride = 3        # expect: AL001" in al001["help"]["text"]  # code, indented
    assert "Why it matters." in rules["AL905"]["help"]["text"]  # reserved codes have pages


def test_without_a_project_url_there_is_no_help_uri_but_the_page_path():
    log = sarif(str(STRIDES), cwd=ROOT)
    driver = log["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    for rule in driver["rules"]:
        assert "helpUri" not in rule
        page = rule["properties"]["documentation"]
        assert page == f"docs/rules/{rule['id']}.md" and (ROOT / page).is_file()


def test_with_a_github_project_url_help_uri_is_the_page_at_the_release_tag(monkeypatch):
    monkeypatch.setattr(
        rule_docs, "project_urls", lambda: {"Repository": "https://github.com/someone/archlint"}
    )
    log = sarif(str(STRIDES), cwd=ROOT)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/someone/archlint"
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["AL001"]["helpUri"] == (
        f"https://github.com/someone/archlint/blob/v{__version__}/docs/rules/AL001.md"
    )
    assert rules["AL907"]["helpUri"].endswith("/docs/rules/AL907.md")
    for rule in driver["rules"]:
        assert ABSOLUTE_URI.match(rule["helpUri"])
        assert "documentation" not in rule["properties"]


def test_a_url_that_is_not_a_github_repository_gives_no_page_links(monkeypatch):
    monkeypatch.setattr(
        rule_docs, "project_urls", lambda: {"Homepage": "https://example.org/archlint"}
    )
    log = sarif(str(STRIDES), cwd=ROOT)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/archlint"
    assert not any("helpUri" in rule for rule in driver["rules"])

"""SARIF (against the official schema and GitHub's extra rules), GitHub annotations, colour."""

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from archlint.cli import main
from archlint.diagnostics import Diagnostic, Severity
from archlint.report import check_github
from conftest import ROOT

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"  # vendored, OASIS


def invoke(*args: str, **env: str):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return CliRunner(env=env).invoke(main, list(args))
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def sarif_log():
    result = invoke("check", "--format", "sarif", "samples/bad", "samples/networks")
    assert result.exit_code == 1
    return json.loads(result.output)


def test_sarif_validates_against_the_official_schema(sarif_log):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(sarif_log)
    assert sarif_log["version"] == "2.1.0"


def test_sarif_meets_github_code_scanning_requirements(sarif_log):
    run = sarif_log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "AL001" in ids and "AL907" in ids
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"]
    assert run["results"]
    for result in run["results"]:
        assert result["message"]["text"]
        assert ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri.startswith("samples/") and not uri.startswith("/")
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
    squeeze = next(r for r in run["results"] if "squeezenet" in r["locations"][0]
                   ["physicalLocation"]["artifactLocation"]["uri"])  # fmt: skip
    assert squeeze["ruleId"] == "AL001" and squeeze["level"] == "warning"
    assert squeeze["locations"][0]["logicalLocations"][0]["name"] == "features.0"


def test_sarif_rule_help_is_the_rule_documentation(sarif_log):
    rules = {r["id"]: r for r in sarif_log["runs"][0]["tool"]["driver"]["rules"]}
    explained = invoke("explain", "AL001").output
    assert rules["AL001"]["help"]["text"] in explained
    assert rules["AL001"]["name"] == "non-integer-output"


def test_github_annotations_are_escaped_like_the_actions_toolkit():
    from archlint.check import FileResult
    from archlint.loader import Document

    d = Diagnostic("dir/a,b:c.toml", 3, 1, "AL001", "non-integer-output", Severity.WARNING,
                   "conv1", "100% of\r\nit", help="x: y, z")  # fmt: skip
    out = check_github([FileResult(Document("dir/a,b:c.toml", None), None, [d])])
    first = out.splitlines()[0]
    assert first == (
        "::warning file=dir/a%2Cb%3Ac.toml,line=3,col=1,title=AL001 non-integer-output"
        "::conv1: 100%25 of%0D%0Ait%0Ahelp: x: y, z"
    )


def test_github_format_from_the_cli():
    result = invoke("check", "--format", "github", "samples/lecture/strides_7x7.toml")
    assert result.output.startswith(
        "::warning file=samples/lecture/strides_7x7.toml,line=35,col=1,"
    )
    result = invoke("check", "--format", "github", "samples/bad/merge-mismatch.toml")
    assert result.output.startswith("::error ")


def _through_a_terminal(**env: str) -> str:
    """Run `archlint check` with its stdout on a pseudo-terminal, as a user at a shell sees it."""
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    subprocess.run(
        [sys.executable, "-m", "archlint", "check", "samples/lecture/strides_7x7.toml"],
        stdout=follower, stderr=follower, cwd=ROOT, env=environment, timeout=60,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color():
    assert "\x1b[" not in invoke("check", "samples/lecture/strides_7x7.toml").output  # a pipe
    coloured = _through_a_terminal()
    assert "\x1b[33m" in coloured and "AL001" in coloured
    plain = _through_a_terminal(NO_COLOR="1")
    assert "\x1b[" not in plain and "AL001 warning" in plain


def test_sarif_uris_are_percent_encoded(tmp_path):
    import shutil

    odd = tmp_path / "sub dir,x" / "my spec#1.toml"
    odd.parent.mkdir()
    shutil.copy(ROOT / "samples" / "lecture" / "strides_7x7.toml", odd)
    (tmp_path / ".git").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["check", "--format", "sarif", str(odd)])
    finally:
        os.chdir(cwd)
    uri = json.loads(result.output)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
    assert uri == "sub%20dir%2Cx/my%20spec%231.toml"

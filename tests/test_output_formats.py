"""SARIF (against the official schema and GitHub's extra rules), GitHub annotations, colour."""

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from archlint import rule_docs
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
    return json.loads(result.stdout)  # stderr names the files skipped


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


# Every spec sample: each format must place each finding at the same file, line, column and code.
AGREEMENT_PATHS = ("samples/bad", "samples/networks", "samples/lecture", "samples/tiny_resnet.toml")


def _unescape_property(text: str) -> str:
    """The inverse of the Actions toolkit's escaping of a workflow command's property."""
    for escaped, raw in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def _places_in_json() -> list[tuple[str, int, int, str]]:
    data = json.loads(invoke("check", "--format", "json", *AGREEMENT_PATHS).stdout)
    return [(d["file"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]]


def _places_in_sarif() -> list[tuple[str, int, int, str]]:
    from urllib.parse import unquote

    log = json.loads(invoke("check", "--format", "sarif", *AGREEMENT_PATHS).stdout)
    places = []
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        uri = unquote(location["artifactLocation"]["uri"])
        places.append((uri, region["startLine"], region["startColumn"], result["ruleId"]))
    return places


def _places_in_github() -> list[tuple[str, int, int, str]]:
    import re

    command = re.compile(
        r"^::(error|warning|notice) file=([^,]*),line=(\d+),col=(\d+),title=([^:]*)::"
    )
    places = []
    for line in invoke("check", "--format", "github", *AGREEMENT_PATHS).stdout.splitlines():
        match = command.match(line)
        if match:
            code = _unescape_property(match[5]).split()[0]
            places.append((_unescape_property(match[2]), int(match[3]), int(match[4]), code))
    return places


def _places_in_text() -> list[tuple[str, int, int, str]]:
    import re

    head = re.compile(r"^(\S+):(\d+):(\d+): (AL\d{3}) ")
    places = []
    for line in invoke("check", *AGREEMENT_PATHS).stdout.splitlines():
        match = head.match(line)
        if match:
            places.append((match[1], int(match[2]), int(match[3]), match[4]))
    return places


def test_every_format_places_every_finding_at_the_same_file_line_column_and_code():
    in_json = _places_in_json()
    assert len(in_json) >= 25 and len({code for *_, code in in_json}) >= 12
    assert _places_in_sarif() == in_json
    assert _places_in_github() == in_json
    assert _places_in_text() == in_json


def test_every_format_puts_the_stride_3_finding_on_its_stride_line():
    # samples/lecture/strides_7x7.toml, counted by hand: lines 1-4 are comments, [model] is
    # line 5, [input] line 9, and the third [[layers]] (name = "stride3") starts on line 30:
    # name 31, type 32, out_channels 33, kernel_size 34, stride = 3 on line 35, column 1.
    expected = ("samples/lecture/strides_7x7.toml", 35, 1, "AL001")
    path = "samples/lecture/strides_7x7.toml"
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    assert lines[35 - 1] == "stride = 3"  # the file has not moved under the count
    data = json.loads(invoke("check", "--format", "json", path).output)
    assert [(d["file"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [
        expected
    ]
    log = json.loads(invoke("check", "--format", "sarif", path).output)
    [result] = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"],
            location["region"]["startColumn"], result["ruleId"]) == expected  # fmt: skip
    github = invoke("check", "--format", "github", path).output.splitlines()[0]
    assert github.startswith(
        f"::warning file={path},line=35,col=1,title=AL001 non-integer-output::"
    )
    text = invoke("check", path).output.splitlines()[0]
    assert text.startswith(f"{path}:35:1: AL001 warning: stride3: ")


def test_sarif_rule_help_is_the_rule_documentation(sarif_log):
    rules = {r["id"]: r for r in sarif_log["runs"][0]["tool"]["driver"]["rules"]}
    explained = invoke("explain", "AL001").output
    first = rule_docs.body("AL001").strip().splitlines()[0]  # the docstring's summary line
    assert first in explained and first in rules["AL001"]["help"]["markdown"]
    assert "**" not in rules["AL001"]["help"]["text"]  # plain text, the Markdown beside it
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


def test_sarif_result_message_and_rule_description_in_full(sarif_log):
    import re

    from archlint.registry import installed_rules

    rules = {r["id"]: r for r in sarif_log["runs"][0]["tool"]["driver"]["rules"]}
    doc = {r.code: r.doc for r in installed_rules()[0]}["AL001"]
    # fullDescription is the documentation's second paragraph ("**Why it matters.** ..."), on
    # one line, without the bold marks
    why = re.search(r"\*\*Why it matters\.\*\*(.*?)\n\n", doc, re.S)[0]
    assert rules["AL001"]["fullDescription"]["text"] == " ".join(why.replace("**", "").split())
    raw = invoke("check", "--format", "sarif", "samples/lecture/strides_7x7.toml").stdout
    [result] = json.loads(raw)["runs"][0]["results"]
    assert result["message"]["text"] == (
        "stride3: output height and width (7 − 3 + 2·0)/3 + 1 = 2.33 are not integers\n"
        "frameworks floor it to 2: the last 1 row and column of the 7-wide input is never read\n"
        "help: stride = 2 gives 3 exactly; or padding = 1 gives 3 exactly; or an input height"
        " and width of 6 or 9 gives 2 or 3 exactly"
    )
    assert "(7 − 3 + 2·0)" in raw  # UTF-8 as it is, readable in the file


def test_sarif_descriptions_are_cut_to_githubs_1024_characters():
    from archlint.diagnostics import Severity
    from archlint.sarif import _descriptor

    def full(paragraph: str) -> str:
        doc = f"Summary.\n\n{paragraph}\n\nMore."
        return _descriptor("X001", "x", Severity.INFO, "Summary.", doc)["fullDescription"]["text"]

    assert full("a" * 1024) == "a" * 1024  # 1024 fits
    assert full("b" * 1025) == "b" * 1021 + "..."  # one more is cut, to 1024 with the dots
    assert full("c " * 2000) == ("c " * 511)[:1021] + "..."
    assert _descriptor("X001", "x", Severity.INFO, "Summary.", "Summary.")["fullDescription"] == {
        "text": "Summary."  # no second paragraph: the summary
    }


def test_sarif_paths_are_relative_to_the_repository_root_from_a_subfolder(tmp_path, monkeypatch):
    import shutil

    (tmp_path / ".git").mkdir()
    sub = tmp_path / "models" / "convs"
    sub.mkdir(parents=True)
    shutil.copy(ROOT / "samples" / "lecture" / "strides_7x7.toml", sub / "net.toml")
    monkeypatch.chdir(sub)  # the root is the folder above holding .git, not the working folder
    result = CliRunner().invoke(main, ["check", "--format", "sarif", "net.toml"])
    log = json.loads(result.stdout)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "models/convs/net.toml"

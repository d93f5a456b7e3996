"""Every rule and reserved code has a page in docs/rules/, generated from its docstring (or, for
a reserved code, from archlint/rule_docs.py) and current; `archlint explain` points to it."""

import re
import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

import archlint
from archlint import rule_docs
from archlint.cli import main
from archlint.diagnostics import RESERVED
from conftest import ROOT

BUILT_IN = rule_docs.built_in_rules()
CODES = [r.code for r in BUILT_IN] + [k.code for k in RESERVED]


def test_every_built_in_rule_and_reserved_code_has_a_page_and_no_other_page_is_there():
    assert CODES == [f"AL{n:03d}" for n in range(1, 13)] + [f"AL{n}" for n in range(901, 909)]
    on_disk = sorted(p.name for p in (ROOT / "docs" / "rules").glob("*"))
    assert on_disk == sorted(f"{code}.md" for code in CODES)


def test_every_page_is_what_the_generator_writes_now():
    assert rule_docs.stale(ROOT) == [], "regenerate: python -m archlint.rule_docs"


@pytest.mark.parametrize("rule", BUILT_IN, ids=lambda r: r.code)
def test_a_rule_page_is_its_docstring_with_its_settings(rule):
    text = rule_docs.page(rule.code)  # what is on disk, while the test above passes
    assert text.splitlines()[2] == f"# {rule.code} `{rule.name}`"
    assert rule.summary in text
    body = "\n".join(rule.doc.strip().splitlines()[1:]).strip()
    assert body in text, "the docstring after its summary line, as written"
    assert f"| default severity | {rule.severity} |" in text
    for option in rule.options:
        assert f"`{option} = " in text
    # the configuration block is a config archlint takes
    block = re.search(r"\*\*Configuring it\*\*.*?```toml\n(.*?)```", text, re.S)[1]
    config = archlint.parse_config(tomllib.loads(block))
    assert config.severity == {rule.code: archlint.Severity.ERROR}


@pytest.mark.parametrize("kind", RESERVED, ids=lambda k: k.code)
def test_a_reserved_page_says_why_and_its_examples_do_what_they_say(kind):
    text = rule_docs.page(kind.code)
    assert f"# {kind.code} `{kind.name}`" in text and "**Why it matters.**" in text
    blocks = dict(re.findall(r"\*\*(Fails|Passes)\*\*\s*```toml\n(.*?)```", text, re.S))
    if kind.code == "AL906":  # a plugin's failure: no spec can show it
        assert not blocks
        return
    fails = blocks["Fails"]
    marked = [n for n, line in enumerate(fails.splitlines(), 1) if f"# expect: {kind.code}" in line]
    result = archlint.check(archlint.loads(fails, "toml", "example.toml"))
    fired = [d.line for d in result.diagnostics if d.code == kind.code]
    assert fired and fired[0] == marked[0], (fired, marked)
    passes = archlint.check(archlint.loads(blocks["Passes"], "toml", "example.toml"))
    assert passes.diagnostics == []


def test_a_stale_or_stray_page_is_found_and_rewritten(tmp_path):
    assert rule_docs.write(tmp_path) == sorted(rule_docs.pages())  # all missing: all written
    assert rule_docs.stale(tmp_path) == []
    page = tmp_path / "docs" / "rules" / "AL003.md"
    page.write_text(page.read_text().replace("threshold", "treshold"), encoding="utf-8")
    (tmp_path / "docs" / "rules" / "AL099.md").write_text("a rule that is gone\n")
    assert rule_docs.stale(tmp_path) == ["docs/rules/AL003.md", "docs/rules/AL099.md"]
    done = subprocess.run(
        [sys.executable, "-m", "archlint.rule_docs", "--check", "--root", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "docs/rules/AL003.md" in done.stderr
    assert rule_docs.write(tmp_path) == ["docs/rules/AL003.md", "docs/rules/AL099.md"]
    assert rule_docs.stale(tmp_path) == [] and not (tmp_path / "docs/rules/AL099.md").exists()


def test_a_page_follows_its_docstring(monkeypatch):
    import dataclasses

    changed = [
        dataclasses.replace(r, doc=r.doc + "\n\nA new paragraph.") if r.code == "AL008" else r
        for r in BUILT_IN
    ]
    monkeypatch.setattr(rule_docs, "built_in_rules", lambda: changed)
    assert rule_docs.stale(ROOT) == ["docs/rules/AL008.md"]


@pytest.mark.parametrize("code", ["AL001", "AL012", "AL903"])
def test_explain_points_to_the_page(code):
    result = CliRunner().invoke(main, ["explain", code])
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    assert last == f"Documentation: docs/rules/{code}.md (in the repository)"
    assert (ROOT / "docs" / "rules" / f"{code}.md").is_file()


def test_explain_of_a_reserved_code_prints_its_documentation():
    result = CliRunner().invoke(main, ["explain", "unused-suppression"])
    assert result.exit_code == 0
    assert result.output.startswith("AL907 unused-suppression (severity: info; reserved)\n\n")
    assert "**Why it matters.** An `ignore` that silences nothing" in result.output
    assert "**Fails**" in result.output


def test_explain_gives_the_url_when_the_project_has_one(monkeypatch):
    monkeypatch.setattr(
        rule_docs, "project_urls", lambda: {"Source": "https://github.com/someone/archlint.git"}
    )
    result = CliRunner().invoke(main, ["explain", "AL004"])
    assert result.output.strip().splitlines()[-1] == (
        "Documentation: https://github.com/someone/archlint/blob/"
        f"v{archlint.__version__}/docs/rules/AL004.md"
    )


def test_a_plugins_rule_has_no_page_and_explain_names_none(monkeypatch):
    @archlint.rule("X001", "no-wide-convs")
    def wide(analysis, options):
        """Convolutions wider than 512 channels."""
        return []

    monkeypatch.setattr("archlint.cli.installed_rules", lambda: ((wide,), ()))
    assert rule_docs.doc_link("X001") is None and rule_docs.help_uri("X001") is None
    result = CliRunner().invoke(main, ["explain", "X001"])
    assert result.exit_code == 0 and "Documentation:" not in result.output

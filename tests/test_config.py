"""Configuration files: discovery, every key, and clear errors for anything unknown."""

import pytest
from click.testing import CliRunner

import archlint
from archlint.cli import main
from conftest import SAMPLES

STRIDE3 = (SAMPLES / "lecture" / "strides_7x7.toml").read_text()
UNPADDED = (SAMPLES / "bad" / "shrinking-activation-map.toml").read_text()


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def project(tmp_path):
    """A project folder with a spec in a sub-folder."""
    (tmp_path / "models").mkdir()
    spec = tmp_path / "models" / "net.toml"
    spec.write_text(STRIDE3)
    return tmp_path, spec


def test_nearest_archlint_toml_is_used(project):
    root, spec = project
    assert cli("check", str(spec)).exit_code == 1
    (root / ".archlint.toml").write_text('ignore = ["non-integer-output"]\n')
    assert archlint.find_config(spec) == root / ".archlint.toml"
    result = cli("check", str(spec))
    assert result.exit_code == 0, result.output


def test_pyproject_tool_archlint_is_used_and_archlint_toml_wins(project):
    root, spec = project
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.archlint]\nfail-on = "error"\n'
    )
    assert archlint.find_config(spec) == root / "pyproject.toml"
    assert cli("check", str(spec)).exit_code == 0
    (root / "models" / ".archlint.toml").write_text('fail-on = "info"\n')
    assert archlint.find_config(spec) == root / "models" / ".archlint.toml"
    assert cli("check", str(spec)).exit_code == 1


def test_pyproject_without_the_table_is_passed_over(project):
    root, spec = project
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert archlint.find_config(spec) is None


def test_explicit_config_and_command_line_overrides(project, tmp_path):
    root, spec = project
    explicit = tmp_path / "strict.toml"
    explicit.write_text('select = ["AL001"]\n[severity]\nnon-integer-output = "error"\n')
    result = cli("check", "--config", str(explicit), "--format", "json", str(spec))
    assert '"severity": "error"' in result.output and result.exit_code == 1
    assert cli("check", "--config", str(explicit), "--ignore", "AL001", str(spec)).exit_code == 0
    assert cli("check", "--fail-on", "error", str(spec)).exit_code == 0


def test_select_extend_select_and_per_file_ignores(tmp_path):
    (tmp_path / "a.toml").write_text(STRIDE3)
    (tmp_path / "b.toml").write_text(UNPADDED)
    config = archlint.parse_config({"select": ["AL003"]}, tmp_path / ".archlint.toml")
    assert config.selects("AL003") and not config.selects("AL001")
    config = archlint.parse_config(
        {"select": ["AL003"], "extend-select": ["non-integer-output"],
         "per-file-ignores": {"b.toml": ["shrinking-activation-map"]}},
        tmp_path / ".archlint.toml",
    )  # fmt: skip
    a = archlint.check(tmp_path / "a.toml", config=config)
    b = archlint.check(tmp_path / "b.toml", config=config)
    assert [d.code for d in a.diagnostics] == ["AL001"]
    assert b.diagnostics == []


def test_rule_options_change_the_rule(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(UNPADDED)
    assert [d.code for d in archlint.check(spec).diagnostics] == ["AL003"]
    loose = archlint.parse_config({"rules": {"shrinking-activation-map": {"threshold": 0.9}}})
    assert archlint.check(spec, config=loose).diagnostics == []
    strict = archlint.parse_config({"rules": {"AL003": {"threshold": 0.1}}})
    assert [d.code for d in archlint.check(spec, config=strict).diagnostics] == ["AL003"]


@pytest.mark.parametrize(
    "text,words",
    [
        ('selcet = ["AL001"]', "unknown key 'selcet'; did you mean 'select'?"),
        ('ignore = ["paddin-mismatch"]', "unknown rule 'paddin-mismatch'; did you mean 'padding-mismatch'?"),
        ('ignore = "AL001"', "'ignore' must be a list"),
        ('fail-on = "fatal"', "'fail-on': 'fatal' is not error, warning or info"),
        ('[severity]\nAL001 = "loud"', "'severity.AL001': 'loud' is not error"),
        ('[rules.shrinking-activation-map]\nthreshhold = 0.3', "unknown option 'threshhold' (options: threshold); did you mean 'threshold'?"),
        ('[rules.shrinking-activation-map]\nthreshold = "big"', "should be a float"),
        ('[rules.AL099]\nx = 1', "'rules': unknown rule 'AL099'"),
        ("select = [", "not valid TOML"),
    ],
)  # fmt: skip
def test_bad_configs_are_usage_errors_naming_the_file(tmp_path, text, words):
    config = tmp_path / ".archlint.toml"
    config.write_text(text + "\n")
    spec = tmp_path / "net.toml"
    spec.write_text(STRIDE3)
    result = cli("check", str(spec))
    assert result.exit_code == 2
    assert str(config) in result.output and words in result.output
    assert "Traceback" not in result.output


def test_pyproject_with_tool_table_in_dotted_form_is_found(project):
    root, spec = project
    (root / "pyproject.toml").write_text('[tool]\narchlint.fail-on = "error"\n')
    assert archlint.find_config(spec) == root / "pyproject.toml"
    assert cli("check", str(spec)).exit_code == 0


def test_nearest_folder_wins_whatever_the_kind_of_config(project):
    """The README: a pyproject.toml with [tool.archlint] beside the file beats an
    .archlint.toml one folder up; in one folder, .archlint.toml beats pyproject.toml."""
    root, spec = project
    (root / ".archlint.toml").write_text('fail-on = "error"\n')  # one folder up: would pass
    (root / "models" / "pyproject.toml").write_text('[tool.archlint]\nfail-on = "info"\n')
    assert archlint.find_config(spec) == root / "models" / "pyproject.toml"
    assert cli("check", str(spec)).exit_code == 1  # the nearer config's fail-on = "info"
    # a pyproject.toml without the table is passed over, and the search goes on upward
    (root / "models" / "pyproject.toml").write_text('[project]\nname = "models"\n')
    assert archlint.find_config(spec) == root / ".archlint.toml"
    assert cli("check", str(spec)).exit_code == 0
    # in one folder, .archlint.toml wins over pyproject.toml
    (root / "models" / "pyproject.toml").write_text('[tool.archlint]\nfail-on = "error"\n')
    (root / "models" / ".archlint.toml").write_text('fail-on = "info"\n')
    assert archlint.find_config(spec) == root / "models" / ".archlint.toml"
    assert cli("check", str(spec)).exit_code == 1


def test_find_config_and_load_config_take_strings_as_paths_do(project, monkeypatch):
    root, spec = project
    (root / ".archlint.toml").write_text('ignore = ["non-integer-output"]\n')
    for start in (spec, root / "models", root):
        assert (
            archlint.find_config(str(start))
            == archlint.find_config(start)
            == root / ".archlint.toml"
        )
    monkeypatch.chdir(root / "models")
    assert archlint.find_config("net.toml") == archlint.find_config(".") == root / ".archlint.toml"
    assert archlint.load_config(str(root / ".archlint.toml")).ignore == ["AL001"]


def test_by_default_every_rule_runs_but_those_off_by_default():
    from archlint.registry import off_by_default

    rules, _ = archlint.installed_rules()
    assert off_by_default() == {"AL012"}
    default = archlint.Config()
    assert [r.code for r in rules if not default.selects(r.code)] == ["AL012"]
    assert archlint.parse_config({"extend-select": ["lossy-input-size"]}).selects("AL012")
    assert archlint.parse_config({"select": ["AL012"]}).selects("AL012")
    listing = cli("rules").output.splitlines()
    marked = [line.split()[0] for line in listing if "(off by default" in line]
    assert marked == ["AL012"]

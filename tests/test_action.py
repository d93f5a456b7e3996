"""The GitHub Action (action.yml): its inputs are the README's, its scripts take inputs only
through the environment, and its shell steps do what they say when run as a runner would run
them (bash -eo pipefail, GITHUB_OUTPUT, GITHUB_WORKSPACE), with a fake Python for the install
and the real archlint for the check. The `uses:` steps (setup-python, upload-sarif) only run on
GitHub: here their conditions and inputs are checked."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, import_or_skip

yaml = import_or_skip("yaml")  # PyYAML, which pre-commit (a test extra) depends on

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
COMPARISON = re.compile(r"^([\w.-]+) (==|!=) '([^']*)'$")


def readme_inputs() -> list[tuple[str, str]]:
    """(input, default) from the README's table, in order; "(empty)" is ""."""
    section = re.search(r"\n## GitHub Action\n(.*?)\n## ", README, re.S)[1]
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]*) \|", section, re.M)
    return [(name, "" if d.strip() == "(empty)" else d.strip().strip("`")) for name, d in rows]


# --------------------------------------------------------------------------- the file itself


def test_action_is_composite_and_its_inputs_are_the_readmes():
    assert ACTION["runs"]["using"] == "composite"
    documented = readme_inputs()
    declared = [(name, str(spec.get("default", ""))) for name, spec in ACTION["inputs"].items()]
    assert documented == declared, "the README's table of inputs and action.yml disagree"
    for name, spec in ACTION["inputs"].items():
        assert spec.get("description"), name
    section = re.search(r"\n## GitHub Action\n(.*?)\n## ", README, re.S)[1]
    for output in ACTION["outputs"]:
        assert f"`{output}`" in section


def test_every_input_is_used_and_no_script_holds_an_expression():
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    for name in ACTION["inputs"]:
        assert f"inputs.{name}" in text, f"input {name} is never used"
    for step in STEPS:
        if "run" in step:
            # an input inside a script would be pasted in as shell code: env only
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"
        for value in (step.get("env") or {}).values():
            assert EXPRESSION.fullmatch(value.strip()), value


def test_the_upload_is_github_codeql_upload_sarif_of_the_file_written():
    [upload] = [
        s for s in STEPS if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    ]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert upload["with"]["category"] == "${{ inputs.category }}"
    names = [s["name"] for s in STEPS]
    assert names.index(upload["name"]) < names.index("Fail on findings")  # upload, then fail


# ------------------------------------------------------------------ a runner, emulated


class Runner:
    """Runs the action's steps as the Actions runner would, as far as they can run here."""

    def __init__(self, tmp_path: Path, workspace: Path, **inputs: str) -> None:
        self.inputs = {n: str(s.get("default", "")) for n, s in ACTION["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, unknown
        self.inputs.update(inputs)
        self.tmp, self.workspace = tmp_path, workspace
        self.outputs: dict[str, dict[str, str]] = {}
        self.ran: list[str] = []  # names of the steps that ran (or, for uses:, would have)
        self.used: dict[str, dict[str, str]] = {}  # uses: steps, with their inputs evaluated
        self.log = tmp_path / "python3.log"
        self.bin = tmp_path / "fakebin"
        self.bin.mkdir()
        self._fake_python()

    def _fake_python(self) -> None:
        """python3 -m venv DIR makes DIR/bin/python, which only logs what pip was asked to
        install, and DIR/bin/archlint, the archlint under test."""
        archlint = f'#!/bin/sh\nexec "{sys.executable}" -m archlint "$@"\n'
        python = f'#!/bin/sh\necho "venv python $*" >> "{self.log}"\n'
        script = (
            "#!/bin/bash\nset -e\n"
            f'echo "python3 $*" >> "{self.log}"\n'
            '[ "$1 $2" = "-m venv" ] || exit 3\n'
            'mkdir -p "$3/bin"\n'
            f"cat > \"$3/bin/python\" <<'EOF'\n{python}EOF\n"
            f"cat > \"$3/bin/archlint\" <<'EOF'\n{archlint}EOF\n"
            'chmod +x "$3/bin/python" "$3/bin/archlint"\n'
        )
        path = self.bin / "python3"
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def value(self, ref: str) -> str:
        if ref.startswith("inputs."):
            return self.inputs[ref.removeprefix("inputs.")]
        if ref == "github.action_path":
            return str(ROOT)
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", ref)
        assert match, f"an expression this emulation does not know: {ref}"
        return self.outputs.get(match[1], {}).get(match[2], "")

    def expand(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m[1]), str(text))

    def condition(self, text: str | None) -> bool:
        if text is None:
            return True
        result = True
        for part in text.split("&&"):
            match = COMPARISON.match(part.strip())
            assert match, f"a condition this emulation does not know: {text}"
            ref, op, literal = match.groups()
            result &= (self.value(ref) == literal) == (op == "==")
        return result

    def run(self) -> subprocess.CompletedProcess | None:
        """Every step in turn, as long as they succeed; the last shell step's process."""
        last = None
        for step in STEPS:
            if not self.condition(step.get("if")):
                continue
            self.ran.append(step["name"])
            if "uses" in step:
                self.used[step["uses"]] = {k: self.expand(v) for k, v in step["with"].items()}
                continue
            last = self._shell(step)
            if last.returncode != 0:
                break
        return last

    def _shell(self, step: dict) -> subprocess.CompletedProcess:
        output = self.tmp / f"output-{len(self.ran)}"
        output.write_text("")
        script = self.tmp / f"step-{len(self.ran)}.sh"
        script.write_text(step["run"])
        env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(self.tmp),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.tmp / "runner-temp"),
            "NO_COLOR": "1",
            **{k: self.expand(v) for k, v in (step.get("env") or {}).items()},
        }
        (self.tmp / "runner-temp").mkdir(exist_ok=True)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if "id" in step:
            pairs = [line.split("=", 1) for line in output.read_text().splitlines() if line]
            self.outputs[step["id"]] = dict(pairs)
        return done


CLEAN = """[input]
channels = 1
height = 7
width = 7

[[layers]]
name = "conv1"
type = "conv2d"
out_channels = 8
kernel_size = 3
stride = 2
"""


@pytest.fixture
def workspace(tmp_path):
    """A checkout: a git work tree with one spec that warns (AL001) and one that is clean."""
    ws = tmp_path / "workspace"
    (ws / ".git").mkdir(parents=True)
    (ws / "models").mkdir()
    shutil.copy(ROOT / "samples" / "lecture" / "strides_7x7.toml", ws / "models" / "net.toml")
    (ws / "models" / "ok.toml").write_text(CLEAN, encoding="utf-8")
    return ws


@pytest.fixture
def runner_dir(tmp_path):
    folder = tmp_path / "runner"
    folder.mkdir()
    return folder


def test_sarif_mode_installs_the_actions_own_copy_writes_sarif_uploads_then_fails(
    workspace, runner_dir
):
    runner = Runner(runner_dir, workspace, paths="models")
    last = runner.run()
    assert runner.ran == ["Install archlint", "Run archlint", "Upload SARIF to code scanning",
                          "Fail on findings"]  # fmt: skip
    log = runner.log.read_text()
    assert f"venv python -m pip install --quiet --disable-pip-version-check {ROOT}\n" in log
    assert runner.outputs["check"] == {"sarif-file": "archlint.sarif", "exit-code": "1"}
    sarif = json.loads((workspace / "archlint.sarif").read_text())
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    [result] = sarif["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert (uri, result["ruleId"]) == ("models/net.toml", "AL001")
    assert runner.used["github/codeql-action/upload-sarif@v3"] == {
        "sarif_file": "archlint.sarif", "category": "archlint"
    }  # fmt: skip
    assert last.returncode == 1 and "::error title=archlint::" in last.stdout


def test_github_mode_annotates_and_fails_with_archlints_exit_code(workspace, runner_dir):
    runner = Runner(runner_dir, workspace, paths="models", format="github",
                    version="archlint==0.1.0")  # fmt: skip
    last = runner.run()
    assert runner.ran == ["Install archlint", "Run archlint"]  # no upload, no final step
    assert "venv python -m pip install --quiet --disable-pip-version-check archlint==0.1.0" in (
        runner.log.read_text()
    )
    assert last.returncode == 1
    assert last.stdout.startswith(
        "::warning file=models/net.toml,line=35,col=1,title=AL001 non-integer-output::"
    )
    assert runner.outputs["check"] == {"exit-code": "1"}


def test_paths_and_args_split_on_spaces_and_new_lines(workspace, runner_dir):
    runner = Runner(runner_dir, workspace, paths=" models/ok.toml\n\n  models/net.toml \n",
                    args="--fail-on  error\n--select AL001", upload="false")  # fmt: skip
    last = runner.run()
    assert runner.ran == ["Install archlint", "Run archlint", "Fail on findings"]  # no upload
    assert last.returncode == 0  # a warning, below --fail-on error
    assert runner.outputs["check"]["exit-code"] == "0"
    sarif = json.loads((workspace / "archlint.sarif").read_text())
    [result] = sarif["runs"][0]["results"]  # from the path on the third line
    assert result["ruleId"] == "AL001"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "models/net.toml"
    )


def test_a_clean_check_passes_every_step(workspace, runner_dir):
    runner = Runner(runner_dir, workspace, paths="models/ok.toml", **{"sarif-file": "out.sarif"})
    last = runner.run()
    assert last.returncode == 0 and runner.outputs["check"]["exit-code"] == "0"
    assert runner.used["github/codeql-action/upload-sarif@v3"]["sarif_file"] == "out.sarif"
    assert json.loads((workspace / "out.sarif").read_text())["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ({"format": "xml"}, "::error title=archlint action::format is sarif or github, not 'xml'"),
        ({"paths": "  \n "}, "::error title=archlint action::no paths to check"),
        ({"paths": "models/missing.toml"}, "archlint: error:"),  # archlint's own usage error
    ],
    ids=["format", "no paths", "missing file"],
)
def test_a_usage_error_fails_before_any_upload(workspace, runner_dir, inputs, says):
    runner = Runner(runner_dir, workspace, **inputs)
    last = runner.run()
    assert last.returncode == 2 and says in last.stdout + last.stderr
    assert runner.ran == ["Install archlint", "Run archlint"]
    assert runner.used == {}


def test_python_is_set_up_only_when_a_version_is_given(workspace, runner_dir):
    runner = Runner(runner_dir, workspace, paths="models/ok.toml", **{"python-version": "3.12"})
    runner.run()
    assert runner.ran[0] == "Set up Python"
    assert runner.used["actions/setup-python@v5"] == {"python-version": "3.12"}


def test_an_input_cannot_inject_shell_code(workspace, runner_dir):
    marker = runner_dir / "injected"
    runner = Runner(runner_dir, workspace, paths=f"models/ok.toml; touch {marker}",
                    args=f"$(touch {marker})")  # fmt: skip
    last = runner.run()
    assert not marker.exists()
    assert last.returncode == 2  # archlint was given the words as they are, and refused them


@pytest.fixture(autouse=True)
def _needs_bash():
    if shutil.which("bash") is None or os.name != "posix":
        pytest.skip("the action's steps are bash scripts")

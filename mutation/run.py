"""Mutation testing of archlint/ and rules/ with cosmic-ray, in bounded time (see README.md).

    python mutation/run.py archlint/cost.py rules/budget_exceeded.py --budget 240

Each module is mutated in a private copy of the work tree, never in place: cosmic-ray rewrites
the file it mutates, and other people work in this checkout. For each module, cosmic-ray lists
the mutants (its `init`), the noisy operators are filtered out (`cr-filter-operators`, unless
--all-operators) with any line marked `# pragma: no mutate` (`cr-filter-pragma`), and then the
mutants run one by one, in cosmic-ray's random order, through cosmic-ray's own
`mutate_and_test`, each against the module's tests run in parallel by pytest-xdist, until the
module's share of the time budget is spent. What did not fit is reported as not run.

Exit 0 when every mutant that ran was killed, 1 when some survived, 2 on a usage error or when
the unmutated tests fail (the baseline): a mutation run means nothing on a red suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

# cosmic-ray replaces each binary operator with each of eleven others; those to bit operations,
# shifts, powers and modulo are almost always killed at once by any test that reaches the line
# (or are equivalent on the small non-negative integers archlint counts), so by default they are
# left out, with the unary ~ and +, and the operators that insert or swap variables at random.
# --all-operators keeps them.
NOISY_OPERATORS = [
    r"core/ReplaceBinaryOperator_\w+_(BitAnd|BitOr|BitXor|LShift|RShift|Pow|Mod)$",
    r"core/ReplaceBinaryOperator_(BitAnd|BitOr|BitXor|LShift|RShift|Pow)_\w+$",
    r"core/ReplaceUnaryOperator_\w+_(Invert|UAdd)$",
    r"core/VariableInserter$",
    r"core/VariableReplacer$",
]

# --workers auto: below this many seconds of tests, pytest-xdist's start-up costs more than the
# parallel run saves (measured on two cores: test_cost.py takes 2.8 s alone, 7.6 s with -n 2)
XDIST_AFTER = 10.0

# tests too slow to run once per mutant: they build packages, install hooks or fuzz
SLOW_TESTS = {"test_precommit.py", "test_plugins.py", "test_fuzz.py", "test_modern_layers_fuzz.py"}

COPY_IGNORE = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache",
    ".ruff_cache", ".benchmarks", ".venv", "mutants",
)  # fmt: skip


@dataclass
class Outcome:
    """A module's session as it stands after this run."""

    module: str
    tests: list[str]
    command: str = ""
    total: int = 0  # mutants left after the filters
    filtered: int = 0
    killed: int = 0
    timeouts: int = 0  # counted among the killed
    survived: list[str] = field(default_factory=list)  # one line each: where, operator, change
    incompetent: int = 0  # the mutant did not import, or there was nothing to mutate
    ran_now: int = 0
    seconds: float = 0.0

    @property
    def pending(self) -> int:
        return self.total - self.killed - len(self.survived) - self.incompetent

    def line(self) -> str:
        done = self.killed + len(self.survived)
        rate = f" ({len(self.survived) / done:.0%} of those run)" if done else ""
        return (
            f"{self.module}: {self.total} mutants: {self.killed} killed ({self.timeouts} by"
            f" timeout), {len(self.survived)} survived{rate}, {self.incompetent} incompetent,"
            f" {self.pending} not run yet; {self.ran_now} run now in {self.seconds:.0f} s;"
            f" {self.filtered} more filtered out"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.resume and not args.out:
        print("mutation: --resume goes on with the sessions in --out DIR: name it", file=sys.stderr)
        return 2
    try:
        import cosmic_ray  # noqa: F401
        import xdist  # noqa: F401
    except ImportError as exc:
        print(f"mutation: {exc.name} is missing: pip install '.[mutation]'", file=sys.stderr)
        return 2
    modules = select_modules(args.modules)
    if not modules:
        print("mutation: no modules to mutate under archlint/ or rules/", file=sys.stderr)
        return 2
    out = Path(args.out or tempfile.mkdtemp(prefix="archlint-mutation-")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + args.budget
    work = Path(tempfile.mkdtemp(prefix="archlint-mutants-"))
    try:
        copy = work / "tree"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
        (copy / "archlint_rules").symlink_to("rules")  # the package name rules/ installs as
        path = os.pathsep.join(filter(None, [str(copy), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("CI", None)
        os.environ.update(env)  # cosmic-ray runs each mutant's tests with this process's env
        os.environ.pop("CI", None)
        if not imports_the_copy(copy, env):
            return 2
        outcomes = []
        for n, module in enumerate(modules):
            share = (deadline - time.monotonic()) / (len(modules) - n)
            tests = args.tests or tests_for(module)
            outcome = run_module(module, tests, copy, env, out, share, args)
            if outcome is None:
                return 2
            outcomes.append(outcome)
            print(outcome.line(), flush=True)
        report = render(outcomes)
        (out / "report.txt").write_text(report, encoding="utf-8")
        print("\n" + report)
        print(f"sessions and report in {out} (cr-report {out}/<module>.sqlite --show-diff)")
        return 1 if any(o.survived for o in outcomes) else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Mutation testing of archlint/ and rules/ (cosmic-ray, pytest-xdist), in"
        " bounded time.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              python mutation/run.py archlint/cost.py --budget 120
              python mutation/run.py rules/ --budget 600 --workers 2
              python mutation/run.py archlint/suppressions.py --tests tests/test_suppressions.py
            """
        ),
    )
    parser.add_argument(
        "modules", nargs="*", metavar="MODULE",
        help="files or folders under archlint/ or rules/ (default: both, whole)",
    )  # fmt: skip
    parser.add_argument(
        "--budget", type=float, default=300, metavar="SECONDS",
        help="time for the whole run, shared evenly by the modules (default: 300)",
    )  # fmt: skip
    parser.add_argument(
        "--tests", nargs="+", metavar="TEST",
        help="test files to run against every mutant (default: per module, the test files"
        " named after it or naming it: its name as a word, a rule's code or name)",
    )  # fmt: skip
    parser.add_argument(
        "--workers", default="auto", metavar="N", type=_workers,
        help="pytest-xdist workers per test run; 0: no xdist; auto (the default): as many as"
        " there are cores (at most 4) when the module's tests take over"
        f" {XDIST_AFTER:.0f} s, else none",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS",
        help="a mutant whose tests take longer is killed (default: 4 × the baseline, ≥ 30 s)",
    )  # fmt: skip
    parser.add_argument(
        "--all-operators", action="store_true",
        help="keep the operators left out by default (bit operations, shifts, ...)",
    )  # fmt: skip
    parser.add_argument(
        "--out", metavar="DIR",
        help="where to keep the sessions and the report (default: a new temporary folder)",
    )  # fmt: skip
    parser.add_argument(
        "--resume", action="store_true",
        help="go on with the sessions in --out: first the mutants that survived there (killed"
        " now?), then those not run yet; a module changed since starts afresh",
    )  # fmt: skip
    return parser.parse_args(argv)


def _workers(value: str) -> str | int:
    if value == "auto":
        return value
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r}: a number of workers, or auto")
    return int(value)


def select_modules(names: list[str]) -> list[str]:
    """Python files under archlint/ and rules/, as paths relative to the repository."""
    found = []
    for name in names or ["archlint", "rules"]:
        path = (Path.cwd() / name).resolve()
        if not path.exists():
            path = (ROOT / name).resolve()
        try:
            relative = path.relative_to(ROOT)
        except ValueError:
            sys.exit(f"mutation: {name} is not inside {ROOT}")
        if relative.parts[:1] not in (("archlint",), ("rules",)):
            sys.exit(f"mutation: {name} is not under archlint/ or rules/")
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        found += [f.relative_to(ROOT).as_posix() for f in files if f.suffix == ".py"]
    return list(dict.fromkeys(m for m in found if not m.endswith("__init__.py")))


def references(module: str) -> re.Pattern:
    """What a test file says when it tests `module`: the module's name as a word (`sarif` in
    `--format sarif`, `suppressions`), and a rule's code and name."""
    words = [Path(module).stem]
    if module.startswith("rules/"):  # tests name a rule by its code or name
        text = (ROOT / module).read_text(encoding="utf-8")
        for constant in ("CODE", "NAME"):
            match = re.search(rf'^{constant} = "([^"]+)"', text, re.M)
            if match:
                words.append(match[1])
    return re.compile("|".join(rf"(?<![\w-]){re.escape(w)}(?![\w-])" for w in words))


def tests_for(module: str) -> list[str]:
    """The test files named after the module or naming it (see `references`); every test (the
    slow ones aside) when none does. --tests chooses others."""
    candidates = sorted(p for p in TESTS.glob("test_*.py") if p.name not in SLOW_TESTS)
    said = references(module)
    chosen = [
        p
        for p in candidates
        if said.search(p.stem.removeprefix("test_")) or said.search(p.read_text(encoding="utf-8"))
    ]
    return [p.relative_to(ROOT).as_posix() for p in (chosen or candidates)]


def imports_the_copy(copy: Path, env: dict) -> bool:
    """True when `import archlint` and the rules in `env` are the copy's, never the checkout's."""
    probe = (
        "import archlint, archlint_rules, sys; from archlint.registry import installed_rules;"
        " rules, _ = installed_rules();"
        " print(archlint.__file__); print(archlint_rules.__path__[0]);"
        " print(sys.modules[rules[0].check.__module__].__file__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=copy, env=env, capture_output=True, text=True
    )
    paths = done.stdout.split()
    if (
        done.returncode != 0
        or len(paths) != 3
        or not all(Path(p).resolve().is_relative_to(copy.resolve()) for p in paths)
    ):
        print(
            f"mutation: the copy is not what Python imports ({done.stdout}{done.stderr});"
            " refusing to mutate",
            file=sys.stderr,
        )
        return False
    return True


def test_command(tests: list[str], workers: int) -> str:
    xdist = ["-n", str(workers)] if workers > 0 else ["-p", "no:xdist"]
    return shlex.join(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *xdist, *tests]
    )


def _run(command: str, cwd: Path, env: dict, timeout: float) -> subprocess.CompletedProcess:
    """Run a test command; past `timeout`, kill it with its xdist workers, and raise."""
    with subprocess.Popen(
        shlex.split(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    ) as process:  # fmt: skip
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def cosmic(copy: Path, env: dict, *command: str) -> None:
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True, text=True)


def run_module(module, tests, copy, env, out, share, args) -> Outcome | None:
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    started = time.monotonic()
    outcome = Outcome(module, tests)
    workers = 0 if args.workers == "auto" else args.workers
    command = test_command(tests, workers)
    try:  # the baseline too is bounded: by the module's share of the budget
        baseline = _run(command, copy, env, timeout=max(share, 1.0))
    except subprocess.TimeoutExpired:
        print(f"mutation: the tests took over {share:.0f} s without any mutant ({command}):"
              " more --budget, or fewer --tests", file=sys.stderr)  # fmt: skip
        return None
    took = time.monotonic() - started
    if baseline.returncode != 0:
        print(f"mutation: the tests fail without any mutant ({command}):", file=sys.stderr)
        print(baseline.stdout[-3000:] + baseline.stderr[-2000:], file=sys.stderr)
        return None
    if args.workers == "auto" and took > XDIST_AFTER and (os.cpu_count() or 1) > 1:
        # long enough for pytest-xdist's start-up (some 4 s here) to pay: split the tests
        command = test_command(tests, min(os.cpu_count() or 1, 4))
        again = time.monotonic()
        try:
            _run(command, copy, env, timeout=4 * took)
        except subprocess.TimeoutExpired:
            pass  # slower in parallel than alone: the timeout below still bounds each mutant
        took = time.monotonic() - again
    outcome.command = command
    timeout = args.timeout or max(30.0, 4 * took)
    stem = module.replace("/", ".").removesuffix(".py")
    session = out / f"{stem}.sqlite"
    config = out / f"{stem}.toml"
    digest_file = out / f"{stem}.sha256"
    digest = hashlib.sha256((copy / module).read_bytes()).hexdigest()
    if args.resume and session.exists() and not _same(digest_file, digest):
        print(f"mutation: {module} changed since its session: starting it afresh", flush=True)
    if not (args.resume and session.exists() and _same(digest_file, digest)):
        excluded = [] if args.all_operators else NOISY_OPERATORS
        config.write_text(  # TOML's basic strings escape as JSON's do
            "[cosmic-ray]\n"
            f"module-path = {json.dumps(module)}\n"
            f"timeout = {timeout}\n"
            "excluded-modules = []\n"
            f"test-command = {json.dumps(command)}\n\n"
            "[cosmic-ray.distributor]\n"
            'name = "local"\n\n'
            "[cosmic-ray.filters.operators-filter]\n"
            f"exclude-operators = {json.dumps(excluded)}\n",
            encoding="utf-8",
        )
        bin_dir = Path(sys.executable).parent
        cosmic(copy, env, str(bin_dir / "cosmic-ray"), "init", "--force", str(config), str(session))
        cosmic(copy, env, str(bin_dir / "cr-filter-operators"), str(session), str(config))
        cosmic(copy, env, str(bin_dir / "cr-filter-pragma"), str(session))
        digest_file.write_text(digest + "\n")
    deadline = started + share
    here = os.getcwd()
    os.chdir(copy)  # cosmic-ray's paths are relative to the copy
    try:
        with use_db(str(session), WorkDB.Mode.open) as db:
            # the survivors of earlier runs first (are they killed now?), then the mutants not
            # run yet, in cosmic-ray's random order
            again = [
                i for i, r in db.completed_work_items if r.test_outcome == TestOutcome.SURVIVED
            ]
            now = set()
            for item in [*again, *db.pending_work_items]:
                if time.monotonic() + took > deadline:
                    break
                db.set_result(item.job_id, mutate_and_test(item.mutations, command, timeout))
                now.add(item.job_id)
            outcome.ran_now = len(now)
            for item, result in db.completed_work_items:
                if result.worker_outcome == WorkerOutcome.SKIPPED:
                    outcome.filtered += 1
                elif result.test_outcome == TestOutcome.KILLED:
                    outcome.killed += 1
                    outcome.timeouts += result.output == "timeout"
                elif result.test_outcome == TestOutcome.SURVIVED:
                    earlier = "" if item.job_id in now else " (an earlier run's: not run again yet)"
                    outcome.survived.append(describe(item.mutations[0], result.diff) + earlier)
                else:
                    outcome.incompetent += 1
            outcome.total = db.num_work_items - outcome.filtered
    finally:
        os.chdir(here)
    outcome.seconds = time.monotonic() - started
    return outcome


def _same(digest_file: Path, digest: str) -> bool:
    return digest_file.exists() and digest_file.read_text().strip() == digest


def describe(mutation, diff: str | None) -> str:
    """`path:line: operator: old → new`, from the mutation and cosmic-ray's diff."""
    lines = (diff or "").splitlines()
    removed = [ln[1:].strip() for ln in lines if ln[:1] == "-" and ln[:3] != "---"]
    added = [ln[1:].strip() for ln in lines if ln[:1] == "+" and ln[:3] != "+++"]
    change = f"{' / '.join(removed)}  →  {' / '.join(added)}"
    operator = mutation.operator_name.removeprefix("core/")
    return f"{mutation.module_path}:{mutation.start_pos[0]}: {operator}: {change}"


def render(outcomes: list[Outcome]) -> str:
    lines = ["Mutation run: " + ", ".join(o.module for o in outcomes), ""]
    for o in outcomes:
        lines.append(o.line())
        lines.append(f"  tests: {o.command}")
        lines += [f"  survived: {s}" for s in sorted(o.survived, key=_by_line)]
    return "\n".join(lines) + "\n"


def _by_line(text: str) -> tuple[str, int]:
    path, line, _ = text.split(":", 2)
    return path, int(line)


if __name__ == "__main__":
    sys.exit(main())

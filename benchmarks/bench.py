#!/usr/bin/env python3
"""archlint performance benchmark: a measurement script, not a test (see README.md).

    python benchmarks/bench.py                  # full run
    python benchmarks/bench.py --quick          # 1k and 10k layers, fewer runs, no phase split
    python benchmarks/bench.py --json           # the same figures as JSON on stdout
    python benchmarks/bench.py --profile 10000  # also cProfile one check of 10k layers
    python benchmarks/bench.py --timeout 300    # limit of one CLI run in the scaling section

Run it with the interpreter of the venv archlint is installed in: the cold runs time the
`archlint` console script next to that interpreter. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import DEVNULL

REPO = Path(__file__).resolve().parent.parent
RESNET50 = REPO / "samples" / "networks" / "resnet50.toml"
WARM_UP_SPEC = REPO / "samples" / "tiny_resnet.toml"
ARCHLINT = str(Path(sys.executable).parent / "archlint")
ONNX_SNIPPET = (
    "import sys, onnx, onnx.checker, onnx.shape_inference\n"
    "m = onnx.load(sys.argv[1])\n"
    "onnx.checker.check_model(m)\n"
    "onnx.shape_inference.infer_shapes(m)\n"
)
COMMANDS = ("check", "summary", "sizes", "graph")  # the CLI commands timed on every spec

# The team's targets (README.md, "Targets"): each is a row of the Targets table.
TARGET_COLD_VS_ONNX = 1.0  # cold `archlint check` ResNet-50 / cold onnx load+check+infer
TARGET_CHECK_VS_INFER = 1.0  # in-process check(doc) / onnx infer_shapes(model)
TARGET_FROM_DICT_VS_INFER = 1.5  # in-process check(from_dict(data)) / infer_shapes(model)
TARGET_10K_SECONDS = 0.5  # in-process check of 10k layers
TARGET_LINEAR_RATIO = 1.25  # in-process per-layer time at the largest size / at the smallest
TARGET_DIR_SECONDS = 2.0  # one `archlint check DIR` process over DIR_FILES small specs
TARGET_VS_CHECK = 3.0  # cold CLI at 10k layers: summary, sizes, graph / check
TARGET_GROWTH = 12.0  # cold CLI time at 100k layers / at 10k, every command
TARGET_100K_SECONDS = 3.0  # cold `archlint check` of 100k layers
TARGET_100K_RSS = 300 * 2**20  # its peak RSS
TARGET_HOSTILE_SECONDS = 1.0  # every command on each hostile spec
DIR_FILES = 1000

DEFAULT_TIMEOUT = 120.0  # seconds, one CLI run of the scaling section
DEFAULT_HOSTILE_TIMEOUT = 30.0  # seconds, one CLI run on a hostile spec
HANG_GUARD = 600.0  # seconds: the other cold runs (ResNet-50, directory, warm-ups) are killed
SLOW_RUN = 10.0  # a scaling or hostile command slower than this is not run again
DEFERRED_SCAN = "source map scan (deferred)"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def stats(times: list[float]) -> dict:
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "runs": len(times),
    }


# ------------------------------------------------------------------------- generated specs


class Net:
    """A spec being built: layers named after their type and index ("conv12", "bn13")."""

    SHORT = {"conv2d": "conv", "batchnorm2d": "bn"}

    def __init__(self, name: str, channels: int, side: int) -> None:
        self.layers: list[dict] = []
        self.spec = {
            "model": {"name": name},
            "input": {"channels": channels, "height": side, "width": side},
            "layers": self.layers,
        }

    def add(self, kind: str, name: str | None = None, **keys) -> str:
        name = name or f"{self.SHORT.get(kind, kind)}{len(self.layers)}"
        self.layers.append({"name": name, "type": kind, **keys})
        return name

    def conv_bn_relu(self, **conv) -> str:
        self.add("conv2d", **conv)
        self.add("batchnorm2d")
        return self.add("relu")

    def residual_block(self, block_in: str, **conv) -> str:
        """A ResNet basic block: conv, bn, relu, conv, bn, add with the block input, relu."""
        self.conv_bn_relu(**conv)
        self.add("conv2d", **conv)
        self.add("add", inputs=[self.add("batchnorm2d"), block_in])
        return self.add("relu")

    def toml(self) -> str:
        def section(header: str, keys: dict) -> str:
            return "\n".join([header, *(f"{k} = {json.dumps(v)}" for k, v in keys.items())])

        sections = [section("[model]", self.spec["model"]), section("[input]", self.spec["input"])]
        sections += [section("[[layers]]", layer) for layer in self.layers]
        return "\n\n".join(sections) + "\n"


def large_spec(n_layers: int) -> Net:
    """A clean spec of exactly n_layers layers: ResNet basic blocks on 16x32x32 (3x3 convs,
    padding 1, no bias), cut to length, then global_avgpool, flatten, linear."""
    net = Net("gen", channels=16, side=32)
    conv = {"out_channels": 16, "kernel_size": 3, "padding": 1, "bias": False}
    block_in = "input"
    while len(net.layers) < n_layers - 3:
        block_in = net.residual_block(block_in, **conv)
    del net.layers[n_layers - 3 :]
    net.layers += [{"type": "global_avgpool"}, {"type": "flatten"}]
    net.add("linear", name="fc", out_features=10)
    return net


def small_spec(rng: random.Random, flaw: str | None) -> Net:
    """A small CNN of 5-15 layers: a conv-bn-relu stem, then more of those, 2x2 max-pools
    and residual blocks, cut to length, then flatten and linear.

    `flaw` plants a finding: "stride", a stride-3 3x3 stem on a 7x7 input (AL001); "bias",
    a conv bias right before batchnorm (AL010); "features", a wrong in_features (AL006)."""
    side = 7 if flaw == "stride" else rng.choice((16, 28, 32))
    channels = rng.choice((8, 16, 32))
    net = Net("small", channels=3, side=side)
    conv = {"out_channels": channels, "kernel_size": 3, "padding": 1, "bias": False}
    if flaw == "stride":
        block_in = net.conv_bn_relu(**conv | {"padding": 0, "stride": 3})
        side = 2
    else:
        block_in = net.conv_bn_relu(**conv | {"bias": flaw == "bias"})
    body = rng.randint(3, 13)  # layers before flatten and linear
    while len(net.layers) < body:
        pick = rng.random()
        if pick < 0.3 and side >= 4 and side % 2 == 0:
            block_in = net.add("maxpool2d", kernel_size=2)
            side //= 2
        elif pick < 0.6:
            block_in = net.conv_bn_relu(**conv)
        else:
            block_in = net.residual_block(block_in, **conv)
    del net.layers[body:]
    net.add("flatten")
    if flaw == "features":  # as if from a conv of half the channels
        net.add("linear", in_features=channels // 2 * side * side, out_features=10)
    else:
        net.add("linear", out_features=10)
    return net


def write_small_specs(folder: Path, count: int) -> dict:
    """`count` small specs in 10 sub-folders, one in 5 as JSON, one in 4 with a flaw."""
    rng = random.Random(1)
    layers = 0
    for i in range(count):
        net = small_spec(rng, ("stride", "bias", "features")[i // 4 % 3] if i % 4 == 0 else None)
        layers += len(net.layers)
        path = folder / f"team{i % 10}" / f"net{i:04d}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if i % 5 == 4:
            path.with_suffix(".json").write_text(json.dumps(net.spec, indent=2), encoding="utf-8")
        else:
            path.with_suffix(".toml").write_text(net.toml(), encoding="utf-8")
    return {"files": count, "json_files": count // 5, "flawed_files": count // 4, "layers": layers}


def write_large_specs(folder: Path, sizes: list[int]) -> dict[int, Path]:
    """`large_spec(n)` as TOML for each size, smallest first: {layers: path}."""
    paths = {}
    for n in sorted(sizes):
        paths[n] = folder / f"gen_{n}.toml"
        paths[n].write_text(large_spec(n).toml(), encoding="utf-8")
    return paths


def hostile_specs() -> dict[str, tuple[str, Net]]:
    """Tiny specs with huge numbers in them: {key: (label, spec)}. Each is valid; the work
    must not grow with the numbers (no loop over rows, no list of every input size)."""
    conv3 = {"out_channels": 8, "kernel_size": 3, "padding": 1}
    huge_input = Net("hostile-huge-input", channels=3, side=10**6)
    huge_input.add("conv2d", name="conv", **conv3)
    upsample = Net("hostile-upsample", channels=3, side=3)
    upsample.add("upsample", name="up", scale_factor=1000, mode="nearest")
    upsample.add("conv2d", name="conv", **conv3)
    huge_kernel = Net("hostile-huge-kernel", channels=3, side=10**6)
    huge_kernel.add("conv2d", name="conv", out_channels=8, kernel_size=10**6, stride=10**6)
    return {
        "a": ("(a) 10^6 x 10^6 input, conv2d k3 p1", huge_input),
        "b": ("(b) 3x3 input, upsample x1000, conv2d k3 p1", upsample),
        "c": ("(c) 10^6 x 10^6 input, conv2d k10^6 s10^6", huge_kernel),
    }


# ------------------------------------------------------------------------- timed processes


@dataclass
class Run:
    """One process run to its end, or killed at its timeout."""

    seconds: float  # wall time, from before the fork to after the wait
    rss: int  # the process's own peak resident set size, bytes
    exit_code: int | None  # None: killed at the timeout
    stdout: str = ""  # only when captured
    stderr: str = ""

    @property
    def status(self) -> str:
        """One of: ok (exit 0, clean, or 1, findings), timeout, or error (any other exit
        code, or a traceback on stderr)."""
        if self.exit_code is None:
            return "timeout"
        if self.exit_code not in (0, 1) or "Traceback" in self.stderr:
            return "error"
        return "ok"

    def describe(self) -> str:
        """The exit code and the last line of stderr, for a failed run."""
        lines = self.stderr.strip().splitlines()
        return f"exit {self.exit_code}" + (f": {lines[-1][:160]}" if lines else "")


def rss_bytes(ru_maxrss: int) -> int:
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def kill_group(pid: int, killed: threading.Event) -> None:
    """The timeout: SIGKILL the process group (the process and anything it started)."""
    try:
        os.killpg(pid, signal.SIGKILL)
        killed.set()
    except ProcessLookupError:  # it ended as the timer fired
        pass


def spawn(
    argv: list[str], env: dict[str, str], timeout: float | None = None, capture: bool = False
) -> Run:
    """Run one process in its own session, killed after `timeout` seconds. Its peak RSS comes
    from os.wait4, which reports that child alone (getrusage(RUSAGE_CHILDREN) keeps the
    maximum over every child waited for). stdout is kept only with `capture`."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        killed = threading.Event()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdout=out if capture else DEVNULL,
            stderr=err,
            cwd=REPO,
            env=env,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, kill_group, (proc.pid, killed)) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            rss_bytes(usage.ru_maxrss),
            None if killed.is_set() else proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def summarize(runs: list[Run], timeout: float) -> dict:
    """The figures of one command's runs: median/min/max and peak RSS when every run was ok;
    otherwise the status of the failed run ("timeout" or "error") and its time."""
    last = runs[-1]
    out: dict = {"status": last.status, "exit_code": last.exit_code}
    if last.status == "ok":
        return out | stats([r.seconds for r in runs]) | {"rss_peak": max(r.rss for r in runs)}
    out |= {"seconds": last.seconds, "rss_peak": last.rss, "runs": len(runs)}
    if last.status == "timeout":
        return out | {"timeout": timeout}
    return out | {"error": last.describe()}


def time_commands(
    commands: dict[str, list[str]], env: dict[str, str], runs: int, timeout: float
) -> dict[str, dict]:
    """Up to `runs` interleaved cold runs of each command (a, b, c, a, b, c, ...), each killed
    at `timeout` seconds. A command that times out, fails, or takes over SLOW_RUN seconds is
    not run again: its figure stands (a timeout is recorded, not waited out twice)."""
    done: dict[str, list[Run]] = {key: [] for key in commands}
    for _ in range(runs):
        for key, argv in commands.items():
            last = done[key][-1] if done[key] else None
            if last and (last.status != "ok" or last.seconds > SLOW_RUN):
                continue
            done[key].append(spawn(argv, env, timeout))
    return {key: summarize(done[key], timeout) for key in commands}


def command_argv(command: str, spec: Path, out_dir: Path) -> list[str]:
    """`archlint COMMAND SPEC`; graph writes OUT_DIR/<spec name>.html."""
    if command == "graph":
        return [ARCHLINT, "graph", str(spec), "-o", str(graph_output(spec, out_dir))]
    return [ARCHLINT, command, str(spec)]


def graph_output(spec: Path, out_dir: Path) -> Path:
    return out_dir / f"{spec.stem}.html"


# ----------------------------------------------------------------------------- cold starts


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    env: dict[str, str]
    exit_code: int = 0
    output: str = ""  # stdout of the warm-up run
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # peak RSS of each run, bytes


def bytecode_env(cache_dir: Path) -> dict[str, str]:
    """Bytecode cached in a temporary tree, as after `pip install` (which compiles .pyc);
    outside the repository, so the benchmark writes nothing there."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def find_onnx_model() -> Path | None:
    """The ResNet-50 the onnx wheel ships (weights stripped), found without importing onnx."""
    spec = importlib.util.find_spec("onnx")
    if spec is None or not spec.submodule_search_locations:
        return None
    model = Path(spec.submodule_search_locations[0], "backend/test/data/light/light_resnet50.onnx")
    return model if model.exists() else None


def time_cold(commands: list[Command], runs: int) -> dict:
    """One checked warm-up run of each command (which also fills the bytecode cache), then
    `runs` interleaved runs (a, b, c, a, b, c, ...), so a change in load hits all alike.
    Exit code 1 is accepted: it is archlint's "findings". A run is killed at HANG_GUARD."""
    for c in commands:
        run = spawn(c.argv, c.env, HANG_GUARD, capture=True)
        if run.status != "ok":
            sys.exit(f"bench: {c.label} failed ({run.status}, {run.describe()}):\n{run.stderr}")
        c.exit_code, c.output = run.exit_code, run.stdout
    for i in range(runs):
        log(f"  run {i + 1}/{runs}")
        for c in commands:
            run = spawn(c.argv, c.env, HANG_GUARD)
            c.times.append(run.seconds)
            c.rss.append(run.rss)
    return {
        c.key: {"label": c.label, "exit_code": c.exit_code, **stats(c.times), "rss": max(c.rss)}
        for c in commands
    }


def cold_start(env: dict[str, str], runs: int, onnx_model: Path | None) -> dict:
    """`archlint check` and `archlint summary` of the ResNet-50 spec against onnx's load +
    check_model + infer_shapes of the ResNet-50 its wheel ships, with the floors."""
    python = sys.executable
    resnet = str(RESNET50.relative_to(REPO))
    check = [ARCHLINT, "check", str(RESNET50)]
    cli = "import archlint.cli"
    commands = [
        Command("python_pass", "python -c pass (floor)", [python, "-c", "pass"], env),
        Command("import_cli", f"python -c '{cli}'", [python, "-c", cli], env),
        Command("archlint_check", f"archlint check {resnet}", check, env),
        Command(
            "archlint_summary", f"archlint summary {resnet}", [ARCHLINT, "summary", *check[2:]], env
        ),
    ]
    if onnx_model:
        argv = [python, "-c", ONNX_SNIPPET, str(onnx_model)]
        commands.append(Command("onnx", "onnx load+check_model+infer_shapes", argv, env))
        onnx_check = [ARCHLINT, "check", str(onnx_model)]
        label = "archlint check light_resnet50.onnx"
        commands.append(Command("archlint_check_onnx", label, onnx_check, env))
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):  # archlint check as a developer here runs it
        label = "  same, this env (PYTHONDONTWRITEBYTECODE)"
        commands.append(Command("archlint_check_nocache", label, check, dict(os.environ)))
    return time_cold(commands, runs)


def cold_directory(folder: Path, env: dict[str, str], runs: int) -> dict:
    """One `archlint check DIR` process over the small specs, in each output format."""
    check = [ARCHLINT, "check", str(folder)]
    commands = [
        Command("text", "archlint check DIR", check, env),
        Command("json", "  --format json", [*check, "--format", "json"], env),
        Command("sarif", "  --format sarif", [*check, "--format", "sarif"], env),
    ]
    timed = time_cold(commands, runs)
    for c in commands:
        timed[c.key]["output_bytes"] = len(c.output.encode())
    found = json.loads(commands[1].output)["diagnostics"]
    return {
        "formats": timed,
        "diagnostics": len(found),
        "files_with_findings": len({d["file"] for d in found}),
        "codes": dict(sorted(Counter(d["code"] for d in found).items())),
    }


# -------------------------------------------------------------- every command, cold CLI


def warm_commands(env: dict[str, str], out_dir: Path) -> None:
    """One run of each command on a tiny spec, so their own modules' bytecode is cached
    before anything is timed (the cold-start section only ran `check` and `summary`)."""
    for command in COMMANDS:
        run = spawn(command_argv(command, WARM_UP_SPEC, out_dir), env, HANG_GUARD)
        if run.status != "ok":
            log(f"  warm-up of archlint {command} failed: {run.status} {run.describe()}")


GAVE_UP = ("timeout", "skipped")  # not run at the larger sizes


def cli_scaling(
    specs: dict[int, Path], env: dict[str, str], out_dir: Path, runs: int, timeout: float
) -> dict:
    """Every command cold on each generated spec, smallest first; the commands interleaved
    at each size. A command that timed out at a size is skipped at the larger ones."""
    rows: dict[str, list[dict]] = {command: [] for command in COMMANDS}
    for n, spec in specs.items():
        gave_up = {c for c in COMMANDS if rows[c] and rows[c][-1]["status"] in GAVE_UP}
        argvs = {c: command_argv(c, spec, out_dir) for c in COMMANDS if c not in gave_up}
        log(f"cli scaling: {n:,} layers, up to {runs} runs of {', '.join(argvs)}")
        html = graph_output(spec, out_dir)
        html.unlink(missing_ok=True)
        timed = time_commands(argvs, env, runs, timeout)
        for command in COMMANDS:
            row = {"command": command, "layers": n}
            row |= timed.get(command, {"status": "skipped"})
            if command == "graph" and row["status"] == "ok" and html.exists():
                row["output_bytes"] = html.stat().st_size
            rows[command].append(row)
    add_ratios(rows)
    return {"runs": runs, "timeout": timeout, "slow_run": SLOW_RUN, "commands": rows}


def ratio(a: dict | None, b: dict | None) -> float | None:
    """a's median over b's, when both were measured."""
    if a and b and a["status"] == "ok" and b["status"] == "ok":
        return a["median"] / b["median"]
    return None


def add_ratios(rows: dict[str, list[dict]]) -> None:
    """To each row: `vs_check`, its time over check's at the same size, and `growth`, its time
    over its own at the previous size (None where a figure is missing)."""
    for series in rows.values():
        for i, row in enumerate(series):
            row["vs_check"] = ratio(row, rows["check"][i])
            row["growth"] = ratio(row, series[i - 1]) if i else None


def hostile(folder: Path, env: dict[str, str], runs: int, timeout: float) -> list[dict]:
    """Every command cold on each hostile spec, interleaved, each run killed at `timeout`."""
    results = []
    for key, (label, net) in hostile_specs().items():
        path = folder / f"hostile_{key}.toml"
        path.write_text(net.toml(), encoding="utf-8")
        log(f"hostile {label}: up to {runs} runs of each command")
        argvs = {command: command_argv(command, path, folder) for command in COMMANDS}
        timed = time_commands(argvs, env, runs, timeout)
        results.append({"spec": key, "label": label, "timeout": timeout, "commands": timed})
    return results


# ------------------------------------------------------------------------------ importtime

IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def import_times(argv: list[str], env: dict[str, str]) -> list[tuple[str, int, int, int]]:
    """(module, self us, cumulative us, depth) for each line of `-X importtime`."""
    env = dict(env, PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, env=env)
    matches = [IMPORT_LINE.match(line) for line in proc.stderr.splitlines()]
    return [(m[4], int(m[1]), int(m[2]), len(m[3]) // 2) for m in matches if m]


def importtime_summary(argv: list[str], env: dict[str, str], runs: int = 3) -> dict:
    """Per top-level package, medians over `runs`: `cumulative`, its imports made from outside
    the package (dependencies included: what importing it costs), and `self`, its own
    modules' self times. Interpreter start-up modules (`python -c pass` imports them too)
    are left out."""
    start_up = {row[0] for row in import_times([sys.executable, "-c", "pass"], env)}
    totals, cumulative, own = [], [], []
    for _ in range(runs):
        total, cum, slf = 0, Counter(), Counter()
        outer: list[str] = []  # the package of each enclosing import
        # importtime prints a module after the modules it imports: reversed, parents come first
        for name, self_us, cum_us, depth in reversed(import_times(argv, env)):
            if name in start_up:
                continue
            package = name.partition(".")[0]
            del outer[depth:]
            total += cum_us if depth == 0 else 0
            cum[package] += 0 if package in outer else cum_us
            slf[package] += self_us
            outer.append(package)
        totals.append(total)
        cumulative.append(cum)
        own.append(slf)

    def median(values) -> float:
        return statistics.median(values) / 1e6

    packages = [
        {
            "package": p,
            "cumulative": median([c[p] for c in cumulative]),
            "self": median([o[p] for o in own]),
        }
        for p in set().union(*cumulative)
    ]
    packages.sort(key=lambda p: -p["cumulative"])
    return {"total": median(totals), "top": packages[:8], "runs": runs}


# ---------------------------------------------------------------- in-process (workers)
# In-process figures come from fresh `bench.py --worker JSON` processes, one per job, so one
# job's imports, caches and heap do not colour the next: {"task": "scaling"|"versus_onnx", ...}.


def maxrss() -> int:
    return rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def versus_onnx_worker(spec: str, model: str, batches: int, batch_seconds: float) -> dict:
    """archlint.check of a loaded Document, archlint.check(from_dict(data)) of the spec's
    dict, and onnx's infer_shapes of the loaded ONNX model: per call, the median over
    `batches` batches of about `batch_seconds` each, the three interleaved batch by batch so
    a change in load hits all alike. Loading the files is not timed."""
    import tomllib

    import onnx
    import onnx.shape_inference

    import archlint

    doc = archlint.load(spec)
    data = tomllib.loads(Path(spec).read_text(encoding="utf-8"))
    loaded = onnx.load(model)
    calls = {
        "check_doc": lambda: archlint.check(doc),
        "check_from_dict": lambda: archlint.check(archlint.from_dict(data)),
        "onnx_infer_shapes": lambda: onnx.shape_inference.infer_shapes(loaded),
    }
    per_batch = {key: calls_per_batch(fn, batch_seconds) for key, fn in calls.items()}
    times: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(batches):
        for key, fn in calls.items():
            times[key].append(time_batch(fn, per_batch[key]))
    out = {key: {**stats(times[key]), "calls_per_batch": per_batch[key]} for key in calls}
    for key in ("check_doc", "check_from_dict"):  # the two must agree
        out[key]["diagnostics"] = len(calls[key]().diagnostics)
    return out


def calls_per_batch(fn, seconds: float, warm_up: int = 3) -> int:
    """Warm `fn` up, and size its batches from the median of the warm-up calls."""
    times = []
    for _ in range(warm_up):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return max(1, round(seconds / statistics.median(times)))


def time_batch(fn, calls: int) -> float:
    """Seconds per call of `calls` calls in a row (garbage collected before, not during)."""
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def scaling_worker(path: str, repeats: int, full: bool, profile: bool) -> dict:
    """Import archlint, warm up on a tiny spec (so imports and rule discovery are not timed),
    then time check(path) `repeats` times; with `full`, a run with the garbage collector off
    and the phase split; with `profile`, a cProfile of one check."""
    import archlint

    archlint.check(WARM_UP_SPEC)
    gc.collect()
    rss_before = maxrss()
    out: dict = {"times": []}
    for i in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = archlint.check(path)
        out["times"].append(time.perf_counter() - t0)
        if i == 0:  # before any repeat
            out["rss_peak"] = maxrss()
            out["rss_delta"] = out["rss_peak"] - rss_before
            out["diagnostics"] = len(result.diagnostics)
            out["codes"] = sorted({d.code for d in result.diagnostics})
        del result
    if full:
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        archlint.check(path)
        out["time_gc_off"] = time.perf_counter() - t0
        gc.enable()
        gc.collect()
        try:
            out["phases"] = phases(path)
        except Exception as exc:  # archlint's internal modules moved: the split is optional
            out["phases_error"] = f"{type(exc).__name__}: {exc}"
    if profile:
        out["profile"] = profile_check(path)
    return out


def phases(path: str) -> dict[str, float]:
    """check()'s pipeline stage by stage, through archlint's internal modules. The source-map
    scan is lazy: check() pays it only for a file with a diagnostic to locate."""
    import tomllib

    import archlint
    from archlint.graph import build
    from archlint.inference import infer
    from archlint.loader import from_dict
    from archlint.readers.sourcemap import toml_positions

    times = {}

    def timed(name, fn, *args):
        t0 = time.perf_counter()
        value = fn(*args)
        times[name] = time.perf_counter() - t0
        return value

    text = timed("read file", Path(path).read_text, "utf-8")
    data = timed("tomllib.loads", tomllib.loads, text)
    source_map = timed("source map (construct)", toml_positions, text)
    doc = timed("pydantic validation", from_dict, data, path)
    graph, _ = timed("graph build (graph.py)", build, doc.spec)
    analysis = timed("inference (inference.py)", infer, doc.spec, graph)
    config = archlint.Config()  # the rules check() runs by default, with their options
    rules = [r for r in archlint.installed_rules()[0] if config.selects(r.code, path)]
    timed("rules", lambda: [list(r.check(analysis, config.options_for(r))) for r in rules])
    timed(DEFERRED_SCAN, lambda: source_map.positions)
    return times


def profile_check(path: str) -> dict:
    import cProfile
    import pstats

    import archlint

    profiler = cProfile.Profile()
    profiler.runcall(archlint.check, path)
    st = pstats.Stats(profiler)
    roots = [str(REPO), sysconfig.get_path("purelib"), sysconfig.get_path("stdlib")]

    def where(file: str, line: int, function: str) -> str:
        root = next((r for r in roots if file.startswith(r + os.sep)), None)
        return f"{file[len(root) + 1 :] if root else file}:{line}({function})"

    rows = [
        {"where": where(*key), "self": tt, "cumulative": ct}
        for key, (_, _, tt, ct, _) in st.stats.items()
    ]
    return {
        "total": st.total_tt,
        "by_cumulative": sorted(rows, key=lambda r: -r["cumulative"])[:20],
        "by_self": sorted(rows, key=lambda r: -r["self"])[:15],
    }


WORKER_TASKS = {"scaling": scaling_worker, "versus_onnx": versus_onnx_worker}


def run_worker(task: str, **job) -> dict:
    """Run one job in a fresh `bench.py --worker` process; its figures, as JSON on stdout."""
    argv = [sys.executable, __file__, "--worker", json.dumps({"task": task, **job})]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"bench: {task} worker {job} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def scaling(path: Path, n: int, full: bool) -> dict:
    """archlint.check(path) in-process on the generated spec of n layers."""
    repeats = 5 if n <= 10_000 else 2
    log(f"scaling: {n:,} layers, {repeats} runs" + (" + gc-off run + phase split" if full else ""))
    w = run_worker("scaling", path=str(path), repeats=repeats, full=full, profile=False)
    s = {"layers": n, "file_bytes": path.stat().st_size, **stats(w.pop("times"))}
    return s | {"per_layer": s["median"] / n} | w


def versus_onnx(onnx_model: Path, batches: int) -> dict:
    """In-process ResNet-50: archlint's check against onnx's infer_shapes (see the worker)."""
    log(f"in-process ResNet-50 vs onnx infer_shapes: {batches} interleaved batches each")
    job = {"spec": str(RESNET50), "model": str(onnx_model), "batches": batches}
    calls = run_worker("versus_onnx", **job, batch_seconds=0.1)
    onnx_call = calls["onnx_infer_shapes"]["median"]
    for figures in calls.values():
        figures["per_second"] = 1 / figures["median"]
        figures["vs_onnx"] = figures["median"] / onnx_call
    return {"batches": batches, "calls": calls}


# ------------------------------------------------------------------------------------ main


def default_sizes(args: argparse.Namespace) -> list[int]:
    if args.sizes:
        return sorted(int(size) for size in args.sizes.split(","))
    return [1000, 10_000] if args.quick else [1000, 10_000, 100_000]


def measure(args: argparse.Namespace) -> dict:
    """Every section in turn, in one temporary folder; the figures as one dict."""
    runs = min(args.runs, 5) if args.quick else args.runs
    dir_runs = 3 if args.quick else 5
    cli_runs = 2 if args.quick else 3
    batches = 10 if args.quick else 20
    sizes = default_sizes(args)
    onnx_model = find_onnx_model()
    r: dict = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "onnx_model": str(onnx_model) if onnx_model else None,
        "load_before": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory(prefix="archlint-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = bytecode_env(tmp / "pycache")
        log(f"cold starts: {runs} interleaved runs each")
        r["cold"] = cold_start(env, runs, onnx_model)
        r["versus_onnx"] = versus_onnx(onnx_model, batches) if onnx_model else None
        log("importtime: 3 runs")
        r["importtime"] = importtime_summary([ARCHLINT, "check", str(RESNET50)], env)
        log(f"directory of {DIR_FILES:,} small specs: {dir_runs} interleaved runs per format")
        r["directory"] = write_small_specs(tmp / "specs", DIR_FILES)
        r["directory"] |= cold_directory(tmp / "specs", env, dir_runs)
        specs = write_large_specs(tmp, sizes)
        r["scaling"] = [scaling(path, n, full=not args.quick) for n, path in specs.items()]
        warm_commands(env, tmp)
        r["cli_scaling"] = cli_scaling(specs, env, tmp, cli_runs, args.timeout)
        (tmp / "hostile").mkdir()
        r["hostile"] = hostile(tmp / "hostile", env, 3, args.hostile_timeout)
        if args.profile:
            log(f"profile: cProfile of one check of {args.profile:,} layers")
            path = tmp / "profiled.toml"
            path.write_text(large_spec(args.profile).toml(), encoding="utf-8")
            job = {"path": str(path), "repeats": 1, "full": False, "profile": True}
            r["profile"] = {"layers": args.profile, **run_worker("scaling", **job)["profile"]}
        r["load_after"] = os.getloadavg()[0]
    first, last = r["scaling"][0], r["scaling"][-1]
    per_layer = last["per_layer"] / first["per_layer"] if len(sizes) > 1 else None
    r["per_layer_ratio"] = {"from": first["layers"], "to": last["layers"], "ratio": per_layer}
    r["targets"] = targets(r)
    return r


# --------------------------------------------------------------------------------- targets


def target(name: str, figure: str, ok: bool | None) -> dict:
    """A row of the Targets table; `ok` None (no figure, or a timeout) is "n/a", a MISS."""
    verdict = "n/a" if ok is None else "PASS" if ok else "MISS"
    return {"target": name, "figure": figure, "verdict": verdict, "pass": ok is True}


def compare(a: float | None, b: float | None, limit: float) -> tuple[str, bool | None]:
    """The figure "a vs b = a/b x", and whether a/b is at most `limit`."""
    if a is None or b is None:
        return "n/a: not measured", None
    return f"{ms(a)} vs {ms(b)} = {a / b:.2f}x", a / b <= limit


def why(row: dict) -> str:
    """Why a CLI figure is missing."""
    status = row["status"]
    if status == "timeout":
        return f"timed out (> {row['timeout']:g} s)"
    if status == "skipped":
        return "skipped (timed out at a smaller size)"
    if status == "error":
        return f"failed ({row['error']})"
    return status


def cli_row(r: dict, command: str, layers: int) -> dict:
    """The CLI scaling figures of `command` at `layers`, or a "not measured" stand-in."""
    rows = r["cli_scaling"]["commands"][command]
    found = next((row for row in rows if row["layers"] == layers), None)
    return found or {"command": command, "layers": layers, "status": "not measured"}


def cli_compare(a: dict, b: dict, limit: float) -> tuple[str, bool | None]:
    """compare() of two CLI rows, or which of them is missing and why."""
    for row in (a, b):
        if row["status"] != "ok":
            return f"n/a: {row['command']} at {row['layers']:,} layers {why(row)}", None
    return compare(a["median"], b["median"], limit)


def cold_targets(r: dict) -> list[dict]:
    cold = r["cold"]
    onnx = cold.get("onnx", {}).get("median")
    figure, ok = compare(cold["archlint_check"]["median"], onnx, TARGET_COLD_VS_ONNX)
    name = (
        f"cold `archlint check` ResNet-50 <= {TARGET_COLD_VS_ONNX:g} x onnx"
        " load+check_model+infer_shapes (medians)"
    )
    return [target(name, figure if onnx else "n/a: onnx not installed", ok)]


def in_process_targets(r: dict) -> list[dict]:
    calls = (r["versus_onnx"] or {}).get("calls", {})
    onnx = calls.get("onnx_infer_shapes", {}).get("median")
    rows = []
    for key, what, limit in (
        ("check_doc", "archlint.check(doc)", TARGET_CHECK_VS_INFER),
        ("check_from_dict", "archlint.check(from_dict(data))", TARGET_FROM_DICT_VS_INFER),
    ):
        figure, ok = compare(calls.get(key, {}).get("median"), onnx, limit)
        name = f"in-process {what} of ResNet-50 <= {limit:g} x onnx infer_shapes(model)"
        rows.append(target(name, figure, ok))
    return rows


def scaling_targets(r: dict) -> list[dict]:
    ten_k = next((s["median"] for s in r["scaling"] if s["layers"] == 10_000), None)
    pr = r["per_layer_ratio"]
    directory = r["directory"]["formats"]["text"]["median"]
    return [
        target(
            f"in-process check of 10,000 layers well under a second (< {TARGET_10K_SECONDS:g} s)",
            ms(ten_k) if ten_k else "n/a: not measured",
            None if ten_k is None else ten_k < TARGET_10K_SECONDS,
        ),
        target(
            f"in-process linear growth (per-layer time {pr['to']:,}/{pr['from']:,}"
            f" <= {TARGET_LINEAR_RATIO:g})",
            "n/a: one size" if pr["ratio"] is None else f"{pr['ratio']:.2f}x",
            None if pr["ratio"] is None else pr["ratio"] <= TARGET_LINEAR_RATIO,
        ),
        target(
            f"{DIR_FILES:,} small specs in one `archlint check DIR` (< {TARGET_DIR_SECONDS:g} s)",
            ms(directory),
            directory < TARGET_DIR_SECONDS,
        ),
    ]


def cli_targets(r: dict) -> list[dict]:
    check_10k = cli_row(r, "check", 10_000)
    rows = []
    for command in COMMANDS[1:]:
        figure, ok = cli_compare(cli_row(r, command, 10_000), check_10k, TARGET_VS_CHECK)
        name = f"cold `archlint {command}` at 10,000 layers <= {TARGET_VS_CHECK:g} x check"
        rows.append(target(name, figure, ok))
    for command in COMMANDS:
        big, small = cli_row(r, command, 100_000), cli_row(r, command, 10_000)
        figure, ok = cli_compare(big, small, TARGET_GROWTH)
        name = f"cold `archlint {command}`: time at 100,000 / at 10,000 <= {TARGET_GROWTH:g}x"
        rows.append(target(name, figure, ok))
    check = cli_row(r, "check", 100_000)
    measured = check["status"] == "ok"
    missing = f"n/a: check at 100,000 layers {why(check)}"
    seconds, rss = (check["median"], check["rss_peak"]) if measured else (None, None)
    rows.append(
        target(
            f"cold `archlint check` of 100,000 layers <= {TARGET_100K_SECONDS:g} s",
            ms(seconds) if measured else missing,
            seconds <= TARGET_100K_SECONDS if measured else None,
        )
    )
    rows.append(
        target(
            f"  ... and its peak RSS <= {mib(TARGET_100K_RSS)}",
            mib(rss) if measured else missing,
            rss <= TARGET_100K_RSS if measured else None,
        )
    )
    return rows


def hostile_targets(r: dict) -> list[dict]:
    rows = []
    for h in r["hostile"]:
        timed = h["commands"]
        failed = [f"{c} {why(row)}" for c, row in timed.items() if row["status"] != "ok"]
        slowest = max(timed, key=lambda command: timed[command].get("median", 0))
        seconds = timed[slowest].get("median")
        name = f"hostile {h['label']}: every command < {TARGET_HOSTILE_SECONDS:g} s"
        if failed:
            rows.append(target(name, "n/a: " + "; ".join(failed), None))
        else:
            ok = seconds < TARGET_HOSTILE_SECONDS
            rows.append(target(name, f"slowest: {slowest} {ms(seconds)}", ok))
    return rows


def targets(r: dict) -> list[dict]:
    return [
        *cold_targets(r),
        *in_process_targets(r),
        *scaling_targets(r),
        *cli_targets(r),
        *hostile_targets(r),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print JSON instead of the tables")
    p.add_argument(
        "--quick", action="store_true", help="1k and 10k layers, fewer runs, no phase split"
    )
    p.add_argument("--runs", type=int, default=10, help="cold runs per command (default 10)")
    p.add_argument(
        "--sizes",
        help="layers of the generated specs (default 1000,10000,100000; 1000,10000 with --quick)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds before one CLI run of the scaling section is killed (default %(default)g)",
    )
    p.add_argument(
        "--hostile-timeout",
        type=float,
        default=DEFAULT_HOSTILE_TIMEOUT,
        help="seconds before one CLI run on a hostile spec is killed (default %(default)g)",
    )
    p.add_argument(
        "--profile", type=int, metavar="LAYERS", help="also cProfile one check of this many layers"
    )
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one in-process job
    args = p.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(WORKER_TASKS[job.pop("task")](**job)))
    elif args.json:
        print(json.dumps(measure(args), indent=2))
    else:
        print_report(measure(args))


# ---------------------------------------------------------------------------------- tables


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:,.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us"


def mib(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


def table(title: str, header: str, rows: list[list]) -> None:
    """A titled table (`header` is "col|col|..."): first column left-aligned, others right."""
    rows = [header.split("|"), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\n{title}")
    for n, row in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        print("  " + "  ".join(cells).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def times_or_status(row: dict) -> str:
    """A CLI figure: its median, or what became of it."""
    if row["status"] == "ok":
        return ms(row["median"])
    if row["status"] == "timeout":
        return f"timeout (> {row['timeout']:g} s)"
    if row["status"] == "error":
        return f"error, exit {row['exit_code']} ({ms(row['seconds'])})"
    return row["status"]


def times_x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def print_header(r: dict) -> None:
    print(f"archlint benchmark  (Python {r['python']}, {r['cpus']} CPUs, {r['platform']})")
    print(f"interpreter: {r['executable']}")
    print(f"load average (1 min) before/after: {r['load_before']:.2f}/{r['load_after']:.2f}")
    if r["load_before"] > 0.5 or r["load_after"] > 1.5:  # this script alone adds up to 1
        print("  other work was running: the figures are noisy")


def print_cold(r: dict) -> None:
    cold = r["cold"]
    onnx = cold.get("onnx", {}).get("median")
    rows = []
    for c in cold.values():
        times = (c["median"], c["min"], c["max"], c["median"] - cold["python_pass"]["median"])
        vs_onnx = times_x(c["median"] / onnx if onnx else None)
        rows.append([c["label"], *map(ms, times), mib(c["rss"]), vs_onnx])
    header = "command|median|min|max|minus floor|peak RSS|x onnx"
    table("Cold start (fresh process, wall time)", header, rows)
    if r["onnx_model"]:
        print(f"  onnx model: {r['onnx_model']}")
    else:
        print("  onnx: skipped, the onnx package is not installed in this interpreter")
    print(
        f"  {cold['python_pass']['runs']} interleaved runs each; archlint check exit code"
        f" {cold['archlint_check']['exit_code']} (0 clean, 1 findings); peak RSS: the largest"
        " of the runs"
    )


def print_versus_onnx(r: dict) -> None:
    versus = r["versus_onnx"]
    if not versus:
        print("\nIn-process vs onnx: skipped, the onnx package is not installed")
        return
    labels = {
        "check_doc": "archlint.check(doc)",
        "check_from_dict": "archlint.check(archlint.from_dict(data))",
        "onnx_infer_shapes": "onnx.shape_inference.infer_shapes(model)",
    }
    rows = [
        [
            labels[key],
            ms(c["median"]),
            ms(c["min"]),
            ms(c["max"]),
            f"{c['per_second']:,.0f}",
            times_x(c["vs_onnx"]),
            c["calls_per_batch"],
        ]
        for key, c in versus["calls"].items()
    ]
    title = (
        f"In-process, ResNet-50 loaded once (per call: median/min/max of {versus['batches']}"
        " interleaved batches, after warm-up)"
    )
    table(title, "call|per call|min|max|networks/s|x onnx|calls/batch", rows)
    calls = versus["calls"]
    print(
        "  doc = archlint.load(resnet50.toml); data = its dict (tomllib); model ="
        f" onnx.load(light_resnet50.onnx); diagnostics: {calls['check_doc']['diagnostics']}"
        f" from check(doc), {calls['check_from_dict']['diagnostics']} from check(from_dict)"
    )


def print_directory(r: dict) -> None:
    d = r["directory"]
    rows = []
    for c in d["formats"].values():
        times = (c["median"], c["min"], c["max"], c["median"] / d["files"])
        rows.append([c["label"], *map(ms, times), f"{c['output_bytes'] / 1e3:,.0f} kB"])
    title = f"Cold check of a directory of {d['files']:,} small specs (one process, wall time)"
    table(title, "command|median|min|max|per file|output", rows)
    codes = ", ".join(f"{code} x{n}" for code, n in d["codes"].items())
    print(
        f"  {d['layers']:,} layers in all, {d['json_files']:,} files in JSON;"
        f" {d['diagnostics']:,} findings in {d['files_with_findings']:,} files ({codes})"
    )
    text = d["formats"]["text"]
    print(f"  {text['runs']} interleaved runs each; archlint exit code {text['exit_code']}")


def print_scaling(r: dict) -> None:
    rows = []
    for s in r["scaling"]:
        rows.append(
            [
                f"{s['layers']:,}",
                f"{s['file_bytes'] / 1e6:.1f} MB",
                ms(s["median"]),
                ms(s["min"]),
                us(s["per_layer"]),
                ms(s.get("time_gc_off")),
                mib(s["rss_peak"]),
                mib(s["rss_delta"]),
                s["diagnostics"],
            ]
        )
    table(
        "Scaling: archlint.check(path) in-process on generated specs (one process per size)",
        "layers|file|median|min|per layer|gc off|peak RSS|RSS growth|diags",
        rows,
    )
    pr = r["per_layer_ratio"]
    if pr["ratio"]:
        print(
            f"  per-layer time at {pr['to']:,} / at {pr['from']:,}: {pr['ratio']:.2f}x"
            " (1.00 = perfectly linear)"
        )
    print(
        "  peak RSS is ru_maxrss after the first check; RSS growth is over the process"
        " after import and warm-up"
    )
    for s in r["scaling"]:
        if "phases_error" in s:
            print(f"  phase split skipped ({s['phases_error']})")


def print_phases(r: dict) -> None:
    phased = [s for s in r["scaling"] if "phases" in s]
    if not phased:
        return
    last = phased[-1]["phases"]
    names = [n for n in last if n != DEFERRED_SCAN]
    total = sum(last[n] for n in names)

    def per_layer(name: str) -> list[str]:
        return [us(s["phases"][name] / s["layers"]) for s in phased]

    sums = [us(sum(s["phases"][n] for n in names) / s["layers"]) for s in phased]
    rows = [[n, *per_layer(n), f"{last[n] / total:.0%}"] for n in names]
    rows.append(["sum", *sums, "100%"])
    share = f"+{last[DEFERRED_SCAN] / total:.0%}"
    rows.append([DEFERRED_SCAN + "*", *per_layer(DEFERRED_SCAN), share])
    sizes = "|".join(f"{s['layers']:,}" for s in phased)
    header = f"phase|{sizes}|share @{phased[-1]['layers']:,}"
    table("Where check() spends its time, per layer (one phase after another)", header, rows)
    print("  * not in check() of a clean file: paid by a file with a diagnostic to locate")


def print_cli_scaling(r: dict) -> None:
    cli = r["cli_scaling"]
    rows = []
    for series in cli["commands"].values():
        previous = None
        for row in series:
            ok = row["status"] == "ok"
            growth = "-"
            if previous:
                growth = f"{row['layers'] / previous:,.0f}x layers: {times_x(row['growth'])}"
            rows.append(
                [
                    f"{row['command']} {row['layers']:,}",
                    times_or_status(row),
                    ms(row["min"]) if ok else "-",
                    row.get("runs", "-"),
                    mib(row["rss_peak"]) if ok else "-",
                    times_x(row["vs_check"]),
                    growth,
                    f"{row['output_bytes'] / 1e6:.1f} MB" if "output_bytes" in row else "",
                ]
            )
            previous = row["layers"]
    title = (
        f"Scaling of every command: cold CLI on the generated specs (median of up to"
        f" {cli['runs']} interleaved runs, timeout {cli['timeout']:g} s)"
    )
    header = "command layers|median|min|runs|peak RSS|x check|growth vs previous size|html"
    table(title, header, rows)
    print(
        f"  graph writes OUT.html in a temporary folder; a command slower than"
        f" {cli['slow_run']:g} s is run once; one that timed out is skipped at larger sizes;"
        " peak RSS: os.wait4 of each process"
    )
    failures = [row for series in cli["commands"].values() for row in series if "error" in row]
    for row in failures:
        print(f"  {row['command']} at {row['layers']:,} layers failed: {row['error']}")


def print_hostile(r: dict) -> None:
    rows = [
        [h["label"], *(times_or_status(h["commands"][command]) for command in COMMANDS)]
        for h in r["hostile"]
    ]
    timeout = r["hostile"][0]["timeout"]
    title = (
        "Hostile sizes: each command cold on a tiny spec with huge numbers (median of up to"
        f" 3 runs, timeout {timeout:g} s)"
    )
    table(title, "spec|" + "|".join(COMMANDS), rows)
    codes = [
        f"{h['spec']}: "
        + " ".join(
            "-" if (code := h["commands"][c]["exit_code"]) is None else str(code) for c in COMMANDS
        )
        for h in r["hostile"]
    ]
    print("  exit codes (" + ", ".join(COMMANDS) + "; - killed): " + "; ".join(codes))
    for h in r["hostile"]:
        for command, row in h["commands"].items():
            if row["status"] == "error":
                print(f"  {h['spec']} {command} failed: {row['error']}")


def print_imports(r: dict) -> None:
    it = r["importtime"]
    rows = [
        [p["package"], ms(p["cumulative"]), ms(p["self"]), f"{p['cumulative'] / it['total']:.0%}"]
        for p in it["top"]
    ]
    rows.append(["all imports", ms(it["total"]), "", ""])
    title = (
        f"Start-up imports of `archlint check` (-X importtime, median of {it['runs']} runs,"
        " interpreter start-up modules excluded)"
    )
    table(title, "package|cumulative|self|share of imports", rows)
    print(
        "  cumulative: imports of the package made from outside it, dependencies included;"
        " self: its own modules only (archlint's self includes building its pydantic models)"
    )


def print_profile(r: dict) -> None:
    prof = r.get("profile")
    if not prof:
        return
    for key, column in (("by_cumulative", "cumulative"), ("by_self", "self")):
        rows = [
            [row["where"], f"{row[column]:.3f} s", f"{row[column] / prof['total']:.0%}"]
            for row in prof[key]
        ]
        title = (
            f"cProfile of one check of {prof['layers']:,} layers, by {column} time"
            f" (profiled total {prof['total']:.2f} s; cProfile inflates it)"
        )
        table(title, f"function|{column}|share", rows)


def print_targets(r: dict) -> None:
    shown = {"PASS": "PASS", "MISS": "MISS", "n/a": "n/a (MISS)"}
    rows = [[t["target"], t["figure"], shown[t["verdict"]]] for t in r["targets"]]
    table("Targets", "target|figure|verdict", rows)
    passed = sum(t["pass"] for t in r["targets"])
    total = len(r["targets"])
    print(f"  {passed} of {total} targets PASS; n/a (not measured, or timed out) counts as a MISS")


def print_report(r: dict) -> None:
    print_header(r)
    print_cold(r)
    print_versus_onnx(r)
    print_directory(r)
    print_scaling(r)
    print_phases(r)
    print_cli_scaling(r)
    print_hostile(r)
    print_imports(r)
    print_profile(r)
    print_targets(r)


if __name__ == "__main__":
    main()

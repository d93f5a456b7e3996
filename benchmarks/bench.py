#!/usr/bin/env python3
"""archlint performance benchmark: a measurement script, not a test (see README.md).

    python benchmarks/bench.py                  # full run
    python benchmarks/bench.py --quick          # fewer sizes and runs, no phase split
    python benchmarks/bench.py --json           # the same figures as JSON on stdout
    python benchmarks/bench.py --profile 10000  # also cProfile one check of 10k layers

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
import statistics
import subprocess
import sys
import sysconfig
import tempfile
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

# The team's targets, with the numbers "well under a second" and "linear" are judged by.
TARGET_10K_SECONDS = 0.5
TARGET_LINEAR_RATIO = 1.25  # per-layer time at the largest size / at the smallest
TARGET_DIR_SECONDS = 2.0  # one `archlint check DIR` process over DIR_FILES small specs
DIR_FILES = 1000

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
    Exit code 1 is accepted: it is archlint's "findings"."""
    for c in commands:
        proc = subprocess.run(c.argv, capture_output=True, text=True, cwd=REPO, env=c.env)
        if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
            sys.exit(f"bench: {c.label} failed (exit {proc.returncode}):\n{proc.stderr}")
        c.exit_code, c.output = proc.returncode, proc.stdout
    for i in range(runs):
        log(f"  run {i + 1}/{runs}")
        for c in commands:
            t0 = time.perf_counter()
            subprocess.run(c.argv, stdout=DEVNULL, stderr=DEVNULL, cwd=REPO, env=c.env)
            c.times.append(time.perf_counter() - t0)
    return {c.key: {"label": c.label, "exit_code": c.exit_code, **stats(c.times)} for c in commands}


def cold_start(env: dict[str, str], runs: int, onnx_model: Path | None) -> dict:
    python = sys.executable
    check = [ARCHLINT, "check", str(RESNET50)]
    cli = "import archlint.cli"
    commands = [
        Command("python_pass", "python -c pass (floor)", [python, "-c", "pass"], env),
        Command("import_cli", f"python -c '{cli}'", [python, "-c", cli], env),
        Command("archlint_check", f"archlint check {RESNET50.relative_to(REPO)}", check, env),
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


# ------------------------------------------------------------ in-process check (worker)
# Each generated size runs in a fresh `bench.py --worker JSON` process: import archlint, warm
# up on a tiny spec (so imports and rule discovery are not timed), then time check(path).


def maxrss() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def worker(path: str, repeats: int, full: bool, profile: bool) -> dict:
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


def run_worker(path: Path, repeats: int, full: bool = False, profile: bool = False) -> dict:
    job = json.dumps({"path": str(path), "repeats": repeats, "full": full, "profile": profile})
    argv = [sys.executable, __file__, "--worker", job]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"bench: worker for {path} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def scaling(folder: Path, n: int, full: bool) -> dict:
    path = folder / f"gen_{n}.toml"
    path.write_text(large_spec(n).toml(), encoding="utf-8")
    repeats = 5 if n <= 10_000 else 2
    log(f"scaling: {n:,} layers, {repeats} runs" + (" + gc-off run + phase split" if full else ""))
    w = run_worker(path, repeats, full)
    s = {"layers": n, "file_bytes": path.stat().st_size, **stats(w.pop("times"))}
    return s | {"per_layer": s["median"] / n} | w


# ------------------------------------------------------------------------------------ main


def measure(args: argparse.Namespace) -> dict:
    runs = min(args.runs, 5) if args.quick else args.runs
    dir_runs = 3 if args.quick else 5
    sizes = [1000, 10_000] if args.quick else sorted(int(s) for s in args.sizes.split(","))
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
        log("importtime: 3 runs")
        r["importtime"] = importtime_summary([ARCHLINT, "check", str(RESNET50)], env)
        log(f"directory of {DIR_FILES:,} small specs: {dir_runs} interleaved runs per format")
        r["directory"] = write_small_specs(tmp / "specs", DIR_FILES)
        r["directory"] |= cold_directory(tmp / "specs", env, dir_runs)
        r["scaling"] = [scaling(tmp, n, full=not args.quick) for n in sizes]
        if args.profile:
            log(f"profile: cProfile of one check of {args.profile:,} layers")
            path = tmp / "profiled.toml"
            path.write_text(large_spec(args.profile).toml(), encoding="utf-8")
            r["profile"] = {"layers": args.profile, **run_worker(path, 1, profile=True)["profile"]}
        r["load_after"] = os.getloadavg()[0]
    first, last = r["scaling"][0], r["scaling"][-1]
    ratio = last["per_layer"] / first["per_layer"] if len(sizes) > 1 else None
    r["per_layer_ratio"] = {"from": first["layers"], "to": last["layers"], "ratio": ratio}
    r["targets"] = targets(r)
    return r


def targets(r: dict) -> list[dict]:
    check, onnx = r["cold"]["archlint_check"]["median"], r["cold"].get("onnx", {}).get("median")
    ten_k = next((s["median"] for s in r["scaling"] if s["layers"] == 10_000), None)
    pr = r["per_layer_ratio"]
    directory = r["directory"]["formats"]["text"]["median"]
    rows = [
        (
            "cold check of ResNet-50 no slower than onnx's own check",
            f"{ms(check)} vs {ms(onnx) if onnx else 'onnx not installed'}",
            None if onnx is None else check <= onnx,
        ),
        (
            f"10,000 layers well under a second (< {TARGET_10K_SECONDS:g} s)",
            ms(ten_k) if ten_k else "not measured",
            None if ten_k is None else ten_k < TARGET_10K_SECONDS,
        ),
        (
            f"linear growth (per-layer time ratio {pr['to']:,}/{pr['from']:,}"
            f" <= {TARGET_LINEAR_RATIO:g})",
            "-" if pr["ratio"] is None else f"{pr['ratio']:.2f}x",
            None if pr["ratio"] is None else pr["ratio"] <= TARGET_LINEAR_RATIO,
        ),
        (
            f"{DIR_FILES:,} small specs in one `archlint check DIR` (< {TARGET_DIR_SECONDS:g} s)",
            ms(directory),
            directory < TARGET_DIR_SECONDS,
        ),
    ]
    verdicts = {None: "n/a", True: "PASS", False: "MISS"}
    return [{"target": t, "figure": f, "verdict": verdicts[ok]} for t, f, ok in rows]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print JSON instead of the tables")
    p.add_argument(
        "--quick", action="store_true", help="1k and 10k layers, fewer runs, no phase split"
    )
    p.add_argument("--runs", type=int, default=10, help="cold runs per command (default 10)")
    p.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="layers of the generated specs (default %(default)s)",
    )
    p.add_argument(
        "--profile", type=int, metavar="LAYERS", help="also cProfile one check of this many layers"
    )
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: the process of one size
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(**json.loads(args.worker))))
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


def print_report(r: dict) -> None:
    print(f"archlint benchmark  (Python {r['python']}, {r['cpus']} CPUs, {r['platform']})")
    print(f"interpreter: {r['executable']}")
    print(f"load average (1 min) before/after: {r['load_before']:.2f}/{r['load_after']:.2f}")
    if r["load_before"] > 0.5 or r["load_after"] > 1.5:  # this script alone adds up to 1
        print("  other work was running: the figures are noisy")

    cold = r["cold"]
    rows = []
    for c in cold.values():
        times = (c["median"], c["min"], c["max"], c["median"] - cold["python_pass"]["median"])
        rows.append([c["label"], *map(ms, times)])
    table("Cold start (fresh process, wall time)", "command|median|min|max|minus floor", rows)
    if r["onnx_model"]:
        print(f"  onnx model: {r['onnx_model']}")
    else:
        print("  onnx: skipped, the onnx package is not installed in this interpreter")
    print(
        f"  {cold['python_pass']['runs']} interleaved runs each; archlint exit code"
        f" {cold['archlint_check']['exit_code']} (0 clean, 1 findings)"
    )

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

    phased = [s for s in r["scaling"] if "phases" in s]
    if phased:
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

    if "profile" in r:
        prof = r["profile"]
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

    table("Targets", "target|figure|verdict", [list(t.values()) for t in r["targets"]])


if __name__ == "__main__":
    main()

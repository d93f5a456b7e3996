"""The standalone fuzzer: many cases in parallel, each distinct failure shrunk and written down.

    python fuzz/fuzz.py --cases 100000 --jobs 2 --seed 1 --out /tmp/fuzz-out

See fuzz/README.md. The generators and properties are those of tests/test_fuzz.py
(fuzz/fuzzlib.py); the cases come from a seeded random source, so a run is reproducible from
its seed, and each case from (seed, index).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzzlib  # noqa: E402
from shrink import shrink  # noqa: E402

_WORK: Path | None = None  # each worker's scratch folder
_KINDS: list[str] | None = None


def case_seed(seed: int, index: int) -> int:
    return (seed << 32) ^ index


def make_case(seed: int, index: int, kinds) -> dict:
    return fuzzlib.generate(fuzzlib.RandomSource(case_seed(seed, index)), kinds)


def outcome(case: dict) -> tuple[str, str, str] | None:
    """(signature, property, details) of the first property the case breaks, or None."""
    work = _workdir()
    try:
        fuzzlib.run(case, work)
    except fuzzlib.Failure as failure:
        return failure.signature, failure.prop, failure.detail
    except Exception as exc:  # a bug of the fuzzer itself: said as such, never hidden
        where = traceback.extract_tb(exc.__traceback__)[-1]
        signature = f"harness: {type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
        return signature, "harness", "".join(traceback.format_exception(exc))
    finally:
        for child in work.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    return None


def _workdir() -> Path:
    global _WORK
    if _WORK is None:
        _WORK = Path(tempfile.mkdtemp(prefix="archlint-fuzz-"))
    return _WORK


def _init(kinds, memory_mb: int) -> None:
    global _KINDS
    _KINDS = kinds
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    os.environ["NO_COLOR"] = "1"


def run_chunk(task: tuple[int, int, int]) -> tuple[list[dict], int, Counter, float]:
    """Cases start..end-1 of a seed: their failures, how many ran, per kind, CPU seconds."""
    seed, start, end = task
    failures, kinds = [], Counter()
    begun = time.process_time()
    seen: set[str] = set()
    for index in range(start, end):
        case = make_case(seed, index, _KINDS)
        kinds[case["kind"]] += 1
        found = outcome(case)
        if found:
            signature, prop, detail = found
            first = signature not in seen
            seen.add(signature)
            failures.append({"index": index, "signature": signature, "property": prop,
                             "kind": case["kind"],
                             "detail": detail if first else None})  # fmt: skip
    return failures, end - start, kinds, time.process_time() - begun


def shrink_one(task: tuple[int, int, str, float]) -> dict:
    """The smallest case found that fails with the signature of case `index`."""
    seed, index, signature, seconds = task
    case = make_case(seed, index, _KINDS)
    found = outcome(case)
    if found is None or found[0] != signature:
        return {"signature": signature, "index": index, "case": case, "shrunk": case, "tries": 0,
                "detail": found[2] if found else "(did not fail again when re-run: flaky?)",
                "reproduced": False}  # fmt: skip

    def fails(candidate: dict) -> bool:
        again = outcome(candidate)
        return again is not None and again[0] == signature

    shrunk, tries = shrink(case, fails, time.monotonic() + seconds)
    detail = outcome(shrunk)
    return {"signature": signature, "index": index, "case": case, "shrunk": shrunk,
            "tries": tries, "detail": detail[2] if detail else found[2],
            "reproduced": True}  # fmt: skip


# ------------------------------------------------------------------------------ writing it down


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60].lower()


def size(case: dict) -> int:
    return len(fuzzlib.pyrepr(case))


def write_failure(out: Path, number: int, found: dict, count: int, seed: int) -> list[str]:
    name = f"{number:02d}-{slug(found['signature'])}"
    shrunk = found["shrunk"]
    files = [f"{name}.case.py", f"{name}.txt"]
    signature = found["signature"]
    (out / f"{name}.case.py").write_text(
        f"# {signature}\n# reproduce: python fuzz/fuzz.py --replay {out / name}.case.py\n"
        f"CASE = {fuzzlib.pyrepr(shrunk)}\n",
        encoding="utf-8",
    )
    natural = None
    try:
        natural = fuzzlib.natural_file(shrunk)
    except Exception:
        pass
    how = [f"python fuzz/fuzz.py --replay {out / name}.case.py"]
    if natural:
        suffix, blob = natural
        (out / f"{name}{suffix}").write_bytes(blob)
        files.append(f"{name}{suffix}")
        how.append(f"archlint check {out / name}{suffix}   (and summary, sizes, graph)")
    known = fuzzlib.known(signature)
    note = [
        f"signature: {signature}",
        f"property:  {signature.split(':')[0]}",
        f"known:     {known}" if known else "known:     no (a new defect)",
        f"seen:      {count} case(s); first: --seed {seed}, case {found['index']}",
        f"shrunk:    {size(found['case'])} -> {size(shrunk)} characters of case,"
        f" {found['tries']} variants tried" + ("" if found["reproduced"] else " (NOT REPRODUCED)"),
        "",
        "reproduce:",
        *(f"  {h}" for h in how),
        "",
        "the smallest case:",
        fuzzlib.pyrepr(shrunk)[:4000],
        "",
        "what failed:",
        found["detail"] or "",
    ]
    (out / f"{name}.txt").write_text("\n".join(note) + "\n", encoding="utf-8", errors="replace")
    return files


# ----------------------------------------------------------------------------------- the run


def fuzz(args) -> int:
    kinds = args.kinds.split(",") if args.kinds else None
    for kind in kinds or ():
        if kind not in fuzzlib.KINDS:
            sys.exit(f"unknown kind {kind!r}: use {', '.join(fuzzlib.KINDS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(args.seed, start, min(args.cases, start + args.chunk))
             for start in range(0, args.cases, args.chunk)]  # fmt: skip
    counts: Counter = Counter()
    first: dict[str, dict] = {}
    per_kind: Counter = Counter()
    done, cpu = 0, 0.0
    started = time.monotonic()
    last_report = started
    context = multiprocessing.get_context("fork")
    with context.Pool(args.jobs, _init, (kinds, args.memory_mb), maxtasksperchild=50) as pool:
        results = pool.imap_unordered(run_chunk, tasks)
        for _ in tasks:
            try:
                failures, ran, kinds_ran, seconds = results.next(timeout=args.stall)
            except multiprocessing.TimeoutError:
                print(f"no chunk finished in {args.stall} s: a worker is stuck or died; stopping",
                      file=sys.stderr)  # fmt: skip
                pool.terminate()
                break
            done += ran
            cpu += seconds
            per_kind.update(kinds_ran)
            for f in failures:
                counts[f["signature"]] += 1
                known_first = first.get(f["signature"])
                if f["detail"] and (known_first is None or f["index"] < known_first["index"]):
                    first[f["signature"]] = f  # the earliest case, to shrink
            now = time.monotonic()
            if now - last_report >= 10 or done == args.cases:
                last_report = now
                rate = done / (now - started)
                print(f"{done:,}/{args.cases:,} cases, {rate:,.1f}/s, {len(counts)} distinct"
                      " failure(s)", file=sys.stderr, flush=True)  # fmt: skip
        elapsed = time.monotonic() - started
        shrinking = [(args.seed, f["index"], sig, args.shrink_seconds)
                     for sig, f in sorted(first.items())]  # fmt: skip
        if shrinking:
            print(f"shrinking {len(shrinking)} failure(s), up to {args.shrink_seconds:g} s each",
                  file=sys.stderr, flush=True)  # fmt: skip
        shrunk = pool.map(shrink_one, shrinking, chunksize=1) if shrinking else []
    rows, index = [], []
    for number, found in enumerate(sorted(shrunk, key=lambda f: -counts[f["signature"]]), 1):
        files = write_failure(out, number, found, counts[found["signature"]], args.seed)
        known = fuzzlib.known(found["signature"])
        rows.append(f"| {number} | `{found['signature']}` | {counts[found['signature']]} |"
                    f" {'known' if known else 'new'} | {', '.join(files)} |")  # fmt: skip
        index.append({"signature": found["signature"], "count": counts[found["signature"]],
                      "known": bool(known), "files": files,
                      "first_case": found["index"]})  # fmt: skip
    rate = done / elapsed if elapsed else 0.0
    stats = {"seed": args.seed, "cases": done, "jobs": args.jobs, "seconds": round(elapsed, 1),
             "cases_per_second": round(rate, 1), "cpu_seconds": round(cpu, 1),
             "kinds": dict(per_kind), "failures": index}  # fmt: skip
    (out / "summary.json").write_text(json.dumps(stats, indent=2) + "\n")
    lines = [
        f"# archlint fuzz run: seed {args.seed}",
        "",
        f"{done:,} cases in {elapsed:,.0f} s with {args.jobs} job(s): {rate:,.1f} cases/s"
        f" ({cpu:,.0f} s of CPU in the workers). Kinds: "
        + ", ".join(f"{k} {v:,}" for k, v in per_kind.most_common())
        + ".",
        "",
        "| # | signature | cases | status | files |",
        "|---|---|---|---|---|",
        *rows,
    ]
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    new = [f for f in index if not f["known"]]
    return 1 if new else 0


def replay(paths: list[str]) -> int:
    status = 0
    for name in paths:
        case = fuzzlib.read_case(Path(name).read_text(encoding="utf-8"))
        found = outcome(case)
        if found is None:
            print(f"{name}: passes")
        else:
            status = 1
            print(f"{name}: FAILS {found[0]}\n{found[2]}")
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="how many cases (100000)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (all cores)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="the run's seed (0)")
    default_out = os.path.join(tempfile.gettempdir(), "archlint-fuzz")
    parser.add_argument("--out", default=default_out,
                        help=f"where reproducers go ({default_out})")  # fmt: skip
    parser.add_argument("--kinds", help=f"comma-separated, of {', '.join(fuzzlib.KINDS)} (all)")
    parser.add_argument("--shrink-seconds", type=float, default=60.0,
                        help="time to shrink each distinct failure (60)")  # fmt: skip
    parser.add_argument("--chunk", type=int, default=25, help="cases per task (25)")
    parser.add_argument("--memory-mb", type=int, default=3072,
                        help="address-space limit per worker, so a blow-up is a MemoryError"
                        " and not the machine's problem (3072; 0: none)")  # fmt: skip
    parser.add_argument("--stall", type=float, default=600.0,
                        help="give up when no task finishes for this long (600 s)")  # fmt: skip
    parser.add_argument("--replay", nargs="+", metavar="CASE.py",
                        help="run written-down cases again: do they still fail?")  # fmt: skip
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    return fuzz(args)


if __name__ == "__main__":
    sys.exit(main())

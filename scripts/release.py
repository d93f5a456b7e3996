"""Tag a release: `python scripts/release.py` in a clean checkout of the commit to release.

The release is the annotated git tag `v<version>`, the version read from pyproject.toml. Before
tagging, this checks that the version is written the same everywhere it is written (pyproject.toml,
archlint/__init__.py, the README's pre-commit `rev:` and workflow `uses:`), that the work tree is
clean (the tag must name what was tested) and that the tag does not exist yet. It never pushes:
publish the tag with `git push origin v<version>`, which is what pre-commit's `rev:` and
`pre-commit autoupdate` find.

    python scripts/release.py            # check, then tag
    python scripts/release.py --check    # check only: exit 1 and say why if a release would fail

Exit 0 on success, 1 when a check fails (nothing is tagged), 2 when git cannot be run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError as exc:
        print(f"release: cannot run git: {exc}", file=sys.stderr)
        sys.exit(2)
    if done.returncode != 0:
        print(f"release: git {' '.join(args)} failed: {done.stderr.strip()}", file=sys.stderr)
        sys.exit(2)
    return done.stdout


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def problems(tag: str) -> list[str]:
    """Why `tag` cannot be released now; empty when it can."""
    found = []
    number = tag.removeprefix("v")
    init = (ROOT / "archlint" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', init, re.M)
    if not match or match[1] != number:
        found.append(f"archlint/__init__.py has __version__ {match and match[1]!r}, not {number!r}")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"## pre-commit\n.*?```yaml\n(.*?)```", readme, re.S)
    revs = re.findall(r"^\s*rev: (\S+)", snippet[1], re.M) if snippet else []
    if revs != [tag]:
        found.append(f"the README's pre-commit snippet has rev {revs}, not [{tag!r}]")
    uses = sorted(set(re.findall(r"uses: \S+/archlint@(\S+)", readme)))
    if uses not in ([], [tag]):
        found.append(f"the README's workflow uses archlint at {uses}, not [{tag!r}]")
    if git("status", "--porcelain", "--untracked-files=all").strip():
        found.append("the work tree has changes: commit them (the tag must name what was tested)")
    if git("tag", "--list", tag).strip():
        found.append(f"the tag {tag} exists already: bump the version in pyproject.toml")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check only, tag nothing")
    args = parser.parse_args(argv)
    tag = f"v{version()}"
    found = problems(tag)
    for problem in found:
        print(f"release: {problem}", file=sys.stderr)
    if found:
        return 1
    if args.check:
        print(f"release: {tag} can be tagged")
        return 0
    git("tag", "--annotate", tag, "--message", f"archlint {tag.removeprefix('v')}")
    print(f"release: tagged {tag}; publish it with: git push origin {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Which files `archlint check` reads: folders walked, excludes and .gitignore files honoured.

Folders named on the command line are walked for .toml, .json and .onnx files. The walk skips
what the `exclude` patterns match (by default DEFAULT_EXCLUDE: virtual environments,
node_modules, build output, caches, version control folders; a config's `exclude` replaces
them, `extend-exclude` adds to them) and, unless `respect-gitignore = false`
(`--no-respect-gitignore`), what the `.gitignore` files of the walked folders and of the
folders above them, up to the git work tree's top, ignore. Patterns are gitignore's (read by
pathspec): a pattern without a `/` matches a name at any depth; one with a `/` is anchored to
the folder of the config file it is written in (the current folder for `--exclude` and
`--extend-exclude`, which override and extend the config's).

As in ruff, a path named on the command line is read even if excluded, unless `force-exclude`
(`--force-exclude`) is set: pre-commit names every staged file, so its hook passes
`--force-exclude` to honour the excludes. A folder named on the command line that is itself
excluded or ignored is walked (its contents are then matched by their paths inside it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from archlint.config import Config
from archlint.readers import READERS

DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pycache__", "__pypackages__", "_build", "buck-out",
    "build", "dist", "node_modules", "site-packages", "venv",
)  # fmt: skip
"""ruff's default excludes, with `build` and `__pycache__`."""


def pattern_problem(pattern: str) -> str | None:
    """Why a gitignore-style pattern cannot be used, or None."""
    try:
        GitIgnoreSpec.from_lines([pattern])
    except (ValueError, TypeError) as exc:
        return f"bad pattern {pattern!r}: {exc}"
    return None


@dataclass(frozen=True)
class Options:
    """What the command line says about excludes; None: as the config says."""

    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool | None = None
    force_exclude: bool | None = None


@dataclass
class Found:
    """The files to check, and the paths named on the command line that excludes skipped."""

    files: list[Path]
    excluded: list[Path]


class Discovery:
    def __init__(self, config_for: Callable[[Path], Config], options: Options = Options()):
        self.config_for = config_for
        self.options = options
        self.cwd = Path.cwd().resolve()
        self._excludes: dict[int, tuple[Config, list[tuple[Path, GitIgnoreSpec]]]] = {}
        self._gitignores: dict[Path, GitIgnoreSpec | None] = {}

    def find(self, names: tuple[str, ...] | list[str]) -> Found:
        found = Found([], [])
        for name in names:
            path = Path(name)
            absolute = path.resolve()
            config = self.config_for(path)
            named_dir = path.is_dir()
            if self._force_exclude(config) and self._excluded(absolute, named_dir, config):
                found.excluded.append(path)
            elif named_dir:
                found.files += sorted(self._walk(path, absolute))
            else:
                found.files.append(path)
        return found

    # --------------------------------------------------------------------------- settings

    def _force_exclude(self, config: Config) -> bool:
        forced = self.options.force_exclude
        return config.force_exclude if forced is None else forced

    def _respect_gitignore(self, config: Config) -> bool:
        respect = self.options.respect_gitignore
        return config.respect_gitignore if respect is None else respect

    def _exclude_specs(self, config: Config) -> list[tuple[Path, GitIgnoreSpec]]:
        """The exclude patterns under `config`, each with the folder they are relative to."""
        cached = self._excludes.get(id(config))
        if cached is not None and cached[0] is config:
            return cached[1]
        base = config.source.parent.resolve() if config.source else self.cwd
        o = self.options
        if o.exclude is not None:
            groups = [(self.cwd, o.exclude)]
        else:
            default = DEFAULT_EXCLUDE if config.exclude is None else config.exclude
            groups = [(base, default)]
        groups += [(base, config.extend_exclude), (self.cwd, o.extend_exclude)]
        specs = [(folder, GitIgnoreSpec.from_lines(p)) for folder, p in groups if p]
        self._excludes[id(config)] = (config, specs)
        return specs

    # ---------------------------------------------------------------------------- matching

    def _excluded(
        self, path: Path, is_dir: bool, config: Config, anchor: Path | None = None
    ) -> bool:
        """Whether the exclude patterns match `path` (absolute); `anchor`: match it by its
        path inside that folder, whatever the patterns' own folders."""
        for base, spec in self._exclude_specs(config):
            relative = _relative(path, anchor or base, is_dir)
            if relative and spec.match_file(relative):
                return True
        return False

    def _gitignore(self, folder: Path) -> GitIgnoreSpec | None:
        if folder not in self._gitignores:
            spec = None
            try:
                text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = None
            if text is not None:
                try:
                    spec = GitIgnoreSpec.from_lines(text.splitlines())
                except (ValueError, TypeError):
                    spec = None  # git ignores what it cannot read; so do we
            self._gitignores[folder] = spec
        return self._gitignores[folder]

    def _ignored(self, path: Path, is_dir: bool, levels: list[Path]) -> bool:
        """Whether the .gitignore files of `levels` (folders above `path`, outermost first)
        ignore it: the deepest file with a matching pattern decides, as in git."""
        for folder in reversed(levels):
            spec = self._gitignore(folder)
            if spec is None:
                continue
            result = spec.check_file(_relative(path, folder, is_dir) or ".")
            if result.include is not None:
                return bool(result.include)
        return False

    # ------------------------------------------------------------------------------ the walk

    def _walk(self, given: Path, absolute: Path) -> Iterator[Path]:
        top_config = self.config_for(given)
        anchor = absolute if self._excluded(absolute, True, top_config) else None
        above = _folders_above(absolute)
        if above and self._ignored(absolute, True, above):
            above = []  # named, an ignored folder is read, as an excluded one is
        for folder, dirs, files in os.walk(given):
            here = Path(folder)
            here_absolute = absolute / here.relative_to(given)
            config = self.config_for(here) if here != given else top_config
            levels = None  # no .gitignore files to read
            if self._respect_gitignore(config):
                levels = [*above, *_chain(absolute, here_absolute)]
            where = (here_absolute, config, anchor, levels)
            dirs[:] = sorted(d for d in dirs if self._kept(d, True, *where))
            for name in files:
                if Path(name).suffix in READERS and self._kept(name, False, *where):
                    yield here / name

    def _kept(
        self,
        name: str,
        is_dir: bool,
        folder: Path,
        config: Config,
        anchor: Path | None,
        levels: list[Path] | None,
    ) -> bool:
        path = folder / name
        if self._excluded(path, is_dir, config, anchor):
            return False
        return levels is None or not self._ignored(path, is_dir, levels)


def _relative(path: Path, base: Path, is_dir: bool) -> str | None:
    """`path` relative to `base` in gitignore's form (`dir/` for a folder); a path outside
    `base` from the file system's root, where patterns without a `/` still match."""
    try:
        relative = path.relative_to(base).as_posix()
    except ValueError:
        relative = path.as_posix().lstrip("/")
    if relative in ("", "."):
        return None
    return relative + "/" if is_dir else relative


def _chain(top: Path, folder: Path) -> list[Path]:
    """The folders from `top` down to `folder`, both included."""
    chain = [folder]
    while chain[-1] != top and chain[-1] != chain[-1].parent:
        chain.append(chain[-1].parent)
    return chain[::-1]


def _folders_above(folder: Path) -> list[Path]:
    """The folders above `folder` whose .gitignore files apply to it: up to the top of its
    git work tree (the nearest folder with a .git), outermost first; none outside one."""
    if (folder / ".git").exists():
        return []
    above = []
    for parent in folder.parents:
        above.append(parent)
        if (parent / ".git").exists():
            return above[::-1]
    return []

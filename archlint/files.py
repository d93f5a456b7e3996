"""Writing files atomically: a reader sees the old file or the new one, never half of either.

`check --fix`, `graph -o` and `convert -o` write through `write_text`: the text goes to a
temporary file in the same folder (so the final rename never crosses file systems), which then
replaces the target in one `os.replace`. A run stopped halfway (a full disk, Ctrl-C, a crash)
leaves the original file as it was; a failure Python sees also removes the temporary file
(only a killed process can leave one behind: `.NAME.xxxxxxxx.tmp`).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def write_text(path: str | Path, text: str, newline: str | None = None) -> None:
    """Write `text` to `path` as UTF-8, atomically; `newline` as for `Path.write_text`.

    An existing file keeps its permission bits (a new one gets the umask's, as `open` would
    give it). A symbolic link is written through, to the file it names, as `open` would.
    """
    path = Path(os.path.realpath(path))
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o666)  # 0o666: the umask then applies, as for `open`
    try:
        with open(fd, "w", encoding="utf-8", newline=newline) as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # the data is on disk before the name points at it
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass  # a new file
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

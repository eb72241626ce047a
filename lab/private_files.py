"""Keeping the lab's files private to its owner: 0700 folders, 0600 files, checked at every start.

``datalab`` sets umask 077 when it starts (``use_private_umask``), so whatever creates a path
first — the logging set-up, SQLite, the object store, a key file — makes it readable by the owner
only. ``check_private`` then refuses to start, in one line naming the path and the ``chmod`` that
fixes it, when the home or anything the lab keeps in it is open to the group or to others
(a home made by an older version, a copied backup, a careless ``chmod``).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from lab.errors import ConfigurationError

PRIVATE_UMASK = 0o077
_OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


def use_private_umask() -> None:
    """Make every file and folder this process creates from now on private to its owner."""
    os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each 0700 whatever the umask."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def touch_private(path: Path) -> None:
    """Create an empty 0600 file at ``path`` unless it exists (its folder must exist)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def check_private(paths: Iterable[Path]) -> None:
    """Raise ConfigurationError naming the first existing path the group or others may access."""
    for path in paths:
        _refuse_if_open(path)


def entries_of(folder: Path) -> list[Path]:
    """The direct entries of ``folder`` (none if it is missing or not a folder)."""
    return sorted(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []


def _refuse_if_open(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode) or not mode & _OPEN_BITS:
        return
    kind = "folder" if stat.S_ISDIR(mode) else "file"
    raise ConfigurationError(
        f"{kind} {path} is open to group/others (mode {stat.S_IMODE(mode):04o}); the lab keeps "
        f"its data private — fix with: chmod -R go-rwx {path}"
    )

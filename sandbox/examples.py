"""The example notebooks a new sandbox server's home starts with, in ``示例笔记本/``.

Copied once, when the folder does not exist yet (a user who edits or deletes the copies keeps
their choice; deleting the folder brings fresh copies at the next start). The home belongs to
the sandbox user and root does the copying, so nothing here follows a link the user may have
planted: the folder is created (never reused), each file is opened relative to it with
``O_NOFOLLOW | O_EXCL``, and both are handed to the user afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.accounts import SandboxAccount

FOLDER = "示例笔记本"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
"""The checkout's ``notebooks/`` (absent from a wheel install: then no examples are placed)."""


def place_examples(account: SandboxAccount, source: Path = NOTEBOOKS) -> list[str]:
    """Copy ``source``'s notebooks into a new ``示例笔记本`` folder of the home; their names."""
    notebooks = sorted(source.glob("*.ipynb")) if source.is_dir() else []
    if not notebooks:
        return []
    home = os.open(account.home, _DIRECTORY)
    try:
        try:
            os.mkdir(FOLDER, 0o700, dir_fd=home)
        except FileExistsError:
            return []
        folder = os.open(FOLDER, _DIRECTORY, dir_fd=home)
    finally:
        os.close(home)
    try:
        for notebook in notebooks:
            _write_owned(folder, notebook.name, notebook.read_bytes(), account)
        os.fchown(folder, account.uid, account.gid)
    finally:
        os.close(folder)
    return [n.name for n in notebooks]


_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def _write_owned(folder: int, name: str, data: bytes, account: SandboxAccount) -> None:
    """Create ``name`` in ``folder`` (never through a link), write it, give it to the user."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    handle = os.open(name, flags, 0o600, dir_fd=folder)
    try:
        os.write(handle, data)
        os.fchown(handle, account.uid, account.gid)
    finally:
        os.close(handle)

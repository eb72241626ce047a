"""Unix accounts of sandbox users: provisioned at first spawn, each with a 0700 home.

A lab username becomes ``cdl-<name>`` (a hash suffix keeps long or altered names unique and
within Unix's 32 characters). Accounts have no password and no login shell; the home lives under
the sandbox root, which stays traversable (0755) so that the user's own, unprivileged bubblewrap
can bind it. Each account also gets a one-line passwd and group file for its sandbox's ``/etc``.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sandbox.shared_dirs import SHARED_MODE, make_shared_dir

PREFIX = "cdl-"
JUPYTER_DIRS = "jupyter"
NOLOGIN = "/usr/sbin/nologin"


@dataclass(frozen=True)
class SandboxAccount:
    """A provisioned Unix account and the paths that belong to it."""

    name: str
    uid: int
    gid: int
    home: Path
    etc: Path

    @property
    def sandbox_home(self) -> str:
        """The home's path as the sandbox sees it."""
        return f"/home/{self.name}"


def unix_name(username: str) -> str:
    """The Unix account name of a lab user."""
    cleaned = re.sub(r"[^a-z0-9_-]", "-", username.lower())
    name = PREFIX + cleaned
    if cleaned == username and len(name) <= 32:
        return name
    digest = hashlib.sha256(username.encode()).hexdigest()[:6]
    return f"{PREFIX}{cleaned[:21]}-{digest}"


def provision(root: Path, username: str) -> SandboxAccount:
    """Create (or find) the account, its 0700 home and its sandbox passwd/group files."""
    name = unix_name(username)
    make_shared_dir(root)
    for folder in (root, root / "homes", root / "etc"):
        folder.mkdir(exist_ok=True)
        folder.chmod(SHARED_MODE)
    home = root / "homes" / name
    if not _exists(name):
        subprocess.run(
            ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", NOLOGIN,
             "--user-group", "--comment", f"City Data Lab sandbox user {username}", name],
            check=True, capture_output=True,
        )  # fmt: skip
    entry = pwd.getpwnam(name)
    home.mkdir(exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)
    account = SandboxAccount(name, entry.pw_uid, entry.pw_gid, home, root / "etc" / name)
    _write_etc(account)
    return account


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _write_etc(account: SandboxAccount) -> None:
    """passwd and group listing only this user, so the sandbox learns of no other account."""
    account.etc.mkdir(exist_ok=True)
    account.etc.chmod(0o755)
    group = grp.getgrgid(account.gid).gr_name
    files = {
        "passwd": f"{account.name}:x:{account.uid}:{account.gid}::{account.sandbox_home}:"
        f"{NOLOGIN}\n",
        "group": f"{group}:x:{account.gid}:\n",
    }
    for file_name, text in files.items():
        path = account.etc / file_name
        path.write_text(text)
        path.chmod(0o644)
    _write_jupyter_dirs(account.etc / JUPYTER_DIRS)


def _write_jupyter_dirs(root: Path) -> None:
    """Root-owned, empty Jupyter config and data dirs, bound read-only into the sandbox.

    The config dir holds only Jupyter's ``migrated`` marker, so that the server never tries to
    write there (it migrates ``~/.ipython`` otherwise).
    """
    for folder in (root, root / "config", root / "data"):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)
    (root / "config" / "migrated").write_text("")

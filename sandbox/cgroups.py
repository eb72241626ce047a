"""Memory and process limits of one sandbox server, in cgroup v2 or v1 — whichever the host has.

A server's group is created before it starts; the spawned process joins it before it executes
anything (``join`` runs in the child), so every descendant inherits the limits. ``release``
kills whatever is left in the group, reaps it (the hub is a child subreaper, so orphans of a
server are its to reap rather than zombies of init) and removes the group.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "datalab-sandbox"
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class CgroupLayout:
    """Where the memory and pids controllers live: one v2 directory, or two v1 hierarchies."""

    memory: Path
    pids: Path

    @property
    def unified(self) -> bool:
        return self.memory == self.pids


def detect_layout(root: Path = CGROUP_ROOT) -> CgroupLayout | None:
    """The host's controller layout, or None when memory and pids cannot both be limited."""
    controllers = root / "cgroup.controllers"
    if controllers.exists() and {"memory", "pids"} <= set(controllers.read_text().split()):
        return CgroupLayout(root, root)
    if (root / "memory" / "memory.limit_in_bytes").exists() and (root / "pids").is_dir():
        return CgroupLayout(root / "memory", root / "pids")
    return None


@dataclass(frozen=True)
class ServerCgroup:
    """The cgroup(s) of one server."""

    layout: CgroupLayout
    name: str

    @property
    def directories(self) -> tuple[Path, ...]:
        paths = {self.layout.memory / PARENT / self.name, self.layout.pids / PARENT / self.name}
        return tuple(sorted(paths))

    def create(self, *, memory_bytes: int, max_processes: int) -> None:
        """Make the group(s) and set the limits (an existing group is reused and reset)."""
        if self.layout.unified:
            _enable_controllers(self.layout.memory)
        for directory in self.directories:
            directory.mkdir(parents=True, exist_ok=True)
        memory_dir = self.layout.memory / PARENT / self.name
        pids_dir = self.layout.pids / PARENT / self.name
        if self.layout.unified:
            (memory_dir / "memory.max").write_text(str(memory_bytes))
            (memory_dir / "memory.swap.max").write_text("0")
        else:
            (memory_dir / "memory.limit_in_bytes").write_text(str(memory_bytes))
        (pids_dir / "pids.max").write_text(str(max_processes))

    def join(self) -> None:
        """Move the calling process into the group(s); call it in the child before exec."""
        for directory in self.directories:
            (directory / "cgroup.procs").write_text(str(os.getpid()))

    def processes(self) -> set[int]:
        """Every process id now in the group(s)."""
        found: set[int] = set()
        for directory in self.directories:
            try:
                found |= {int(p) for p in (directory / "cgroup.procs").read_text().split()}
            except FileNotFoundError:
                continue
        return found

    def exists(self) -> bool:
        return any(directory.exists() for directory in self.directories)

    def release(self, known: AbstractSet[int] = frozenset(), timeout: float = 10) -> None:
        """Kill what is left in the group(s), reap those that are our children, remove them.

        ``known`` are processes seen in the group earlier that may have exited since: they are
        reaped too.
        """
        deadline = time.monotonic() + timeout
        killed: set[int] = set(known)
        while (left := self.processes()) and time.monotonic() < deadline:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
            killed |= left
            time.sleep(0.05)
        for pid in killed:
            _reap(pid, deadline)
        for directory in self.directories:
            if directory.exists():
                directory.rmdir()


def become_subreaper() -> None:
    """Adopt orphaned descendants (instead of init), so that ``release`` can reap them."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap(pid: int, deadline: float) -> None:
    """Collect a killed process's exit status once it is gone or has become our orphan to reap.

    A process whose parent dies is reparented to us a moment later, so "not our child" only ends
    the wait once the process has vanished.
    """
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            if not Path(f"/proc/{pid}").exists():
                return
        time.sleep(0.02)


def _enable_controllers(root: Path) -> None:
    parent = root / PARENT
    parent.mkdir(exist_ok=True)
    for level in (root, parent):
        (level / "cgroup.subtree_control").write_text("+memory +pids")

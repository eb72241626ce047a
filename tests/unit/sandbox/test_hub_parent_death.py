"""A hub started by a process that is then killed outright does not outlive it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

PARENT = """
import os, signal, subprocess, sys
from sandbox.hub import stop_with_parent
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(60)"],
    start_new_session=True,
    preexec_fn=stop_with_parent,
)
print(child.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_child_in_its_own_session_gets_sigterm_when_its_parent_is_killed() -> None:
    """The child of a SIGKILLed parent is gone within seconds (without the death signal it
    would sleep on for a minute in its own session)."""
    parent = subprocess.run(
        [sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=30, check=False
    )
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)

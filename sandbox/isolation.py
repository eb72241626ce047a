"""Can this host isolate sandboxes? The hub asks once at start and says why not, if not.

Isolation needs root (to create namespaces, cgroups and accounts), bubblewrap, nftables,
iproute2, util-linux's ``nsenter`` and ``setpriv``, memory and pids cgroup controllers, and
unprivileged user namespaces (the user's own bwrap creates one). When any is missing, the hub
still starts but refuses to start servers — no restricted data is served unisolated (DESIGN §5).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sandbox.cgroups import detect_layout

TOOLS = ("bwrap", "nft", "ip", "nsenter", "setpriv", "useradd")
USERNS_LIMIT = Path("/proc/sys/user/max_user_namespaces")


@dataclass(frozen=True)
class IsolationReport:
    """Whether servers can be isolated here, and if not, every reason why."""

    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def banner(self) -> str:
        """The sentence shown on every hub page when isolation is unavailable."""
        if self.ok:
            return ""
        reasons = "; ".join(self.problems)
        return (
            "This hub cannot isolate sandboxes on this host, so it starts no servers and "
            f"serves no restricted data. Reason: {reasons}."
        )


def check_isolation(kernel_env: Path | None) -> IsolationReport:
    """Every reason this host cannot isolate sandbox servers (none when it can)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("the hub is not running as root")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        problems.append(f"missing programs: {', '.join(missing)}")
    if detect_layout() is None:
        problems.append("no memory and pids cgroup controllers")
    if not _user_namespaces_allowed():
        problems.append("user namespaces are disabled")
    if kernel_env is None or not (kernel_env / "bin" / "jupyterhub-singleuser").exists():
        problems.append("the kernel environment is not built (run `datalab sandbox build-env`)")
    return IsolationReport(tuple(problems))


def _user_namespaces_allowed() -> bool:
    try:
        return int(USERNS_LIMIT.read_text()) > 1
    except (OSError, ValueError):
        return False

"""The command line that confines one server: its network namespace, its uid, bubblewrap.

``nsenter`` (as root) enters the server's network namespace, ``setpriv`` drops to the sandbox
user for good, and that user's own unprivileged ``bwrap`` builds a filesystem from an allow-list
of read-only mounts — ``/usr``, the kernel environment and SDK, a one-user ``/etc/passwd`` —
plus the user's home, read-write. Everything else (data directories, object store, hub state,
other homes, ``/tmp``) does not exist inside, and ``/dev`` is read-only (no ``/dev/shm``).
``--disable-userns`` forbids nested user namespaces; new PID, IPC and UTS namespaces hide the
host's processes.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.accounts import JUPYTER_DIRS, SandboxAccount
from sandbox.network import ServerNamespace

SEALED_JUPYTER = "/etc/datalab-jupyter"  # read-only Jupyter config and data dirs inside
MERGED_USR_LINKS = (("usr/bin", "/bin"), ("usr/sbin", "/sbin"), ("usr/lib", "/lib"))


def confined_command(
    account: SandboxAccount, namespace: ServerNamespace, kernel_env: Path, sdk: Path
) -> list[str]:
    """The prefix that runs a program inside ``account``'s sandbox in ``namespace``."""
    return [
        "nsenter", f"--net={namespace.path}", "--",
        "setpriv", f"--reuid={account.uid}", f"--regid={account.gid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        *bwrap_arguments(account, kernel_env, sdk),
    ]  # fmt: skip


def bwrap_arguments(account: SandboxAccount, kernel_env: Path, sdk: Path) -> list[str]:
    """bubblewrap with the allow-list of mounts, its own namespaces and no capabilities."""
    links = [arg for target, link in _usr_links() for arg in ("--symlink", target, link)]
    env = str(kernel_env)
    return [
        "bwrap",
        "--unshare-user", "--uid", str(account.uid), "--gid", str(account.gid),
        "--disable-userns",
        "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--hostname", "sandbox",
        "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--ro-bind", "/usr", "/usr",
        *links,
        "--ro-bind", env, env,
        "--ro-bind", str(sdk), str(sdk),
        "--ro-bind", str(account.etc / "passwd"), "/etc/passwd",
        "--ro-bind", str(account.etc / "group"), "/etc/group",
        "--ro-bind", str(account.etc / JUPYTER_DIRS), SEALED_JUPYTER,
        "--ro-bind-try", "/etc/localtime", "/etc/localtime",
        "--ro-bind-try", "/etc/fonts", "/etc/fonts",
        "--proc", "/proc",
        "--dev", "/dev",
        "--bind", str(account.home), account.sandbox_home,
        "--remount-ro", "/",
        "--remount-ro", "/dev",
        "--chdir", account.sandbox_home,
        "--",
    ]  # fmt: skip


def _usr_links() -> list[tuple[str, str]]:
    """Debian's merged-/usr links, plus /lib64 where the host has it."""
    links = list(MERGED_USR_LINKS)
    if Path("/usr/lib64").is_dir():
        links.append(("usr/lib64", "/lib64"))
    return links

"""The confinement command: namespace, uid drop, and bubblewrap's allow-list of mounts."""

from __future__ import annotations

from pathlib import Path

from sandbox.accounts import SandboxAccount
from sandbox.confinement import confined_command
from sandbox.network import SandboxNetwork

ACCOUNT = SandboxAccount(
    "cdl-analyst", 1234, 1234, Path("/srv/sbx/homes/cdl-analyst"), Path("/srv/sbx/etc/cdl-analyst")
)
ENV, SDK = Path("/srv/sbx/kernel-env/abc"), Path("/srv/sbx/kernel-env/sdk-1")


def _command() -> list[str]:
    return confined_command(ACCOUNT, SandboxNetwork("10.231.42.0/24").namespace(3), ENV, SDK)


def _mounts(command: list[str]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for i, arg in enumerate(command):
        if arg in ("--bind", "--ro-bind", "--ro-bind-try"):
            found.setdefault(arg, []).append((command[i + 1], command[i + 2]))
    return found


def test_enters_namespace_then_drops_to_the_user() -> None:
    """nsenter into the server's netns, then setpriv to the account for good, then bwrap."""
    command = _command()
    assert command[:2] == ["nsenter", "--net=/run/netns/cdl42-3"]
    assert "--reuid=1234" in command and "--regid=1234" in command
    assert "--clear-groups" in command and "--no-new-privs" in command
    assert command.index("setpriv") < command.index("bwrap")


def test_only_the_allow_list_is_mounted() -> None:
    """Read-only: /usr, the venv, the SDK, passwd/group; read-write: the home alone."""
    mounts = _mounts(_command())
    assert mounts["--bind"] == [(str(ACCOUNT.home), "/home/cdl-analyst")]
    assert {source for source, _ in mounts["--ro-bind"]} == {
        "/usr",
        str(ENV),
        str(SDK),
        str(ACCOUNT.etc / "passwd"),
        str(ACCOUNT.etc / "group"),
        str(ACCOUNT.etc / "jupyter"),
    }


def test_namespaces_and_hardening_flags() -> None:
    """No nested user namespaces, own PID/IPC/UTS namespaces, no capabilities, read-only root."""
    command = _command()
    for flag in ("--disable-userns", "--unshare-user", "--unshare-pid", "--unshare-ipc",
                 "--unshare-uts", "--die-with-parent", "--new-session"):  # fmt: skip
        assert flag in command
    assert command[command.index("--cap-drop") + 1] == "ALL"
    assert command[command.index("--remount-ro") :][:2] == ["--remount-ro", "/"]
    assert command[-1] == "--"

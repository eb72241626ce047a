"""Running the hub: prepare state and network, start JupyterHub, stop it and clean up after it.

``SandboxHub.start`` checks isolation (logging every reason it is unavailable), builds or finds the
kernel environment, sets up the bridge and firewall, writes the configuration and starts
JupyterHub (umask 077, state directory as working directory). ``stop`` asks JupyterHub to shut
down (it stops every server; that can take a while), kills it if it does not, then removes the
namespaces, the bridge, the firewall table and any cgroup a server left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lab.settings import SECRET_SETTINGS, LabSettings
from sandbox.cgroups import PARENT, ServerCgroup, detect_layout
from sandbox.hub_config import PROXY_BIN, PROXY_FILTER, HubLayout, render_config
from sandbox.isolation import IsolationReport, check_isolation
from sandbox.kernel_env import ensure_kernel_env

log = logging.getLogger("datalab.sandbox")
_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork


def stop_with_parent() -> None:
    """In a child before exec: ask the kernel for SIGTERM when the parent dies.

    The hub runs in its own session (so Ctrl-C reaches it only through ``stop``); should the
    lab's process be killed outright, the hub still shuts down, stopping its proxy and culler.
    """
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


SHUTDOWN_SECONDS = 45


@dataclass
class SandboxHub:
    """One JupyterHub process and the host resources it owns."""

    settings: LabSettings
    layout: HubLayout = field(init=False)
    report: IsolationReport = field(init=False)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.layout = HubLayout.from_settings(self.settings)

    def start(self, *, log_file: Path | None = None, wait: float = 60) -> None:
        """Start JupyterHub and wait until it answers (degraded, with reasons, if it must be)."""
        kernel_env = ensure_kernel_env(self.settings.sandbox_kernel_envs) if _is_root() else None
        self.report = check_isolation(kernel_env.path if kernel_env else None)
        for problem in self.report.problems:
            log.warning("sandbox isolation unavailable: %s", problem)
        self.layout.prepare()
        if self.report.ok:
            self.layout.network.set_up(self.layout.kernel_ports)
        self.layout.config_file.write_text(
            render_config(self.settings, self.layout, self.report, kernel_env)
        )
        self.layout.config_file.chmod(0o600)
        output = log_file.open("ab") if log_file else None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(self.layout.config_file)],
                cwd=self.layout.state_dir,
                env=self._environment(),
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                umask=0o077,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )
        finally:
            if output:
                output.close()
        self._wait_until_up(wait)

    def _environment(self) -> dict[str, str]:
        """The lab's settings for the hub, without a secret: the hub needs only the database."""
        secrets = {f"DATALAB_{name.upper()}" for name in SECRET_SETTINGS}
        env = {name: value for name, value in os.environ.items() if name not in secrets}
        env["PATH"] = f"{PROXY_BIN.parent}:{env.get('PATH', '/usr/bin:/bin')}"
        for name, value in self.settings.model_dump(mode="json").items():
            if name in SECRET_SETTINGS or value is None or isinstance(value, dict | list):
                continue
            env[f"DATALAB_{name.upper()}"] = str(value)
        return env

    def _wait_until_up(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        assert self.process is not None  # started just before
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._tear_down_network()
                raise RuntimeError(f"the hub exited at start (code {self.process.returncode})")
            try:
                if httpx.get(f"{self.layout.url}/hub/api/", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the hub did not answer within {wait:.0f} s")

    def stop(self) -> None:
        """Shut JupyterHub down (servers included) and remove every host resource it used.

        The hub normally stops its proxy and managed services itself; whatever outlives it
        (seen once: the proxy and the idle culler) is ended through the hub's process group and
        the proxy's pid file.
        """
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(SHUTDOWN_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None:
            _end_stragglers(self.process.pid, self.layout.state_dir / "proxy.pid")
        self._tear_down_network()

    def _tear_down_network(self) -> None:
        if not _is_root():
            return
        self.layout.network.tear_down()
        remove_leftover_cgroups(self.layout.network.tag)


def _end_stragglers(group: int, proxy_pid_file: Path) -> None:
    """End what is left of the hub's process group, and the proxy named in its pid file.

    The pid file's process is killed only if it still is our filtering proxy (a stale pid
    may have been reused by something else).
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(OSError, ValueError):
        pid = int(proxy_pid_file.read_text().strip())
        if PROXY_FILTER.name.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)


def remove_leftover_cgroups(tag: str) -> None:
    """Remove server cgroups of this subnet that outlived their server (killing what is in them)."""
    layout = detect_layout()
    if layout is None:
        return
    names = {
        path.name
        for base in {layout.memory, layout.pids}
        for path in (base / PARENT).glob(f"cdl{tag}-*")
    }
    for name in names:
        ServerCgroup(layout, name).release()


def _is_root() -> bool:
    return os.geteuid() == 0

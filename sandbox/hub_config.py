"""The hub's layout and configuration, generated from the lab's settings at every start.

Ports follow the proxy's public port ``P`` (``DATALAB_HUB_PORT``): the proxy serves on
``127.0.0.1:P`` with its API on ``127.0.0.1:P+1``; the hub API listens on the bridge address at
``P+2`` and the gateway relay at ``P+3`` — the only two ports kernels can reach. Hub state
(database, cookie secret, proxy token, the admin service's token, this file) lives in a 0700
directory; the hub runs with umask 077.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from lab.settings import LabSettings
from sandbox.isolation import IsolationReport
from sandbox.kernel_env import KernelEnvironment
from sandbox.network import SandboxNetwork

ACTIVITY_INTERVAL = 300
PROXY_BIN = Path(__file__).parent / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PROXY_FILTER = Path(__file__).parent / "proxy" / "lab-cookie-filter.mjs"
TEMPLATES = Path(__file__).parent / "templates"
"""The hub's page templates: JupyterHub's own, in Chinese by default with the English switch."""
ADMIN_SERVICE = "datalab-admin"
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


@dataclass(frozen=True)
class HubLayout:
    """Where one hub keeps its state and which addresses it uses."""

    state_dir: Path
    public_port: int
    network: SandboxNetwork

    @classmethod
    def from_settings(cls, settings: LabSettings) -> HubLayout:
        return cls(
            settings.resolved_hub_state_dir,
            settings.hub_port,
            SandboxNetwork(settings.sandbox_subnet),
        )

    @property
    def url(self) -> str:
        """Where the proxy listens (loopback)."""
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def browser_url(self) -> str:
        """The hub's address for browsers: the host name ``localhost``, never the lab's.

        Cookies are scoped to a host name, not a port: were the hub reached at the lab's
        ``127.0.0.1``, the browser would send it the lab's session cookie. In production the
        lab and the hub have different host names (docs/security.md).
        """
        return f"http://localhost:{self.public_port}"

    @property
    def proxy_api_port(self) -> int:
        return self.public_port + 1

    @property
    def hub_api_port(self) -> int:
        return self.public_port + 2

    @property
    def relay_port(self) -> int:
        return self.public_port + 3

    @property
    def kernel_ports(self) -> tuple[int, int]:
        """The two host ports the firewall lets kernels reach."""
        return (self.hub_api_port, self.relay_port)

    @property
    def config_file(self) -> Path:
        return self.state_dir / "jupyterhub_config.py"

    @property
    def admin_token_file(self) -> Path:
        return self.state_dir / "admin_token"

    def prepare(self) -> None:
        """Create the 0700 state directory and the admin service's token (once, 0600)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        if not self.admin_token_file.exists():
            self.admin_token_file.touch(mode=0o600)
            self.admin_token_file.write_text(secrets.token_hex(32))

    def admin_token(self) -> str:
        return self.admin_token_file.read_text().strip()


def activity_interval(cull_timeout: int) -> int:
    """How often servers report activity: a quarter of a short cull timeout, else 300 s.

    With the default 300 s reports, a timeout under a few minutes would cull servers that are in
    use, because their last reported activity looks stale (DESIGN §5).
    """
    return max(1, min(ACTIVITY_INTERVAL, cull_timeout // 4))


def render_config(
    settings: LabSettings,
    layout: HubLayout,
    report: IsolationReport,
    kernel_env: KernelEnvironment | None,
) -> str:
    """The text of ``jupyterhub_config.py`` for these settings."""
    net = layout.network
    hub_api = f"http://{net.hub_address}:{layout.hub_api_port}"
    activity = activity_interval(settings.sandbox_cull_timeout)
    values = {
        "bind_url": f"{layout.url}/",
        "hub_api": hub_api,
        "proxy_api": f"http://127.0.0.1:{layout.proxy_api_port}",
        "proxy_command": ["node", str(PROXY_FILTER), "--log-level", "warn"],
        "state": str(layout.state_dir),
        "activity": activity,
        "banner": report.banner(),
        "templates": [str(TEMPLATES)],
        "admin_token_file": str(layout.admin_token_file),
        "services": _services(settings, layout),
        "culler_scopes": CULLER_SCOPES,
        "spawner": {
            "sandbox_root": str(settings.sandbox_root),
            "kernel_env": str(kernel_env.path) if kernel_env else "",
            "sdk_path": str(kernel_env.sdk) if kernel_env else "",
            "subnet": net.subnet,
            "gateway_url": f"http://{net.hub_address}:{layout.relay_port}",
            "memory_bytes": settings.sandbox_memory_mb * 1024 * 1024,
            "max_processes": settings.sandbox_max_processes,
            "token_hours": settings.sandbox_server_hours,
            "isolation_problems": list(report.problems),
        },
    }
    return _TEMPLATE.format(**{key: repr(value) for key, value in values.items()})


def _services(settings: LabSettings, layout: HubLayout) -> list[dict]:
    net = layout.network
    relay = [
        sys.executable, "-m", "sandbox.relay",
        "--listen", f"{net.hub_address}:{layout.relay_port}",
        "--target", f"{settings.host}:{settings.port}",
    ]  # fmt: skip
    culler = [
        sys.executable, "-m", "jupyterhub_idle_culler",
        f"--timeout={settings.sandbox_cull_timeout}",
        f"--cull-every={settings.sandbox_cull_every}",
        f"--max-age={settings.sandbox_server_hours * 3600}",
    ]  # fmt: skip
    return [
        {"name": "gateway-relay", "command": relay},
        {"name": "idle-culler", "command": culler},
    ]


_TEMPLATE = '''"""Written by `datalab sandbox` from the lab's settings at every start."""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)
c.JupyterHub.authenticator_class = "sandbox.authenticator.LabAuthenticator"
c.JupyterHub.spawner_class = "sandbox.spawner.IsolatingSpawner"
c.JupyterHub.bind_url = {bind_url}
c.JupyterHub.hub_bind_url = {hub_api}
c.JupyterHub.hub_connect_url = {hub_api}
c.ConfigurableHTTPProxy.api_url = {proxy_api}
c.ConfigurableHTTPProxy.command = {proxy_command}
c.ConfigurableHTTPProxy.pid_file = {state} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {state} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {state} + "/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = {state} + "/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.last_activity_interval = {activity}
c.JupyterHub.template_vars = {{"announcement": {banner}}}
c.JupyterHub.template_paths = {templates}
c.JupyterHub.services = [
    *{services},
    {{"name": "datalab-admin", "api_token": Path({admin_token_file}).read_text().strip()}},
]
c.JupyterHub.load_roles = [
    {{"name": "idle-culler", "scopes": {culler_scopes}, "services": ["idle-culler"]}},
    {{"name": "admin", "services": ["datalab-admin"]}},
]
c.Spawner.environment = {{"JUPYTERHUB_ACTIVITY_INTERVAL": str({activity})}}
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.default_url = "/tree"
c.Spawner.disable_user_config = True
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
for name, value in {spawner}.items():
    setattr(c.IsolatingSpawner, name, value)
'''

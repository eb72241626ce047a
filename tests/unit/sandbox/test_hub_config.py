"""The generated hub configuration: ports, state, culling, degraded banner, spawner limits."""

from __future__ import annotations

from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from lab.settings import load_settings
from sandbox.hub_config import HubLayout, activity_interval, render_config
from sandbox.isolation import IsolationReport
from sandbox.kernel_env import KernelEnvironment


def test_activity_interval_is_lowered_for_short_cull_timeouts() -> None:
    """Activity reports come at a quarter of a short timeout, never rarer than every 300 s."""
    assert activity_interval(3600) == 300
    assert activity_interval(20) == 5
    assert activity_interval(2) == 1


def _load(tmp_path: Path, report: IsolationReport, **overrides):
    settings = load_settings(home=tmp_path, hub_port=9100, sandbox_cull_timeout=40, **overrides)
    layout = HubLayout.from_settings(settings)
    layout.prepare()
    env = KernelEnvironment(Path("/envs/abc"), Path("/envs/sdk-1"), 0.0)
    layout.config_file.write_text(render_config(settings, layout, report, env))
    return layout, PyFileConfigLoader(layout.config_file.name, str(layout.state_dir)).load_config()


def test_config_wires_lab_identity_isolation_and_ports(tmp_path) -> None:
    """Authenticator and spawner are ours; proxy on loopback, hub API on the bridge address."""
    layout, config = _load(tmp_path, IsolationReport(()))
    hub = config.JupyterHub
    assert hub.authenticator_class == "sandbox.authenticator.LabAuthenticator"
    assert hub.spawner_class == "sandbox.spawner.IsolatingSpawner"
    assert hub.bind_url == "http://127.0.0.1:9100/"
    assert hub.hub_bind_url == "http://10.231.0.1:9102"
    assert config.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:9101"
    assert hub.db_url.startswith(f"sqlite:///{tmp_path / 'hub'}")
    assert hub.last_activity_interval == 10
    assert config.Spawner.environment == {"JUPYTERHUB_ACTIVITY_INTERVAL": "10"}
    spawner = config.IsolatingSpawner
    assert spawner.gateway_url == "http://10.231.0.1:9103"
    assert spawner.isolation_problems == []
    assert (spawner.kernel_env, spawner.sdk_path) == ("/envs/abc", "/envs/sdk-1")
    assert layout.kernel_ports == (9102, 9103)
    assert (tmp_path / "hub").stat().st_mode & 0o777 == 0o700
    assert layout.admin_token_file.stat().st_mode & 0o777 == 0o600


def test_hub_pages_come_from_the_lab_templates(tmp_path) -> None:
    """template_paths names sandbox/templates, whose page.html extends JupyterHub's own and
    carries the language switch."""
    _, config = _load(tmp_path, IsolationReport(()))
    (folder,) = config.JupyterHub.template_paths
    page = (Path(folder) / "page.html").read_text()
    assert '{% extends "templates/page.html" %}' in page and 'id="lang-switch"' in page
    assert "portal_lang" in (Path(folder) / "_language.html").read_text()


def test_culler_gets_lowered_timeouts(tmp_path) -> None:
    """The idle culler service runs with the configured timeout and interval."""
    _, config = _load(tmp_path, IsolationReport(()), sandbox_cull_every=5)
    culler = next(s for s in config.JupyterHub.services if s["name"] == "idle-culler")
    assert "--timeout=40" in culler["command"] and "--cull-every=5" in culler["command"]


def test_degraded_hub_says_why_on_every_page(tmp_path) -> None:
    """Without isolation the announcement (shown on every page) and the spawner carry the reason."""
    report = IsolationReport(("missing programs: bwrap",))
    _, config = _load(tmp_path, report)
    assert "missing programs: bwrap" in config.JupyterHub.template_vars["announcement"]
    assert config.IsolatingSpawner.isolation_problems == ["missing programs: bwrap"]


def test_servers_get_no_user_config_and_proxy_filters_cookies(tmp_path) -> None:
    """User config is off, the proxy is the cookie-filtering one, browsers use another host name."""
    layout, config = _load(tmp_path, IsolationReport(()))
    assert config.Spawner.disable_user_config is True
    command = config.ConfigurableHTTPProxy.command
    assert command[0] == "node" and command[1].endswith("sandbox/proxy/lab-cookie-filter.mjs")
    assert Path(command[1]).is_file()
    assert layout.browser_url == "http://localhost:9100"

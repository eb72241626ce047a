"""``datalab sandbox``: build the kernel environment, check isolation, run the hub (plug-in).

Registered under the ``datalab.commands`` entry-point group, so the lab's CLI offers it without
importing this package.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import FrameType

import typer

from lab.cli.context import one_line_errors, settings
from lab.cli.demo import prepare_demo
from lab.cli.serve import run_server
from lab.private_files import make_private_dir, touch_private
from lab.services import open_services
from lab.settings import LabSettings
from sandbox.hub import SandboxHub
from sandbox.isolation import check_isolation
from sandbox.kernel_env import ensure_kernel_env
from sandbox.kube.values import KubernetesConfig

sandbox_app = typer.Typer(
    help="JupyterHub sandboxes: kernel environment, isolation check, the hub.",
    no_args_is_help=True,
)


@sandbox_app.command("build-env")
@one_line_errors
def build_env() -> None:
    """Build (or find) the read-only kernel venv from Debian's python3; prints the build time."""
    built = ensure_kernel_env(settings().sandbox_kernel_envs)
    state = f"built in {built.build_seconds:.1f} s" if built.build_seconds else "cached"
    typer.echo(f"kernel environment {built.path} ({state})")


@sandbox_app.command("check")
@one_line_errors
def check() -> None:
    """Say whether this host can isolate sandboxes, and if not, why (exit status 1)."""
    loaded = settings()
    env = ensure_kernel_env(loaded.sandbox_kernel_envs).path if _is_root() else None
    report = check_isolation(env)
    if report.ok:
        typer.echo("this host can isolate sandboxes")
        return
    typer.echo(report.banner())
    raise typer.Exit(1)


@sandbox_app.command("serve")
@one_line_errors
def serve() -> None:
    """Run the hub until interrupted (Ctrl-C or SIGTERM stops it and every server cleanly)."""
    hub = SandboxHub(settings(log_to_stderr=True))
    hub.start()
    typer.echo(f"sandbox hub at {hub.layout.browser_url}  — Ctrl-C stops it")
    _announce_degraded(hub)
    signal.signal(signal.SIGTERM, _interrupt)
    assert hub.process is not None  # start() made it
    try:
        hub.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()


@sandbox_app.command("k8s")
@one_line_errors
def k8s(
    out: Path | None = typer.Option(
        None, help="Write values.yaml and network-policies.yaml here (default: print both)."
    ),
) -> None:
    """Helm values for Zero to JupyterHub and the servers' NetworkPolicies, from the settings.

    Deploy with ``helm upgrade --install`` and ``kubectl apply`` (docs/kubernetes.md).
    """
    generated = KubernetesConfig.from_settings(settings())
    if out is None:
        for name, text in generated.files().items():
            typer.echo(f"# {name}\n---\n{text}", nl=False)
        return
    for path in generated.write(out):
        typer.echo(f"wrote {path}")


@sandbox_app.command("demo")
@one_line_errors
def demo(
    scale: int | None = typer.Option(None, help="Enterprises to generate (DATALAB_DEMO_SCALE)."),
) -> None:
    """The demo with sandboxes: prepare data and logins, approve demo projects, serve lab + hub.

    Ctrl-C or SIGTERM stops both. uvicorn re-raises the signal it caught once it has shut down;
    with SIGTERM's default action that would end the process before the hub and its network are
    removed, so SIGTERM is turned into KeyboardInterrupt here, as Ctrl-C is.
    """
    lab = open_services(settings(log_to_stderr=True))
    prepare_demo(lab, scale or lab.settings.demo_scale)
    hub = SandboxHub(lab.settings)
    hub_log = hub_log_file(lab.settings)
    hub.start(log_file=hub_log)
    _announce_degraded(hub)
    signal.signal(signal.SIGTERM, _interrupt)
    also = {
        "sandbox hub": f"{hub.layout.browser_url} (log in as analyst or banker)",
        "hub log": str(hub_log),
    }
    try:
        run_server(lab, lab.settings.host, lab.settings.port, also=also)
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
        typer.echo("sandbox hub stopped")


def hub_log_file(lab_settings: LabSettings) -> Path:
    """Where the demo's hub writes its output (its proxy's start-up noise included), beside the
    lab's own log, so the terminal keeps the logins and the addresses readable."""
    folder = lab_settings.resolved_log_file.parent
    make_private_dir(folder)
    touch_private(folder / "hub.log")
    return folder / "hub.log"


def _announce_degraded(hub: SandboxHub) -> None:
    if not hub.report.ok:
        typer.echo(hub.report.banner(), err=True)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _is_root() -> bool:
    return os.geteuid() == 0

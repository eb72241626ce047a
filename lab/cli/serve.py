"""``datalab serve``: run the HTTP app (lab API and portal) with uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from lab.api.app import create_app
from lab.cli.context import one_line_errors, settings
from lab.services import LabServices, open_services


@one_line_errors
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: DATALAB_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: DATALAB_PORT)."),
) -> None:
    """Serve the lab's API and the open-data portal until interrupted (Ctrl-C stops it)."""
    lab = open_services(settings(log_to_stderr=True))
    run_server(lab, host or lab.settings.host, port or lab.settings.port)


def run_server(lab: LabServices, host: str, port: int) -> None:
    url = f"http://{host}:{port}"
    typer.echo(
        f"City Data Lab is serving at {url}  (portal {url}/ · API docs {url}/docs · "
        f"health {url}/healthz) — Ctrl-C stops it",
    )
    try:
        uvicorn.run(create_app(lab), host=host, port=port, log_config=None, access_log=False)
    finally:
        lab.close()

"""``datalab serve``: the HTTP app (lab API and portal) under uvicorn, in one or more processes."""

from __future__ import annotations

import typer
import uvicorn
from fastapi import FastAPI

from lab.api.app import create_app
from lab.cli.context import one_line_errors, settings
from lab.gateway.engine_choice import check_engine
from lab.services import LabServices, open_services


@one_line_errors
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: DATALAB_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: DATALAB_PORT)."),
    workers: int = typer.Option(
        1,
        min=1,
        help="Server processes sharing the port. Limits, consent claims and the audit chain "
        "live in the database, so any number is safe; more than the CPU count gains nothing.",
    ),
) -> None:
    """Serve the lab's API and the open-data portal until interrupted (Ctrl-C stops it)."""
    lab = open_services(settings(log_to_stderr=True))
    run_server(lab, host or lab.settings.host, port or lab.settings.port, workers)


def worker_app() -> FastAPI:
    """The app of one worker process: settings from the same environment as the parent, whose
    ``open_services`` already brought the database up to date (workers do not migrate)."""
    return create_app(open_services(settings(log_to_stderr=True), migrate=False))


def run_server(lab: LabServices, host: str, port: int, workers: int = 1) -> None:
    url = f"http://{host}:{port}"
    processes = f" in {workers} processes" if workers > 1 else ""
    try:
        # A query engine that cannot start (Spark without Java, say) stops here, in one line.
        application = create_app(lab) if workers == 1 else check_engine(lab.settings)
        typer.echo(
            f"City Data Lab is serving at {url}{processes}  (portal {url}/ · API docs {url}/docs "
            f"· health {url}/healthz) — Ctrl-C stops it",
        )
        if application is not None:
            uvicorn.run(application, host=host, port=port, log_config=None, access_log=False)
        else:
            uvicorn.run(
                "lab.cli.serve:worker_app",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
            )
    finally:
        lab.close()

"""``datalab serve``: the HTTP app (lab API and portal) under uvicorn, in one or more processes."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress

import typer
import uvicorn
from fastapi import FastAPI

from lab.app import create_app
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


ROLE_PAGES = (
    ("portal", "/"),
    ("sign in (every role)", "/sign-in"),
    ("steward", "/steward/"),
    ("enterprise", "/enterprise/"),
    ("bank officer", "/bank/"),
    ("auditor", "/auditor/"),
    ("API docs", "/docs"),
    ("health", "/healthz"),
)


def serving_message(url: str, workers: int = 1, also: Mapping[str, str] | None = None) -> str:
    """The lines that say where everything is served, one address a line."""
    processes = f" in {workers} processes" if workers > 1 else ""
    addresses = [(name, f"{url}{path}") for name, path in ROLE_PAGES]
    addresses += list((also or {}).items())
    width = max(len(name) for name, _ in addresses)
    lines = [f"City Data Lab is serving at {url}{processes} — Ctrl-C stops it"]
    lines += [f"  {name.ljust(width)}  {address}" for name, address in addresses]
    return "\n".join(lines)


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, saying where it serves once it listens (so the addresses come last,
    after uvicorn's own start-up lines)."""

    def __init__(self, config: uvicorn.Config, message: str) -> None:
        super().__init__(config)
        self.message = message

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            typer.echo(self.message)


def run_server(
    lab: LabServices,
    host: str,
    port: int,
    workers: int = 1,
    also: Mapping[str, str] | None = None,
) -> None:
    """Serve until interrupted; ``also`` adds addresses (e.g. the sandbox hub) to the list."""
    message = serving_message(f"http://{host}:{port}", workers, also)
    try:
        if workers == 1:
            # A query engine that cannot start (Spark without Java, say) stops here, in one line.
            app = create_app(lab)
            config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
            with suppress(KeyboardInterrupt):
                _AnnouncingServer(config, message).run()
        else:
            check_engine(lab.settings, workers)
            typer.echo(message)
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

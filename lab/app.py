"""The composition root: the one place that builds the HTTP app from its parts.

It takes the JSON API's routers (``lab.api.routes``), the server-rendered pages' routers
(``lab.web``), the shared HTTP plumbing (``lab.http``: dependencies, the browser session, errors,
request ids) and every registered plug-in router. Routes and pages never import each other; both
call the domain, and only this module sees them all.

Packages that sit on top of the lab (the open-data portal, later the sandbox) register their
routers under the ``datalab.routers`` entry-point group in ``pyproject.toml``. The lab discovers
them at start-up, so it never imports its own dependants (DESIGN §3: imports point one way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import entry_points

from fastapi import APIRouter, Depends, FastAPI

from lab.api import docs
from lab.api.routes import (
    auth,
    credit,
    deidentification,
    gateway,
    health,
    objects,
    projects,
    signing_keys,
    steward,
)
from lab.audit.checkpoints import CheckpointTicker
from lab.db.discipline import ConnectionGuard
from lab.errors import InternalError
from lab.gateway.service import DpGateway
from lab.housekeeping.schedule import LeftoverSweeper
from lab.http.deps import confine_sandbox_tokens
from lab.http.errors import install_error_handlers
from lab.http.middleware import RequestIdMiddleware
from lab.http.signin import SignInGate
from lab.services import LabServices
from lab.web import auditor as auditor_pages
from lab.web import bank as bank_pages
from lab.web import enterprise as enterprise_pages
from lab.web import site
from lab.web import steward as steward_pages
from lab.web.error_pages import error_page

ROUTER_GROUP = "datalab.routers"


def plugin_routers() -> list[APIRouter]:
    """Routers registered by installed packages, in entry-point name order."""
    routers = []
    for entry in sorted(entry_points(group=ROUTER_GROUP), key=lambda e: e.name):
        router = entry.load()
        if not isinstance(router, APIRouter):
            raise InternalError(f"entry point {entry.name!r} is not an APIRouter")
        routers.append(router)
    return routers


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Tick the audit checkpoints and sweep leftovers of crashes while serving; close what the
    app holds open (the gateway's decrypted tables, its engine) when it stops and audit the
    sign-in refusals counted so far."""
    ticker = CheckpointTicker.for_settings(app.state.services.checkpoints).start()
    sweeper = LeftoverSweeper.for_settings(app.state.services).start()
    try:
        yield
    finally:
        sweeper.stop()
        ticker.stop()
        app.state.sign_in_gate.guard.refusals.flush()
        app.state.gateway.close()


def create_app(services: LabServices) -> FastAPI:
    """Build the HTTP app around already-opened services (see ``lab.services.open_services``)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="City Data Lab",
        summary="Public data, classified: open data for everyone, restricted data usable but "
        "not visible.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(confine_sandbox_tokens)],
    )
    app.state.services = services
    app.state.gateway = DpGateway(services)
    app.state.object_store = services.store
    app.state.url_signer = getattr(services.store, "url_signer", None)
    app.state.sign_in_gate = SignInGate.for_services(services)
    install_error_handlers(app, error_page)
    app.state.connection_guard = ConnectionGuard.of(services.engine)
    app.add_middleware(RequestIdMiddleware)
    lab_routers = (
        health.router,
        signing_keys.router,
        docs.router,
        site.router,
        auth.router,
        objects.router,
        steward.router,
        deidentification.router,
        steward_pages.router,
        gateway.router,
        projects.router,
        credit.router,
        enterprise_pages.router,
        bank_pages.router,
        auditor_pages.router,
    )
    for router in (*lab_routers, *plugin_routers()):
        app.include_router(router)
    return app

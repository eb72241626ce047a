"""``/healthz``: is the lab up, and can it reach its database and object store?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lab.db import check_database
from lab.errors import ServiceUnavailable
from lab.http.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> JSONResponse:
    """200 with each dependency's state, or 503 naming the one that is down."""
    checks = {"database": "ok", "object_store": "ok"}
    for name, probe in (
        ("database", lambda: check_database(services.engine)),
        ("object_store", services.store.check),
    ):
        try:
            probe()
        except ServiceUnavailable:
            checks[name] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "degraded", "checks": checks}
    return JSONResponse(body, status_code=200 if healthy else 503)

"""Request ids and access logs: every request gets an id, echoed in ``X-Request-ID``.

The access line holds method, path (never the query string: it may carry signatures),
status and duration; headers and bodies are never logged.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lab.db.discipline import ConnectionGuard
from lab.http.errors import internal_error
from lab.logs import request_id_var

log = logging.getLogger("lab.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Pure ASGI middleware (streams pass through untouched); also marks each request for the
    connection guard (``lab.db.discipline``: one pooled connection at a time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            with ConnectionGuard.request(f"{scope['method']} {scope['path']}"):
                await self.app(scope, receive, send_with_id)
        except Exception as exc:  # the last line of defence: one shape, no data in the body
            log.error("unhandled %s", type(exc).__name__, exc_info=exc)
            status = 500
            if not responded:
                await internal_error(scope, receive, send_with_id)
        finally:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={"fields": {"status": status, "duration_ms": elapsed_ms}},
            )
            request_id_var.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None

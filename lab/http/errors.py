"""One JSON error shape for every error the HTTP app returns to programs; pages for people.

``{"error": {"code": "<machine code>", "message": "<what to fix>", "request_id": "<id>"}}``.
Unexpected exceptions become ``internal_error`` with a generic message: their text may carry
data, so it goes to the log (scrubbed) and never to the caller. A browser asking for a page
(``wants_html``) gets the same status as an HTML page in its language, drawn by the error page
the composition root hands to ``install_error_handlers`` (``lab.web.error_pages``); API paths and
``Accept: application/json`` always get the JSON shape.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from lab.errors import LabError
from lab.logs import request_id_var

API_PREFIX = "/api/"
ErrorPage = Callable[[Request, int, str, str, dict[str, str] | None], Response]
"""Draws the page for (request, status, message, request id, headers)."""

_CODES = {
    400: "invalid_input",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    416: "range_not_satisfiable",
    422: "invalid_input",
    429: "rate_limited",
    503: "service_unavailable",
}


def wants_html(request: Request) -> bool:
    """Whether the caller is a browser asking for a page rather than an API client."""
    if request.url.path.startswith(API_PREFIX):
        return False
    accept = request.headers.get("accept", "").lower()
    return "text/html" in accept and "application/json" not in accept


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The one JSON error shape: code, message and the request id."""
    return {"error": {"code": code, "message": message, "request_id": request_id_var.get()}}


def error_response(status: int, code: str, message: str, headers=None) -> JSONResponse:
    """A JSON response in the one error shape."""
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def answer(request: Request, status: int, code: str, message: str, headers=None) -> Response:
    """The error for this caller: a page for a browser asking for one, else the JSON shape.

    Redirects (a page's "sign in first") stay as they are: the browser follows them.
    """
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if status >= 400 and page is not None and wants_html(request):
        return page(request, status, message, request_id_var.get(), headers)
    return error_response(status, code, message, headers)


async def _lab_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LabError)
    headers = getattr(exc, "headers", None)
    return answer(request, exc.http_status, exc.code, exc.message, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return answer(request, exc.status_code, code, message, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}"
        for err in exc.errors()
    ]
    return answer(request, 422, "invalid_input", "; ".join(problems) or "invalid request")


async def _pool_timeout(request: Request, exc: Exception) -> Response:
    """No pooled connection came free in time: the service is busy, not broken (503, retry)."""
    assert isinstance(exc, PoolTimeout)
    busy = "the lab is busy; retry shortly"
    return answer(request, 503, "service_unavailable", busy, {"Retry-After": "5"})


async def internal_error(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer an unexpected failure (called by the request-id middleware, which logs it)."""
    request = Request(scope, receive)
    response = answer(request, 500, "internal_error", "internal error; quote the request id")
    await response(scope, receive, send)


def install_error_handlers(app: FastAPI, error_page: ErrorPage | None = None) -> None:
    """Answer every error in the one JSON shape, or with ``error_page`` for a browser."""
    app.state.error_page = error_page
    app.add_exception_handler(LabError, _lab_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)

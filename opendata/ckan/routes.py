"""``/api/action/<name>`` and ``/api/3/action/<name>``: CKAN's Action API over HTTP, GET and POST.

GET takes the query string (repeated keys become lists); POST takes a JSON object (what the
``ckanapi`` client sends) or a form. Bodies over ``MAX_BODY`` bytes, malformed JSON and unknown
actions are refused in CKAN's shape; write actions answer "Authorization Error" (the portal is
read-only). Every answer, including errors and rate-limit refusals, is CKAN's envelope, never
the lab's own error shape, because CKAN clients parse it.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lab.errors import LabError
from opendata.ckan.actions import ACTIONS, WRITE_ACTION, ActionContext
from opendata.ckan.errors import (
    AuthorizationError,
    BadRequest,
    CkanError,
    InternalServerError,
    envelope,
    failure,
    from_lab_error,
)
from opendata.web.api_deps import caller_of, rate_limiter

router = APIRouter(tags=["CKAN-compatible API"])
log = logging.getLogger("opendata.ckan")
MAX_BODY = 64 * 1024


class PayloadTooLarge(CkanError):
    """A request body past the size the action API reads."""

    type_name, status = "Bad request", 413


@router.api_route("/api/action/{name}", methods=["GET", "POST"], include_in_schema=False)
@router.get("/api/3/action/{name}", operation_id="ckan_action_get")
@router.post("/api/3/action/{name}", operation_id="ckan_action_post")
async def call_action(name: str, request: Request) -> JSONResponse:
    """Run the read-only CKAN action ``name`` and answer in CKAN's envelope."""
    base_url = str(request.base_url).rstrip("/")
    help_url = f"{base_url}/api/3/action/help_show?name={name}"
    try:
        params = await _params(request)
        result = await run_in_threadpool(_run, request, name, params, base_url)
    except CkanError as error:
        return JSONResponse(failure(help_url, error), error.status, headers=error.headers)
    return JSONResponse(envelope(help_url, result))


def _run(request: Request, name: str, params: dict[str, object], base_url: str) -> object:
    services = request.app.state.services
    try:
        with services.sessions() as session, session.begin():
            rate_limiter(request).take(caller_of(request, session))
            action = _action(name)
            return action(ActionContext(session, services, base_url), params)
    except LabError as exc:
        raise from_lab_error(exc) from None
    except CkanError:
        raise
    except Exception as exc:  # one CKAN-shaped answer, with no data in it
        log.error("CKAN action %s failed: %s", name, type(exc).__name__, exc_info=exc)
        raise InternalServerError("internal error; quote the request id") from None


def _action(name: str):
    if name in ACTIONS:
        return ACTIONS[name]
    if WRITE_ACTION.search(name):
        raise AuthorizationError(f"Access denied: {name} — the open-data API is read-only")
    raise BadRequest(f"Bad request - Action name not known: {name}")


async def _params(request: Request) -> dict[str, object]:
    """The action's parameters from the query string and, for POST, the body."""
    params: dict[str, object] = {}
    for key, value in request.query_params.multi_items():
        _add(params, key, value)
    if request.method != "POST":
        return params
    body = await _body(request)
    if not body.strip():
        return params
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            _add(params, key, value)
        return params
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Bad request - JSON Error: {exc.msg} at position {exc.pos}") from None
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"Bad request - JSON Error: the body is not UTF-8 (byte {exc.start})"
        ) from None
    if not isinstance(parsed, dict):
        raise BadRequest("Bad request - JSON Error: the body must be a JSON object")
    params.update(parsed)
    return params


def _add(params: dict[str, object], key: str, value: str) -> None:
    if key in params:
        existing = params[key]
        params[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        params[key] = value


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge(f"Bad request - the body is over {MAX_BODY} bytes")
    received = bytearray()
    async for chunk in request.stream():
        received.extend(chunk)
        if len(received) > MAX_BODY:
            raise PayloadTooLarge(f"Bad request - the body is over {MAX_BODY} bytes")
    return bytes(received)

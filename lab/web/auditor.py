"""The auditor's page under ``/auditor/…``: browse the audit log (filter by actor, kind and
date, newest first, in pages), verify the chain against its signed checkpoint, and export the
matching entries as CSV or JSON lines — in Chinese or English.

Auditors and stewards may open it. Reads only: the page calls ``lab.audit.browse`` and the
checkpoints' ``verify``. Exports carry every stored field, hashes included, so the auditor can
re-check the chain on their own machine.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from lab.audit import parse_anchor
from lab.audit.browse import (
    PAGE,
    AuditFilter,
    action_kinds,
    as_csv_line,
    as_json_line,
    csv_header,
    exported,
    find_entries,
)
from lab.errors import IntegrityError, InvalidInput, LabError
from lab.http.deps import ServicesDep
from lab.identity import Role
from lab.services import LabServices
from lab.web.homes import door_for
from lab.web.role_pages import RoleUser, check_csrf, render_role, sign_in_routes, signed_in_as

DOOR = door_for("/auditor/")
FLASH = {
    "other-door": (
        "您的账号是审计员，已为您打开审计员主页。",
        "Your account is an auditor's: this is your home.",
    ),
}
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "\ufeff"),
    "jsonl": ("application/x-ndjson; charset=utf-8", ""),
}

ENTRY_NUMBER = re.compile(r"[0-9]{1,18}")

router = APIRouter(prefix="/auditor", include_in_schema=False)


def auditor(request: Request, services: ServicesDep) -> RoleUser:
    """An auditor, or a steward (who reads, verifies and exports the log too; nobody can
    change it)."""
    return signed_in_as(request, services, DOOR, Role.STEWARD)


AuditorDep = Annotated[RoleUser, Depends(auditor)]


def checked(user: AuditorDep, csrf_token: Annotated[str, Form()] = "") -> RoleUser:
    """The signed-in auditor, once the form's CSRF token matches their session."""
    return check_csrf(user, csrf_token)


def _filter_of(request: Request) -> AuditFilter:
    params = request.query_params
    return AuditFilter.parse(
        actor=params.get("actor", ""),
        kind=params.get("kind", ""),
        since=params.get("since", ""),
        until=params.get("until", ""),
    )


def _before(request: Request) -> int | None:
    raw = request.query_params.get("before", "")
    if raw and not ENTRY_NUMBER.fullmatch(raw):
        raise InvalidInput("before: an entry number")
    return int(raw) if raw else None


def log_page(request: Request, services: LabServices, user: RoleUser, **extra) -> HTMLResponse:
    """The log page; a malformed filter is shown inline with the unfiltered newest entries."""
    try:
        wanted, before = _filter_of(request), _before(request)
    except LabError as failure:
        wanted, before, extra["failure"] = AuditFilter(), None, failure
    with services.sessions() as session:
        entries = find_entries(session, wanted, before_seq=before)
        kinds = action_kinds(session)
    pairs = wanted.query_pairs()
    older = urlencode([*pairs, ("before", entries[-1].seq)]) if len(entries) == PAGE else None
    return render_role(
        request,
        "auditor/home.html",
        user=user,
        door=DOOR,
        flash=FLASH,
        wanted=wanted,
        entries=entries,
        kinds=kinds,
        older=older,
        export_query=urlencode(pairs),
        **extra,
    )


router.include_router(sign_in_routes(DOOR, checked))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, user: AuditorDep) -> HTMLResponse:
    """The audit log, newest first, filtered as the query string says."""
    return log_page(request, services, user)


@router.get("/verify", response_class=HTMLResponse)
def verify(
    request: Request, services: ServicesDep, user: AuditorDep, anchor: str = ""
) -> HTMLResponse:
    """Walk the whole chain against the newest signed checkpoint (and a head noted earlier)."""
    try:
        report = services.checkpoints.verify()
        problem = report.chain.problem
        if problem is None and anchor.strip():
            problem = services.audit.verify(anchor=parse_anchor(anchor.strip())).problem
    except IntegrityError as broken:
        return log_page(request, services, user, verified=None, broken=broken.message)
    except InvalidInput as failure:
        return log_page(request, services, user, failure=failure)
    return log_page(request, services, user, verified=report, problem=problem, anchor=anchor)


@router.get("/export.{fmt}")
def export(request: Request, fmt: str, services: ServicesDep, _user: AuditorDep) -> Response:
    """The matching entries, oldest first, every field as stored (CSV for Excel, or JSONL)."""
    if fmt not in EXPORTS:
        raise InvalidInput("export format: csv or jsonl")
    wanted = _filter_of(request)
    media_type, preamble = EXPORTS[fmt]
    line = as_csv_line if fmt == "csv" else as_json_line

    def body():
        yield preamble + (csv_header() if fmt == "csv" else "")
        for record in exported(services.sessions, wanted):
            yield line(record)

    disposition = f'attachment; filename="audit-log.{fmt}"'
    return StreamingResponse(
        body(), media_type=media_type, headers={"Content-Disposition": disposition}
    )

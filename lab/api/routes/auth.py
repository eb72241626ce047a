"""Web sign-in: a password login sets an HttpOnly session cookie; logout revokes it."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from lab.api.deps import SESSION_COOKIE, DbDep, PrincipalDep, ServicesDep
from lab.errors import NotFound
from lab.identity import login
from lab.identity.accounts import revoke_token
from lab.identity.tokens import split_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def sign_in(
    response: Response,
    services: ServicesDep,
    db: DbDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> dict[str, str]:
    """Check the password and set the session cookie (HttpOnly, SameSite=Lax)."""
    hours = services.settings.session_hours
    minted = login(
        db, services.audit, username=username, password=password, lifetime=timedelta(hours=hours)
    )
    response.set_cookie(
        SESSION_COOKIE,
        minted.plain,
        max_age=hours * 3600,
        httponly=True,
        samesite="lax",
        secure=services.settings.cookie_secure,
        path="/",
    )
    return {"username": username}


@router.post("/logout")
def sign_out(request: Request, response: Response, services: ServicesDep, db: DbDep) -> dict:
    """Revoke the session behind the cookie and clear it."""
    parts = split_token(request.cookies.get(SESSION_COOKIE, ""))
    if parts:
        with suppress(NotFound):  # an unknown cookie needs no revoking
            revoke_token(db, services.audit, actor="web", prefix=parts[0])
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": True}


@router.get("/me")
def whoami(principal: PrincipalDep) -> dict:
    """The caller's username, roles and credential kind."""
    return {
        "username": principal.username,
        "roles": sorted(r.value for r in principal.roles),
        "organisation_id": principal.organisation_id,
        "credential": principal.token_kind.value,
    }

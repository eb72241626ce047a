"""Web sign-in: a password login sets an HttpOnly session cookie; logout revokes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from lab.http.browser_session import (
    SESSION_COOKIE,
    csrf_token_for,
    end_session,
    refuse_cross_site,
    set_session_cookie,
)
from lab.http.deps import PrincipalDep, ServicesDep, presented_credential
from lab.http.signin import password_sign_in

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
async def sign_in(
    request: Request,
    response: Response,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> dict[str, str]:
    """Check the password and set the session cookie (HttpOnly, SameSite=Lax).

    Attempts are limited per address and per account (429 with ``Retry-After``).
    """
    minted = await password_sign_in(request, services, username, password)
    set_session_cookie(response, services.settings, minted)
    return {"username": username}


@router.post("/logout")
def sign_out(request: Request, response: Response, services: ServicesDep) -> dict:
    """Revoke the token in the session cookie (only if the whole token matches); clear it."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        refuse_cross_site(request, cookie)
    end_session(services, response, cookie)
    return {"signed_out": True}


def _csrf_token(request: Request) -> str | None:
    """The X-CSRF-Token a cookie-authenticated script sends with its changes (None for bearers)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or presented_credential(request) != cookie:
        return None
    return csrf_token_for(request.app.state.services.secret_key, cookie)


@router.get("/me")
def whoami(request: Request, principal: PrincipalDep) -> dict:
    """The caller's username, roles, credential kind and, for a cookie, its CSRF token."""
    return {
        "username": principal.username,
        "roles": sorted(r.value for r in principal.roles),
        "organisation_id": principal.organisation_id,
        "credential": principal.token_kind.value,
        "csrf_token": _csrf_token(request),
    }

"""The steward's sign-in and sign-out pages, on top of the ``/auth`` routes' own functions.

Signing in commits the new session before the redirect, so the page it leads to finds it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from lab.api.deps import DbDep, ServicesDep
from lab.api.routes.auth import sign_in, sign_out
from lab.db import transaction
from lab.errors import NotAuthenticated
from lab.web.pages import LOGIN_PATH, StewardFormDep, redirect, render

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    """Check the password, set the session cookie and open the queue; else say why inline."""
    opened = redirect("/steward/")
    try:
        with transaction(services.sessions) as session:
            sign_in(opened, services, session, username, password)
    except NotAuthenticated:
        refused = NotAuthenticated("用户名或密码错误。")
        return render(request, "login.html", None, failure=refused, username=username)
    return opened


@router.post("/logout")
def logout(request: Request, services: ServicesDep, db: DbDep, _: StewardFormDep) -> Response:
    """End the session and return to the sign-in page."""
    closed = redirect(LOGIN_PATH)
    sign_out(request, closed, services, db)
    return closed

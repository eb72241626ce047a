"""The steward's sign-in and sign-out pages, on top of the ``/auth`` routes' own functions.

Signing in goes through the one throttled path (``lab.http.signin``); the session is committed
before the redirect, so the page it leads to finds it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from lab.errors import NotAuthenticated
from lab.http.browser_session import SESSION_COOKIE, end_session, set_session_cookie
from lab.http.deps import ServicesDep
from lab.http.signin import page_refusal, password_sign_in
from lab.identity.throttle import SignInThrottled
from lab.web.homes import door_for
from lab.web.language import language_of, pick
from lab.web.pages import LOGIN_PATH, StewardFormDep, redirect, render
from lab.web.role_pages import landing_after

STEWARD_DOOR = door_for("/steward/")

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", None, page=LOGIN_PATH)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    """Check the password, set the session cookie and open the queue (another role's home for
    anyone who is not a steward); else say why inline."""
    try:
        minted = await password_sign_in(request, services, username, password)
    except SignInThrottled as refusal:
        failure = page_refusal(refusal)
        answer = render(
            request, "login.html", None, failure=failure, username=username, page=LOGIN_PATH
        )
        answer.headers.update(refusal.headers)
        return answer
    except NotAuthenticated:
        wrong = pick(language_of(request), "用户名或密码错误。", "Wrong username or password.")
        refused = NotAuthenticated(wrong)
        return render(
            request, "login.html", None, failure=refused, username=username, page=LOGIN_PATH
        )
    opened = redirect(landing_after(services, minted, STEWARD_DOOR))
    set_session_cookie(opened, services.settings, minted)
    return opened


@router.post("/logout")
def logout(request: Request, services: ServicesDep, _: StewardFormDep) -> Response:
    """End the session and return to the sign-in page."""
    closed = redirect(LOGIN_PATH)
    end_session(services, closed, request.cookies.get(SESSION_COOKIE))
    return closed

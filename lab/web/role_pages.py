"""What the bank officer's and the auditor's pages share: sign-in, the signed-in user, CSRF,
flash codes, and rendering in the page's language (Chinese by default, the same switch).

Signing in on a role's page goes through the lab's one throttled path; whoever signs in lands on
their *own* role's home (``lab.web.homes``), so an auditor who used the steward's door is not
stranded on a page they may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.errors import NotAuthenticated
from lab.http.browser_session import (
    SESSION_COOKIE,
    cookie_principal,
    end_session,
    require_form_token,
    set_session_cookie,
    signed_in_or_sign_in,
)
from lab.http.deps import ServicesDep
from lab.http.signin import page_refusal, password_sign_in
from lab.identity import Principal, Role
from lab.identity.throttle import SignInThrottled
from lab.identity.tokens import MintedToken
from lab.services import LabServices
from lab.web.error_pages import message_for_page
from lab.web.homes import RoleDoor, home_for
from lab.web.language import HTML_LANG, language_of, pick, remember_language, switch_url
from lab.web.pages import TEMPLATES, redirect

OTHER_DOOR = "other-door"


@dataclass(frozen=True)
class RoleUser:
    """A signed-in person on one role's pages and the CSRF token their forms carry."""

    principal: Principal
    csrf_token: str

    @property
    def username(self) -> str:
        return self.principal.username


class PageUser(Protocol):
    """Whoever a role page is rendered for: a name to show and the CSRF token forms carry."""

    @property
    def username(self) -> str: ...

    @property
    def csrf_token(self) -> str: ...


def signed_in_as(request: Request, services: LabServices, door: RoleDoor, *also: Role) -> RoleUser:
    """The person behind the cookie, holding ``door``'s role (or one of ``also``); others go
    to its sign-in (303) or get the 403 page, which links to their own home."""
    session = signed_in_or_sign_in(request, services, door.login)
    session.principal.require_role(door.role, *also)
    return RoleUser(session.principal, session.csrf_token)


def check_csrf(user: RoleUser, submitted: str) -> RoleUser:
    """The user, once a submitted form's CSRF token matches their session's."""
    require_form_token(user.csrf_token, submitted)
    return user


def render_role(
    request: Request,
    template: str,
    *,
    user: PageUser | None,
    flash: dict[str, tuple[str, str]] | None = None,
    failure: Exception | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` in the visitor's language; ``failure`` (a caller error) is shown inline."""
    lang = language_of(request)
    done = (flash or {}).get(request.query_params.get("done", ""))
    shared = {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "tr": lambda chinese, english: pick(lang, chinese, english),
        "switch_url": switch_url(request, lang, context["door"].home),
        "user": user,
        "flash": pick(lang, *done) if done else None,
        "error": None,
    }
    if failure is not None:
        status = getattr(failure, "http_status", 400)
        message, code = getattr(failure, "message", ""), getattr(failure, "code", "")
        shared["error"] = message_for_page(lang, status, message, code)
    response = TEMPLATES.TemplateResponse(
        request, template, {**shared, **context}, status_code=status
    )
    remember_language(request, response)
    return response


async def sign_in_at(
    request: Request, services: LabServices, door: RoleDoor, username: str, password: str
) -> Response:
    """Sign in at ``door``'s page: on to the person's own home (flagged when it is another
    role's), or the form again saying why."""
    try:
        minted = await password_sign_in(request, services, username, password)
    except SignInThrottled as refusal:
        page = _login_again(request, door, username, page_refusal(refusal))
        page.headers.update(refusal.headers)
        return page
    except NotAuthenticated:
        lang = language_of(request)
        wrong = NotAuthenticated(pick(lang, "用户名或密码错误。", "Wrong username or password."))
        return _login_again(request, door, username, wrong)
    opened = RedirectResponse(landing_after(services, minted, door), status_code=303)
    set_session_cookie(opened, services.settings, minted)
    return opened


def landing_after(services: LabServices, minted: MintedToken, door: RoleDoor) -> str:
    """Where a fresh sign-in at ``door`` leads: its home for a person holding its role, else
    that person's own home, flagged ``?done=other-door`` (the page then says why it opened)."""
    principal = cookie_principal(services, minted.plain)
    if principal is None or principal.has_role(door.role):
        return door.home
    return f"{home_for(principal)}?done={OTHER_DOOR}"


def _login_again(request: Request, door: RoleDoor, username: str, failure) -> HTMLResponse:
    return render_role(
        request, "roles/login.html", user=None, door=door, username=username, failure=failure
    )


def sign_in_routes(door: RoleDoor, checked: Callable[..., PageUser]) -> APIRouter:
    """``door``'s sign-in form, sign-in and sign-out, the same on the bank's, the auditor's and
    the enterprise's pages; ``checked`` is the page's signed-in user with a checked CSRF token."""
    router = APIRouter()

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        """The sign-in form."""
        return render_role(request, "roles/login.html", user=None, door=door)

    @router.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request,
        services: ServicesDep,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
    ) -> Response:
        """Check the password and open the role's page (another role's home for others)."""
        return await sign_in_at(request, services, door, username, password)

    @router.post("/logout")
    def logout(request: Request, services: ServicesDep, _: PageUser = Depends(checked)) -> Response:
        """End the session and return to the sign-in page."""
        closed = redirect(door.login)
        end_session(services, closed, request.cookies.get(SESSION_COOKIE))
        return closed

    return router

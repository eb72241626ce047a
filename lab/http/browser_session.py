"""The browser session, in one place to review: its cookie, who it names, and CSRF.

Every page (the steward's, the enterprise's, the bank's and auditor's, the portal's) and the
JSON API's cookie path read the session through this module:

* ``SESSION_COOKIE`` is set by ``set_session_cookie`` (HttpOnly, SameSite=Lax, ``Secure`` behind
  HTTPS) and cleared by ``end_session``, which also revokes the token.
* ``browser_session`` reads the cookie, the principal it names (``cookie_principal``, in a short
  transaction of its own) and the CSRF token of that session; ``signed_in_or_sign_in`` sends a
  visitor without a session to a sign-in page (303).
* ``require_form_token`` checks a submitted form's ``csrf_token`` field in constant time.

Cross-site request forgery: a session cookie authorises a change only from the lab's pages.

Browsers attach the lab's session cookie to requests that other sites make them send (a form
auto-submitted from ``http://127.0.0.1:<another port>`` is same-*site*, so SameSite=Lax does not
stop it). Every credential taken from the cookie therefore passes ``refuse_cross_site`` first:
a state-changing request (POST, PUT, PATCH, DELETE) is accepted only when

* its ``Origin`` equals the origin of the lab's public URL (scheme, host *and* port), or
* it sends no ``Origin`` but ``Sec-Fetch-Site: same-origin``, or
* it carries the session's CSRF token in ``X-CSRF-Token`` (``GET /auth/me`` returns it).

Bearer tokens in ``Authorization`` are not sent by browsers on their own and stay as they are.
Server-rendered forms carry the same token as a hidden ``csrf_token`` field, checked by
``require_form_token``.
"""

from __future__ import annotations

import hashlib
import hmac
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

from lab.db import transaction
from lab.errors import NotAuthenticated, PermissionDenied
from lab.identity import Principal, authenticate_token
from lab.identity.signin import sign_out
from lab.identity.tokens import MintedToken
from lab.services import LabServices
from lab.settings import LabSettings

SESSION_COOKIE = "datalab_session"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "x-csrf-token"
_PURPOSE = b"steward-page-csrf\x00"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class CrossSiteRequest(PermissionDenied):
    """A cookie-authenticated change that did not come from the lab's own pages."""

    code = "csrf_refused"


def csrf_token_for(secret_key: bytes, session_cookie: str) -> str:
    """The CSRF token of one browser session (an HMAC of its cookie under the lab's secret)."""
    return hmac.new(secret_key, _PURPOSE + session_cookie.encode(), hashlib.sha256).hexdigest()


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url``, lower-cased, with the default port made explicit."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def refuse_cross_site(request: Request, session_cookie: str) -> None:
    """Raise CrossSiteRequest unless this cookie-carrying request may change state."""
    if request.method in SAFE_METHODS or _same_origin(request):
        return
    services = request.app.state.services
    expected = csrf_token_for(services.secret_key, session_cookie)
    presented = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CrossSiteRequest(
            "cross-site request refused: a change made with the session cookie needs the "
            "X-CSRF-Token header (from GET /auth/me) or to come from the lab's own pages"
        )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site") == "same-origin"
    public = request.app.state.services.settings.resolved_public_url
    return origin != "null" and origin_of(origin) == origin_of(public)


def require_form_token(expected: str, submitted: str) -> None:
    """Raise PermissionDenied unless a submitted form's CSRF token is the session's."""
    if not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise PermissionDenied("the form's CSRF token is missing or wrong; reload the page")


@dataclass(frozen=True)
class BrowserSession:
    """The session cookie a request carries ('' when none), whom it names (None when nobody)
    and the CSRF token its forms must carry."""

    cookie: str
    principal: Principal | None
    csrf_token: str


@dataclass(frozen=True)
class SignedInSession:
    """A browser session that names someone, and the CSRF token its forms must carry."""

    principal: Principal
    csrf_token: str


def cookie_principal(services: LabServices, cookie: str) -> Principal | None:
    """Whoever a session cookie names (None if nobody), read in a short transaction of its own.

    Never on the request's ``DbDep`` session: a page that then opens its own transaction would
    hold two pooled connections at once, and enough such requests starve the pool.
    """
    if not cookie:
        return None
    try:
        with transaction(services.sessions) as session:
            return authenticate_token(session, cookie)
    except NotAuthenticated:
        return None


def browser_session(request: Request, services: LabServices) -> BrowserSession:
    """The request's browser session: cookie, principal and CSRF token."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    principal = cookie_principal(services, cookie)
    return BrowserSession(cookie, principal, csrf_token_for(services.secret_key, cookie))


def signed_in_or_sign_in(request: Request, services: LabServices, sign_in: str) -> SignedInSession:
    """The request's session when it names someone; else a 303 to the ``sign_in`` page."""
    session = browser_session(request, services)
    if session.principal is None:
        raise HTTPException(303, "sign in first", headers={"Location": sign_in})
    return SignedInSession(session.principal, session.csrf_token)


def set_session_cookie(response: Response, settings: LabSettings, minted: MintedToken) -> None:
    """The HttpOnly, SameSite=Lax session cookie (``Secure`` behind HTTPS)."""
    response.set_cookie(
        SESSION_COOKIE,
        minted.plain,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def end_session(services: LabServices, response: Response, presented: str | None) -> None:
    """Revoke the token presented — the whole token, checked — and clear the cookie."""
    if presented:
        with suppress(NotAuthenticated):
            sign_out(services.sessions, services.audit, presented)
    response.delete_cookie(SESSION_COOKIE, path="/")

"""Cross-site request forgery: a session cookie authorises a change only from the lab's pages.

Browsers attach the lab's session cookie to requests that other sites make them send (a form
auto-submitted from ``http://127.0.0.1:<another port>`` is same-*site*, so SameSite=Lax does not
stop it). Every credential taken from the cookie therefore passes ``refuse_cross_site`` first:
a state-changing request (POST, PUT, PATCH, DELETE) is accepted only when

* its ``Origin`` equals the origin of the lab's public URL (scheme, host *and* port), or
* it sends no ``Origin`` but ``Sec-Fetch-Site: same-origin``, or
* it carries the session's CSRF token in ``X-CSRF-Token`` (``GET /auth/me`` returns it).

Bearer tokens in ``Authorization`` are not sent by browsers on their own and stay as they are.
Server-rendered forms carry the same token as a hidden ``csrf_token`` field
(``lab.web.pages``, ``opendata.rendering``).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request

from lab.errors import PermissionDenied

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

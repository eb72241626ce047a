"""What every portal page shares: templates, language, the signed-in visitor, CSRF, errors.

Pages render server-side from ``templates/`` with the ``Translator`` of the visitor's language
(``i18n``). A visitor who signed in (an applicant) is recognised by the lab's session cookie;
their forms carry the same CSRF token the steward pages use (an HMAC of the cookie).
"""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from lab.clock import city_day
from lab.errors import LabError
from lab.form_rules import FormInvalid, TextRule
from lab.http.browser_session import (
    SESSION_COOKIE,
    cookie_principal,
    csrf_token_for,
    require_form_token,
)
from lab.http.deps import ServicesDep
from lab.identity import Principal
from lab.web.error_pages import message_for_page
from lab.web.homes import home_for
from lab.web.language import language_of, remember_language, switch_url
from opendata.portal.formats import plain
from opendata.web.highlight import marked
from opendata.web.i18n import Translator

# The page frame (``frame.html``) is shared with the lab's own site pages, so it comes from there.
SHARED_TEMPLATES = files("lab.web").joinpath("templates")
TEMPLATES = Jinja2Templates(
    directory=[Path(__file__).with_name("templates"), Path(str(SHARED_TEMPLATES))]
)
SIGN_IN_PATH = "/account/login"


def _size(size: int | None) -> str:
    """A byte count for people: 512 B, 1.5 KB, … (empty when unknown)."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def _day(value: datetime | None) -> str:
    return city_day(value).isoformat() if value else ""


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


TEMPLATES.env.filters["size"] = _size
TEMPLATES.env.filters["day"] = _day


def _cell(value: object) -> object:
    shown = plain(value)
    return "" if shown is None else shown


TEMPLATES.env.filters["percent"] = _percent
TEMPLATES.env.filters["marked"] = marked
TEMPLATES.env.filters["cell"] = _cell


def _rule_attributes(rule: TextRule) -> Markup:
    """A field rule's HTML attributes (``required minlength=… pattern=…``), already escaped."""
    return Markup(rule.html_attributes())  # noqa: S704 (html_attributes escapes what it writes)


TEMPLATES.env.filters["rule_attributes"] = _rule_attributes


def visitor(request: Request, services: ServicesDep) -> Principal | None:
    """Whoever the session cookie names, or None (an expired cookie is just anonymous)."""
    return cookie_principal(services, request.cookies.get(SESSION_COOKIE, ""))


VisitorDep = Annotated[Principal | None, Depends(visitor)]


def signed_in(request: Request, who: VisitorDep) -> Principal:
    """The signed-in visitor; others are sent to the sign-in page (303), back here after."""
    if who is None:
        back = urlencode({"next": request.url.path})
        raise HTTPException(303, "sign in first", headers={"Location": f"{SIGN_IN_PATH}?{back}"})
    return who


SignedInDep = Annotated[Principal, Depends(signed_in)]


def csrf_of(request: Request, services: ServicesDep) -> str:
    """The CSRF token of the request's browser session (of the empty cookie when none)."""
    return csrf_token_for(services.secret_key, request.cookies.get(SESSION_COOKIE, ""))


def checked_visitor(
    request: Request,
    services: ServicesDep,
    who: SignedInDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Principal:
    """The signed-in visitor, once the submitted form's CSRF token matches their session."""
    require_form_token(csrf_of(request, services), csrf_token)
    return who


CheckedVisitorDep = Annotated[Principal, Depends(checked_visitor)]


def render(
    request: Request,
    template: str,
    *,
    who: Principal | None = None,
    failure: LabError | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language; ``failure`` is a caller error shown inline."""
    if failure is not None and failure.http_status >= 500:
        raise failure
    lang = language_of(request)
    services = request.app.state.services
    shared = {
        "t": Translator(lang),
        "lang": lang,
        "switch_url": switch_url(request, lang),
        "visitor": who,
        "visitor_home": home_for(who),
        "csrf_token": csrf_of(request, services),
        "error": _shown_failure(lang, failure),
        "field_errors": _field_errors(lang, failure),
        "path": request.url.path,
    }
    status = failure.http_status if failure else status_code
    response = TEMPLATES.TemplateResponse(
        request, template, {**shared, **context}, status_code=status
    )
    remember_language(request, response)
    return response


def _shown_failure(lang: str, failure: LabError | None) -> str | None:
    """The failure's text for the top of the page, in the page's language."""
    if failure is None:
        return None
    if isinstance(failure, FormInvalid):
        return failure.summary.text(lang)
    return message_for_page(lang, failure.http_status, failure.message, failure.code)


def _field_errors(lang: str, failure: LabError | None) -> dict[str, str]:
    """What to say next to each field a ``FormInvalid`` names."""
    if not isinstance(failure, FormInvalid):
        return {}
    return {name: breach.text(lang) for name, breach in failure.breaches.items()}

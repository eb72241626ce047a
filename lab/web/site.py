"""Site-wide routes outside any role: ``/robots.txt``, the favicon, ``/home``, ``/sign-in``.

``/home`` sends whoever is signed in to their role's home (the portal for the signed-out);
``/sign-in`` lists each role's sign-in page, so a person who landed on the wrong one finds theirs.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from lab.http.browser_session import SESSION_COOKIE, cookie_principal
from lab.http.deps import ServicesDep
from lab.web.homes import DOORS, home_for
from lab.web.site_templates import render_site

router = APIRouter(include_in_schema=False)
ICON_AGE = "public, max-age=86400"

ROBOTS = """\
User-agent: *
Disallow: /steward/
Disallow: /enterprise/
Disallow: /bank/
Disallow: /auditor/
Disallow: /account/
Disallow: /apply/
Disallow: /objects/
Disallow: /datasets/*/download/
Disallow: /api/
Allow: /
"""


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots() -> str:
    """Crawlers may index the public portal, never role pages, downloads or the APIs."""
    return ROBOTS


def _icon(name: str, media_type: str) -> Response:
    body = files("lab.web").joinpath("static", name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": ICON_AGE})


@router.get("/favicon.ico")
def favicon_ico() -> Response:
    """The site's icon for browsers that ask for it by the old fixed name."""
    return _icon("favicon.ico", "image/x-icon")


@router.get("/favicon.svg")
def favicon_svg() -> Response:
    """The site's icon, as every page links it."""
    return _icon("favicon.svg", "image/svg+xml")


@router.get("/home")
def home(request: Request, services: ServicesDep) -> RedirectResponse:
    """The signed-in person's own home, by role; the portal for anyone else."""
    who = cookie_principal(services, request.cookies.get(SESSION_COOKIE, ""))
    return RedirectResponse(home_for(who), status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_doors(request: Request) -> HTMLResponse:
    """Each role's sign-in page, with what that role does there."""
    return render_site(request, "sign_in.html", doors=DOORS)

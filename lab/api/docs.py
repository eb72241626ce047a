"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc``, served with no CDN.

FastAPI's own pages load their scripts, styles and fonts from public CDNs, which a lab network
without internet cannot reach. Here the same pages load them from this server: the assets come
from the installed ``fastapi-offline`` package's folder (only its files, by an allow-list of
names), and ReDoc is asked not to load web fonts. Both pages carry a Content-Security-Policy
that lets them load nothing from another host (ReDoc's bundle always asks a CDN for its
"by Redocly" logo; the policy keeps the browser from fetching it).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response

from lab.errors import NotFound

ASSETS_PATH = "/docs/assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
FAVICON = "/favicon.svg"
ONLY_THIS_HOST = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
    )
)
CACHE = "public, max-age=86400"

router = APIRouter(include_in_schema=False)


def _title(request: Request) -> str:
    return request.app.title


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over this app's OpenAPI document, with its assets from this server."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{_title(request)} — API",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        oauth2_redirect_url=OAUTH2_REDIRECT,
    )
    page.headers["Content-Security-Policy"] = ONLY_THIS_HOST
    return page


@router.get(OAUTH2_REDIRECT, response_class=HTMLResponse)
def swagger_oauth2_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 helper page (it loads nothing from elsewhere)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over this app's OpenAPI document, with its script from this server, no web fonts."""
    page = get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{_title(request)} — API",
        redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
    page.headers["Content-Security-Policy"] = ONLY_THIS_HOST
    return page


@router.get(f"{ASSETS_PATH}/{{name}}")
def asset(name: str) -> Response:
    """One of the documentation pages' assets, read from the installed package."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no documentation asset {name!r}")
    body = files("fastapi_offline").joinpath("static", name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": CACHE})

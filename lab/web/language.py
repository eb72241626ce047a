"""Which of the two languages a page is in: Chinese by default, English on request.

``?lang=en`` (or ``zh``) switches and is remembered in a cookie that every page of the site
reads — the portal's, the role pages' and the error pages' — so one switch holds everywhere.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import Response

LANGS = ("zh", "en")
COOKIE = "portal_lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
ONE_YEAR = 365 * 24 * 3600


def language_of(request: Request) -> str:
    """The language asked for by ``?lang=``, else remembered in the cookie, else Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGS else "zh"


def switch_url(request: Request, lang: str, after_post: str | None = None) -> str:
    """This page's URL in the other language; a page answering a form post whose path cannot
    be opened with a link switches on ``after_post`` instead."""
    other = "en" if lang == "zh" else "zh"
    if after_post and request.method not in ("GET", "HEAD"):
        return f"{after_post}?{urlencode([('lang', other)])}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', other)])}"


def remember_language(request: Request, response: Response) -> None:
    """Keep a language chosen by ``?lang=`` in the cookie, for the pages that follow."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        response.set_cookie(COOKIE, asked, max_age=ONE_YEAR, samesite="lax", path="/")


def pick(lang: str, chinese: str, english: str) -> str:
    """One of a (中文, English) pair, for the page's language."""
    return english if lang == "en" else chinese

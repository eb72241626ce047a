"""Pages of the site as a whole (errors, the role chooser) in the portal's look and language.

They use the portal's stylesheet and the shared language switch, and hold their texts as
(中文, English) pairs through ``tr``, so they need nothing of the portal package itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lab.web.language import HTML_LANG, language_of, pick, remember_language, switch_url

_TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def render_site(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``site/<template>`` in the visitor's language."""
    lang = language_of(request)
    shared = {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "tr": lambda chinese, english: pick(lang, chinese, english),
        "switch_url": switch_url(request, lang),
    }
    response = _TEMPLATES.TemplateResponse(
        request, f"site/{template}", {**shared, **context}, status_code=status, headers=headers
    )
    remember_language(request, response)
    return response

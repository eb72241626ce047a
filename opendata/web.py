"""The portal's front page: what the open-data portal offers and where its APIs live.

The catalogue, search, downloads and the CKAN-compatible API join this router as they are built.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(tags=["portal"])
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    """The portal's home page, in Chinese."""
    return templates.TemplateResponse(request, "home.html", {})

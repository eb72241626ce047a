"""``/catalog.jsonld`` (DCAT-AP) and ``/data.json`` (Project Open Data): catalogue metadata."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lab.api.deps import DbDep, ServicesDep
from opendata.api_deps import RateLimitedCaller
from opendata.catalogue import list_public
from opendata.dcat import data_json, dcat_catalogue

router = APIRouter(tags=["open data metadata"])


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/catalog.jsonld")
def dcat(request: Request, db: DbDep, services: ServicesDep, _caller: RateLimitedCaller):
    """The DCAT-AP catalogue of open and conditional datasets, as JSON-LD."""
    settings = services.settings
    document = dcat_catalogue(
        list_public(db),
        base_url=base_url(request),
        title=settings.portal_title,
        publisher=settings.portal_publisher,
    )
    return JSONResponse(document, media_type="application/ld+json")


@router.get("/data.json")
def pod(request: Request, db: DbDep, services: ServicesDep, _caller: RateLimitedCaller) -> dict:
    """The catalogue as a Project Open Data v1.1 data.json, with access levels per tier."""
    return data_json(
        list_public(db), base_url=base_url(request), publisher=services.settings.portal_publisher
    )

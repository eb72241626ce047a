"""Catalogue metadata: ``/catalog.jsonld`` (DCAT-AP 3.0), ``/themes.jsonld`` (the portal's topic
scheme) and ``/data.json`` (Project Open Data 1.1)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lab.errors import InvalidInput
from lab.http.deps import ServicesDep
from opendata.portal.catalogue import list_public
from opendata.portal.dcat import PROFILES, dcat_catalogue
from opendata.portal.dcat_nodes import topic_scheme
from opendata.portal.downloads import prepared_files
from opendata.portal.pod import data_json
from opendata.web.api_deps import RateLimitedCaller

router = APIRouter(tags=["open data metadata"])
JSON_LD = "application/ld+json"


def base_url(request: Request) -> str:
    """The portal's address as the caller reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


@router.get("/catalog.jsonld")
def dcat(
    request: Request, services: ServicesDep, _caller: RateLimitedCaller, profile: str = "3.0.0"
):
    """The DCAT-AP catalogue of open and conditional datasets, as JSON-LD.

    ``profile=2.1.1`` serves DCAT-AP 2.1.1 harvesters: SHA-1 checksums instead of SHA-256.
    """
    if profile not in PROFILES:
        raise InvalidInput(f"profile: one of {', '.join(PROFILES)}, not {profile!r}")
    settings = services.settings
    with services.sessions() as session:
        datasets = list_public(session)
    document = dcat_catalogue(
        datasets,
        base_url=base_url(request),
        title=settings.portal_title,
        publisher=settings.portal_publisher,
        checksums=prepared_files(services, datasets),
        contact_email=settings.portal_contact_email,
        profile=profile,
    )
    return JSONResponse(document, media_type=JSON_LD)


@router.get("/themes.jsonld")
def themes(request: Request, services: ServicesDep, _caller: RateLimitedCaller):
    """The portal's topics as a SKOS concept scheme (Chinese labels, EU data-theme matches)."""
    with services.sessions() as session:
        topics = [d.topic for d in list_public(session)]
    document = topic_scheme(
        topics, base_url=base_url(request), title=services.settings.portal_title
    )
    return JSONResponse(document, media_type=JSON_LD)


@router.get("/data.json")
def pod(request: Request, services: ServicesDep, _caller: RateLimitedCaller) -> dict:
    """The catalogue as a Project Open Data v1.1 data.json, with access levels per tier."""
    settings = services.settings
    with services.sessions() as session:
        datasets = list_public(session)
    return data_json(
        datasets,
        base_url=base_url(request),
        publisher=settings.portal_publisher,
        contact_email=settings.portal_contact_email,
    )

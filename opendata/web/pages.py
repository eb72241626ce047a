"""The portal's public pages: home, catalogue, dataset, departments, API guide and the
conditional-use licence (feedback is in ``feedback_pages``).

Every page reads the catalogue through ``opendata.portal.catalogue`` and
``opendata.portal.search`` only, so restricted datasets cannot appear on any of them; a T2
dataset shows its metadata and how to apply, never rows.
"""

from __future__ import annotations

import math
from importlib.resources import files
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lab.catalogue.portal_workflow.applications import PLEDGE_ITEMS
from lab.catalogue.portal_workflow.working_days import ANSWER_WORKING_DAYS
from lab.catalogue.t2_extracts.manifests import public_key_hex
from lab.db import transaction
from lab.errors import InvalidInput, LabError, NotFound
from lab.http.deps import DbDep, ServicesDep
from lab.web.language import language_of
from opendata.portal.catalogue import CONDITIONAL_TIER, FORMATS, get_public, open_rows
from opendata.portal.downloads import built_file, ensure_file
from opendata.portal.rows import RowQuery, read_rows
from opendata.portal.search import FACETS, SORTS, SearchQuery, search, terms_of
from opendata.portal.suggestions import suggest
from opendata.portal.usage import record_view, usage_for, usage_of_slugs
from opendata.vocabularies import authority
from opendata.web.charts import chart_for
from opendata.web.rendering import VisitorDep, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 10
HOME_LIST = 6
PREVIEW_ROWS = 10
EAGER_ROWS = 500_000


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbDep, who: VisitorDep) -> HTMLResponse:
    """Search box, topics, 热门 (most viewed and downloaded; only datasets someone used) and
    最新 (newest publications) — two different lists, not one list twice."""
    popular = search(db, SearchQuery(sort="popular", limit=HOME_LIST, facet_limit=12))
    used = usage_of_slugs(db, [d.slug for d in popular.results])
    latest = search(db, SearchQuery(sort="last_updated", limit=HOME_LIST, facet_limit=1))
    return render(
        request,
        "home.html",
        who=who,
        featured=[d for d in popular.results if used[d.slug].views + used[d.slug].downloads],
        latest=latest.results,
        topics=popular.facets["topic"],
        total=popular.total,
    )


def _search_from(request: Request) -> tuple[SearchQuery, int]:
    params = request.query_params
    filters = {name: tuple(params.getlist(name)) for name in FACETS if params.getlist(name)}
    raw_page = params.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise InvalidInput("page: a whole number from 1")
    page = int(raw_page)
    query = SearchQuery(
        text=params.get("q", ""),
        filters=filters,
        sort=params.get("sort", "relevance"),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return query, page


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue(request: Request, db: DbDep, who: VisitorDep) -> HTMLResponse:
    """Search results with facets (topic, department, tier, format, frequency, tags) and sorting."""
    try:
        query, page = _search_from(request)
    except LabError as exc:
        query, page = SearchQuery(), 1
        return _catalogue_page(request, db, who, query, page, failure=exc)
    return _catalogue_page(request, db, who, query, page)


def _catalogue_page(request, db, who, query: SearchQuery, page: int, **extra) -> HTMLResponse:
    found = search(db, query)
    missed = not found.total and query.text.strip()
    return render(
        request,
        "catalogue.html",
        who=who,
        query=query,
        found=found,
        marks=terms_of(query.text),
        suggestions=suggest(db, query.text) if missed else None,
        page=page,
        pages=max(1, math.ceil(found.total / PAGE_SIZE)),
        sorts=SORTS,
        facet_names=FACETS,
        link=_facet_link(request),
        **extra,
    )


def _facet_link(request: Request):
    """A function making the catalogue URL with one facet value toggled (page reset)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")]

    def link(name: str, value: str | None = None, page: int | None = None) -> str:
        chosen = list(params)
        if value is not None:
            pair = (name, value)
            chosen = [p for p in chosen if p != pair] if pair in chosen else [*chosen, pair]
        if page is not None:
            chosen.append(("page", str(page)))
        return "/catalogue?" + urlencode(chosen)

    return link


@router.get("/datasets/{slug}", response_class=HTMLResponse)
def dataset_page(
    request: Request, slug: str, services: ServicesDep, who: VisitorDep
) -> HTMLResponse:
    """Metadata, dictionary, quality, preview, chart, downloads, API examples, live usage.

    Each read is a short transaction of its own: files built on first view open theirs.
    """
    try:
        with services.sessions() as session:
            dataset = get_public(session, slug)
            path = open_rows(services, session, dataset) if dataset.is_open else None
    except NotFound as exc:
        return render(request, "not_found.html", who=who, failure=exc)
    with transaction(services.sessions) as session:
        record_view(session, slug)
    preview = chart = None
    files_by_format = {}
    if path is not None:
        preview = read_rows(path, RowQuery(limit=PREVIEW_ROWS))
        chart = chart_for(dataset, path, language_of(request))
        files_by_format = {fmt: _file_for_page(services, dataset, fmt) for fmt in FORMATS}
    with services.sessions() as session:
        usage = usage_for(session, slug)
    return render(
        request,
        "dataset.html",
        who=who,
        dataset=dataset,
        preview=preview,
        chart=chart,
        files=files_by_format,
        usage=usage,
        base_url=str(request.base_url).rstrip("/"),
        answer_days=ANSWER_WORKING_DAYS,
        licence=authority().licence(dataset.tier),
    )


def _file_for_page(services, dataset, fmt: str):
    """The file to describe on the page: CSV, JSON and Parquet are prepared for tables up to
    ``EAGER_ROWS`` (DuckDB writes them in about a second), so their size and checksum show
    before anyone downloads; XLSX (slow to write) and larger tables wait for a first request."""
    if fmt != "xlsx" and dataset.row_count <= EAGER_ROWS:
        return ensure_file(services, dataset, fmt)
    return built_file(services, dataset, fmt)


@router.get("/licences/conditional-use", response_class=HTMLResponse)
def conditional_use_licence(request: Request, who: VisitorDep) -> HTMLResponse:
    """The terms conditional (T2) data is licensed under: the pledge every applicant signs."""
    licence = authority().licence(CONDITIONAL_TIER)
    return render(request, "licence.html", who=who, licence=licence, pledges=PLEDGE_ITEMS)


@router.get("/departments", response_class=HTMLResponse)
def departments(request: Request, db: DbDep, who: VisitorDep) -> HTMLResponse:
    """Every department that publishes, with its number of datasets."""
    found = search(db, SearchQuery(limit=0, facet_limit=500))
    return render(request, "departments.html", who=who, departments=found.facets["department"])


@router.get("/departments/{name}", response_class=HTMLResponse)
def department(request: Request, name: str, db: DbDep, who: VisitorDep) -> HTMLResponse:
    """One department's datasets, newest first."""
    found = search(db, SearchQuery(filters={"department": (name,)}, sort="last_updated", limit=200))
    if not found.total:
        return render(request, "not_found.html", who=who, failure=NotFound("no such department"))
    return render(request, "department.html", who=who, name=name, datasets=found.results)


@router.get("/api-guide", response_class=HTMLResponse)
def api_guide(request: Request, services: ServicesDep, who: VisitorDep) -> HTMLResponse:
    """How to call the portal's APIs, with examples to copy."""
    return render(
        request,
        "api.html",
        who=who,
        base_url=str(request.base_url).rstrip("/"),
        manifest_key=public_key_hex(services.signing.current()),
        settings=services.settings,
    )


@router.get("/portal/static/{name}")
def static_file(name: str) -> Response:
    """The portal's stylesheet (served by the app itself: no external asset)."""
    if name != "portal.css":
        raise NotFound(f"no static file {name!r}")
    body = files("opendata.web").joinpath("static", name).read_text(encoding="utf-8")
    return Response(body, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

"""The portal's own JSON API: search the catalogue, describe a dataset, page through its rows.

``GET /api/datasets``              search (``q``, facet filters, ``sort``, ``offset``, ``limit``)
``GET /api/datasets/{slug}``       one dataset's metadata, data dictionary and live usage
``GET /api/datasets/{slug}/rows``  rows of an open (T1) dataset, JSON or CSV (``_format=csv``)

Every route works without a key and is rate limited (``opendata.portal.ratelimit``); a key raises
the limit. Errors use the lab's one JSON shape.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from lab.catalogue.spreadsheet import defuse_cell
from lab.errors import InvalidInput
from lab.http.deps import DbDep, ServicesDep
from opendata.portal.catalogue import PublicDataset, get_public, open_rows
from opendata.portal.formats import plain
from opendata.portal.rows import RowPage, parse_query, read_rows
from opendata.portal.search import FACETS, MAX_LIMIT, SearchQuery, search
from opendata.portal.usage import Usage, usage_for, usage_of_slugs
from opendata.web.api_deps import RateLimitedCaller

router = APIRouter(prefix="/api/datasets", tags=["open data API"])
ROW_FORMATS = ("json", "csv")


def describe(dataset: PublicDataset, usage: Usage) -> dict[str, object]:
    """A dataset as the JSON API shows it."""
    return {
        "slug": dataset.slug,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "description": dataset.description,
        "department": dataset.department,
        "topic": dataset.topic,
        "tags": list(dataset.tags),
        "tier": dataset.tier,
        "update_frequency": dataset.update_frequency,
        "last_updated": dataset.last_updated.isoformat(),
        "row_count": dataset.row_count,
        "version": dataset.version,
        "formats": list(dataset.formats),
        "columns": [
            {
                "name": c.name,
                "type": c.type,
                "description": c.description,
                "unit": c.unit,
                "category": c.category,
            }
            for c in dataset.columns
        ],
        "quality": dict(dataset.quality),
        "usage": {
            "views": usage.views,
            "downloads": usage.downloads,
            "downloads_by_format": usage.downloads_by_format,
        },
        "links": {
            "page": f"/datasets/{dataset.slug}",
            "rows": f"/api/datasets/{dataset.slug}/rows" if dataset.is_open else None,
            "downloads": {
                fmt: f"/datasets/{dataset.slug}/download/{fmt}" for fmt in dataset.formats
            }
            if dataset.is_open
            else {},
        },
    }


@router.get("")
def search_datasets(request: Request, db: DbDep, _caller: RateLimitedCaller) -> dict:
    """Search the open catalogue; facet filters repeat (``tags=a&tags=b``)."""
    params = request.query_params
    filters = {name: tuple(params.getlist(name)) for name in FACETS if params.getlist(name)}
    limit = _whole(params.get("limit"), "limit", 10)
    page = search(
        db,
        SearchQuery(
            text=params.get("q", ""),
            filters=filters,
            sort=params.get("sort", "relevance"),
            offset=_whole(params.get("offset"), "offset", 0),
            limit=min(limit, MAX_LIMIT),
        ),
    )
    usage = usage_of_slugs(db, [d.slug for d in page.results])
    return {
        "total": page.total,
        "results": [describe(d, usage[d.slug]) for d in page.results],
        "facets": {
            name: [{"value": value, "count": count} for value, count in items]
            for name, items in page.facets.items()
        },
    }


@router.get("/{slug}")
def show_dataset(slug: str, db: DbDep, _caller: RateLimitedCaller) -> dict:
    """One visible dataset (404 for unknown and restricted alike)."""
    return describe(get_public(db, slug), usage_for(db, slug))


@router.get("/{slug}/rows")
def dataset_rows(
    slug: str, request: Request, db: DbDep, services: ServicesDep, _caller: RateLimitedCaller
) -> Response:
    """Rows of an open dataset: filters, sort, columns, keyset pages (``_next``), JSON or CSV."""
    dataset = get_public(db, slug)
    path = open_rows(services, db, dataset)
    settings = services.settings
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "_format"]
    query = parse_query(
        pairs, default_limit=settings.portal_rows_default, max_limit=settings.portal_rows_max
    )
    page = read_rows(path, query)
    fmt = request.query_params.get("_format", "json")
    next_url = _next_url(request, page)
    if fmt == "csv":
        return _csv_response(dataset, page, next_url)
    if fmt != "json":
        raise InvalidInput(f"_format: one of {', '.join(ROW_FORMATS)}, not {fmt!r}")
    return JSONResponse(
        {
            "dataset": dataset.slug,
            "version": dataset.version,
            "fields": [{"name": f.name, "type": f.type} for f in page.fields],
            "rows": [{k: plain(v) for k, v in r.items()} for r in page.records()],
            "total": page.total,
            "limit": query.limit,
            "next": page.next,
            "next_url": next_url,
        }
    )


def _whole(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a whole number") from None
    if value < 0:
        raise InvalidInput(f"{name}: must be 0 or more")
    return value


def _next_url(request: Request, page: RowPage) -> str | None:
    if page.next is None:
        return None
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "_next"]
    return f"{request.url.path}?{urlencode([*pairs, ('_next', page.next)])}"


def _csv_response(dataset: PublicDataset, page: RowPage, next_url: str | None) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f.name for f in page.fields])
    for row in page.rows:
        writer.writerow(
            ["" if v is None else defuse_cell(v) if isinstance(v, str) else plain(v) for v in row]
        )
    headers = {"X-Total-Count": str(page.total)}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    return Response(
        buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={**headers, "Content-Disposition": f'inline; filename="{dataset.slug}-rows.csv"'},
    )

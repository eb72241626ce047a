"""The read-side CKAN actions, each ``(context, params) -> result``, over the public catalogue.

Only what ``opendata.portal.catalogue`` shows exists here: T1 packages with datastore resources, T2
packages with an application resource and no datastore, and nothing at all of T3 and stricter.
Counts come from ``opendata.portal.search``, so they never include what a visitor may not see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lab.errors import InvalidInput, NotFound
from lab.services import LabServices
from opendata.ckan import shapes
from opendata.ckan.errors import AuthorizationError, NotFoundError, SearchQueryError, validation
from opendata.ckan.params import flag, listing, mapping, text, whole
from opendata.portal.catalogue import FORMATS, PublicDataset, get_public, open_rows, public_slugs
from opendata.portal.formats import plain
from opendata.portal.rows import Condition, RowQuery, SortKey, read_rows
from opendata.portal.search import SearchPage, SearchQuery, search
from opendata.portal.usage import usage_for, usage_of_slugs
from opendata.vocabularies import authority

API_VERSION = 3
CKAN_COMPATIBLE = "2.10.0"  # the CKAN release whose read API this one follows
MAX_ROWS = 1000
DEFAULT_ROWS = 10
_ALL = 10**6
_FQ_TERM = re.compile(r'^\+?(?P<field>[\w.]+):(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))$')
_FQ_IGNORED = {"dataset_type": "dataset", "capacity": "public", "state": "active"}
_FIELD_TO_FACET = {
    "organization": "department",
    "groups": "topic",
    "tags": "tags",
    "res_format": "format",
    "tier": "tier",
    "update_frequency": "update_frequency",
}
_SORTS = {
    "score": "relevance",
    "metadata_modified": "last_updated",
    "title_string": "title",
    "name": "title",
    "views_recent": "views",
    "views_total": "views",
}


@dataclass(frozen=True)
class ActionContext:
    """What an action may use: a database session, the lab's services, the portal's base URL."""

    session: Session
    services: LabServices
    base_url: str


Params = Mapping[str, object]


def status_show(ctx: ActionContext, params: Params) -> dict[str, object]:
    """The portal's name, address and the CKAN API version it speaks."""
    settings = ctx.services.settings
    return {
        "site_title": settings.portal_title,
        "site_description": "公共数据开放平台：公开数据下载与有条件开放数据申请",
        "site_url": ctx.base_url,
        "ckan_version": CKAN_COMPATIBLE,
        "api_version": API_VERSION,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore", "dcat"],
    }


def package_list(ctx: ActionContext, params: Params) -> list[str]:
    """The names of the public datasets, paged by offset and limit."""
    slugs = public_slugs(ctx.session)
    offset = whole(params, "offset", 0)
    limit = whole(params, "limit", len(slugs))
    return slugs[offset : offset + limit]


def package_show(ctx: ActionContext, params: Params) -> dict[str, object]:
    """One public dataset as a CKAN package; a validation error without an id."""
    name = text(params, "id") or text(params, "name")
    if not name:
        raise validation("id", "Missing value")
    dataset = get_public(ctx.session, name)
    return shapes.package(dataset, usage_for(ctx.session, name), ctx.base_url)


def package_search(ctx: ActionContext, params: Params) -> dict[str, object]:
    """Public datasets matching CKAN's q and fq, with facets, sorted and paged."""
    query_text, filters = _parse_q(text(params, "q"))
    for field, values in _parse_fq(text(params, "fq")).items():
        filters.setdefault(field, []).extend(values)
    facet_fields = listing(params, "facet.field")
    page = search(
        ctx.session,
        SearchQuery(
            text=query_text,
            filters=_facet_filters(ctx, filters),
            sort=_sort(text(params, "sort")),
            offset=whole(params, "start", 0),
            limit=whole(params, "rows", DEFAULT_ROWS, maximum=MAX_ROWS),
            facet_limit=_facet_limit(params),
        ),
    )
    results = _packages(ctx, page.results)
    search_facets = {field: _facet_items(page, field) for field in facet_fields}
    return {
        "count": page.total,
        "results": results,
        "sort": text(params, "sort") or "score desc, metadata_modified desc",
        "search_facets": {
            field: {"title": field, "items": items} for field, items in search_facets.items()
        },
        "facets": {
            field: {item["name"]: item["count"] for item in items}
            for field, items in search_facets.items()
        },
    }


def _packages(ctx: ActionContext, datasets) -> list[dict[str, object]]:
    usage = usage_of_slugs(ctx.session, [d.slug for d in datasets])
    return [shapes.package(d, usage[d.slug], ctx.base_url) for d in datasets]


def _parse_q(raw: str) -> tuple[str, dict[str, list[str]]]:
    """Free text and ``field:value`` terms of a q parameter (``*:*`` means everything)."""
    words: list[str] = []
    filters: dict[str, list[str]] = {}
    for token in raw.split():
        if token in ("*:*", "*"):
            continue
        match = _FQ_TERM.match(token)
        if match and match["field"] in _FIELD_TO_FACET:
            filters.setdefault(match["field"], []).append(match["quoted"] or match["bare"])
        else:
            words.append(token)
    return " ".join(words), filters


def _parse_fq(raw: str) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for term in re.findall(r'\+?[\w.]+:"[^"]*"|\S+', raw):
        if term == "AND":
            continue
        match = _FQ_TERM.match(term)
        if not match:
            raise SearchQueryError(f"Search Query Error: cannot parse fq term {term!r}")
        field, value = (
            match["field"],
            match["quoted"] if match["quoted"] is not None else match["bare"],
        )
        if _FQ_IGNORED.get(field) == value:
            continue
        if field not in _FIELD_TO_FACET:
            raise SearchQueryError(
                f"Search Query Error: cannot filter on {field!r}; "
                f"use one of {', '.join(_FIELD_TO_FACET)}"
            )
        filters.setdefault(field, []).append(value)
    return filters


def _facet_filters(ctx: ActionContext, filters: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    translated = {}
    for field, values in filters.items():
        if field == "organization":
            values = [_department_of(ctx, v) or v for v in values]
        elif field == "groups":
            values = [_topic_of(ctx, v) or v for v in values]
        elif field == "res_format":
            values = [v.lower() for v in values]
        translated[_FIELD_TO_FACET[field]] = tuple(values)
    return translated


def _sort(raw: str) -> str:
    if not raw.strip():
        return "relevance"
    first = raw.split(",")[0].split()
    field = first[0] if first else ""
    if field not in _SORTS:
        raise SearchQueryError(
            f"Search Query Error: cannot sort on {field!r}; use one of {', '.join(_SORTS)}"
        )
    return _SORTS[field]


def _facet_limit(params: Params) -> int:
    raw = params.get("facet.limit")
    if raw is not None and str(raw).strip() == "-1":
        return _ALL
    return whole(params, "facet.limit", 50)


def _facet_items(page: SearchPage, field: str) -> list[dict[str, object]]:
    facet = _FIELD_TO_FACET.get(field)
    if facet is None:
        return []
    items = []
    for value, count in page.facets[facet]:
        name, display = value, value
        if field == "organization":
            name = shapes.organization_name(value)
        elif field == "groups":
            name = shapes.group_name(value)
        elif field == "res_format":
            name = display = value.upper()
        items.append({"name": name, "display_name": display, "count": count})
    return items


def _everything(ctx: ActionContext) -> SearchPage:
    return search(ctx.session, SearchQuery(limit=0, facet_limit=_ALL))


def _department_of(ctx: ActionContext, name_or_title: str) -> str | None:
    for department, _ in _everything(ctx).facets["department"]:
        if name_or_title in (department, shapes.organization_name(department)):
            return department
    return None


def _topic_of(ctx: ActionContext, name_or_title: str) -> str | None:
    for topic, _ in _everything(ctx).facets["topic"]:
        if name_or_title in (topic, shapes.group_name(topic)):
            return topic
    return None


def organization_list(ctx: ActionContext, params: Params) -> list[object]:
    """The publishing departments, as CKAN organizations."""
    counts = _everything(ctx).facets["department"]
    return _listing(params, [shapes.organization(d, n) for d, n in counts])


def group_list(ctx: ActionContext, params: Params) -> list[object]:
    """The topics, as CKAN groups."""
    counts = _everything(ctx).facets["topic"]
    return _listing(params, [shapes.group(t, n) for t, n in counts])


def _listing(params: Params, entries: list[dict[str, object]]) -> list[object]:
    wanted = set(listing(params, "organizations") or listing(params, "groups"))
    if wanted:
        entries = [e for e in entries if e["name"] in wanted or e["title"] in wanted]
    sort = text(params, "sort", "name asc").split()
    key = sort[0] if sort and sort[0] in ("name", "title", "package_count") else "name"
    entries.sort(key=lambda e: (e[key], str(e["name"])), reverse=sort[-1:] == ["desc"])
    offset = whole(params, "offset", 0)
    limit = whole(params, "limit", len(entries))
    entries = entries[offset : offset + limit]
    shown: list[object] = (
        list(entries) if flag(params, "all_fields", False) else [e["name"] for e in entries]
    )
    return shown


def organization_show(ctx: ActionContext, params: Params) -> dict[str, object]:
    """One department as a CKAN organization (optionally with its datasets)."""
    return _show_owner(ctx, params, "organization", _department_of, shapes.organization)


def group_show(ctx: ActionContext, params: Params) -> dict[str, object]:
    """One topic as a CKAN group (optionally with its datasets)."""
    return _show_owner(ctx, params, "groups", _topic_of, shapes.group)


def _show_owner(ctx, params, field: str, resolve: Callable, shape: Callable) -> dict[str, object]:
    name = text(params, "id")
    if not name:
        raise validation("id", "Missing value")
    value = resolve(ctx, name)
    if value is None:
        kind = "Organization" if field == "organization" else "Group"
        raise NotFoundError(f"Not found: {kind} was not found.")
    facet = _FIELD_TO_FACET[field]
    page = search(ctx.session, SearchQuery(filters={facet: (value,)}, sort="title", limit=MAX_ROWS))
    result = shape(value, page.total)
    if flag(params, "include_datasets", False):
        result["packages"] = _packages(ctx, page.results)
    return result


def tag_list(ctx: ActionContext, params: Params) -> list[object]:
    """The tags in use, optionally only those containing ``query``."""
    wanted = text(params, "query")
    tags = sorted(t for t, _ in _everything(ctx).facets["tags"] if wanted in t)
    shown: list[object] = (
        [shapes.tag(t) for t in tags] if flag(params, "all_fields", False) else list(tags)
    )
    return shown


def resource_show(ctx: ActionContext, params: Params) -> dict[str, object]:
    """One downloadable file of a public dataset, as a CKAN resource."""
    resource_id = text(params, "id")
    if not resource_id:
        raise validation("id", "Missing value")
    slug, _kind = shapes.split_resource_id(resource_id)
    if slug:
        dataset = _find_dataset(ctx, slug)
        for resource in shapes.resources(dataset, ctx.base_url):
            if resource["id"] == resource_id:
                return resource
    raise NotFoundError("Not found: Resource was not found.")


def _find_dataset(ctx: ActionContext, slug: str) -> PublicDataset:
    try:
        return get_public(ctx.session, slug)
    except NotFound:
        raise NotFoundError("Not found: Resource was not found.") from None


def datastore_search(ctx: ActionContext, params: Params) -> dict[str, object]:
    """Rows of an open dataset, filtered and paged; refused for conditional data."""
    resource_id = text(params, "resource_id") or text(params, "id")
    if not resource_id:
        raise validation("resource_id", "Missing value")
    slug, kind = shapes.split_resource_id(resource_id)
    dataset = _find_dataset(ctx, slug or resource_id)
    if not dataset.is_open:
        raise AuthorizationError(
            "Access denied: conditional data (有条件开放) is only released to approved applicants"
        )
    if kind not in ("", *FORMATS):
        raise NotFoundError(f'Not found: Resource "{resource_id}" was not found.')
    settings = ctx.services.settings
    query = RowQuery(
        conditions=_datastore_filters(params),
        sort=_datastore_sort(text(params, "sort")),
        columns=tuple(listing(params, "fields")),
        limit=whole(
            params, "limit", settings.portal_rows_default, maximum=settings.portal_rows_max
        ),
        offset=whole(params, "offset", 0),
        text=_datastore_q(params),
    )
    try:
        page = read_rows(open_rows(ctx.services, ctx.session, dataset), query)
    except InvalidInput as exc:
        raise validation(_datastore_field(exc.message), exc.message) from None
    return _datastore_result(ctx, params, resource_id, query, page, dataset)


def _datastore_filters(params: Params) -> tuple[Condition, ...]:
    conditions = []
    for column, value in mapping(params, "filters").items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
            raise validation("filters", f"filter {column!r}: values must be strings or numbers")
        as_text = tuple(str(v) for v in values)
        conditions.append(Condition(column, "in" if len(as_text) > 1 else "exact", as_text))
    return tuple(conditions)


def _datastore_q(params: Params) -> str:
    raw = params.get("q")
    if raw is not None and not isinstance(raw, str):
        raise validation("q", "Must be a string (per-field search is not supported)")
    return raw or ""


def _datastore_sort(raw: str) -> tuple[SortKey, ...]:
    keys = []
    for clause in (c.strip() for c in raw.split(",")):
        if not clause:
            continue
        column, _, direction = clause.strip('"').rpartition(" ")
        if direction.lower() not in ("asc", "desc"):
            column, direction = clause.strip('"'), "asc"
        keys.append(SortKey(column.strip().strip('"'), direction.lower() == "desc"))
    return tuple(keys)


def _datastore_field(message: str) -> str:
    for prefix, field in (("filter", "filters"), ("_columns", "fields"), ("_sort", "sort")):
        if message.startswith(prefix):
            return field
    return "query"


def _datastore_result(
    ctx, params, resource_id: str, query: RowQuery, page, dataset: PublicDataset
) -> dict[str, object]:
    start = f"/api/3/action/datastore_search?resource_id={resource_id}"
    described = {c.name: shapes.field(c)["info"] for c in dataset.columns}
    result: dict[str, object] = {
        "resource_id": resource_id,
        "fields": [
            {
                "id": f.name,
                "type": "numeric" if f.type == "number" else "text",
                **({"info": described[f.name]} if f.name in described else {}),
            }
            for f in page.fields
        ],
        "records": [{k: plain(v) for k, v in r.items()} for r in page.records()],
        "limit": query.limit,
        "offset": query.offset,
        "_links": {
            "start": start,
            "next": f"{start}&offset={query.offset + query.limit}&limit={query.limit}",
        },
    }
    if flag(params, "include_total", True):
        result["total"] = page.total
    return result


def license_list(ctx: ActionContext, params: Params) -> list[dict[str, object]]:
    """Every licence a visible dataset may carry (CKAN's ``license_list``)."""
    return [shapes.licence(entry, ctx.base_url) for entry in authority().licences.values()]


ACTIONS: dict[str, Callable[[ActionContext, Params], object]] = {
    "status_show": status_show,
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "license_list": license_list,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
}
WRITE_ACTION = re.compile(r"_(create|update|patch|delete|purge|upsert|revise)$|^(member|bulk)_")

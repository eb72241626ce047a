"""Catalogue search: relevance-ranked, Chinese and English, with facets, alike on both databases.

Why not a full-text engine: SQLite FTS5's ``unicode61`` tokenizer finds no Chinese substrings and
``trigram`` needs three characters, while 青 and 青岛 must match (DESIGN §7); PostgreSQL's
parsers split Chinese no better. The catalogue is small (thousands to tens of thousands of
datasets), so each dataset's public text is kept normalised (NFKC, lower case, punctuation as
spaces) in ``portal_search_documents`` and matched with ``LIKE`` — plain SQL that both databases
evaluate identically:

* a term with a Chinese (non-ASCII) character matches anywhere: 青, 青岛, 空气质量;
* an ASCII term matches at the start of a word: ``air`` finds "Air quality", not "repair".

Every term must match (AND). A match in the title weighs 8, in the keywords (tags, topic,
department) 4, in the description or column names 1; ties go to the newest publication.

The documents are refreshed at query time for datasets whose version or metadata changed, so
there is no indexing job. Who may see what is never taken from them: each query joins the live
visibility rule of ``opendata.catalogue``, so results and facet counts hold only published
T1/T2 datasets, and restricted datasets are never indexed at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, delete, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from lab.db.models import (
    Dataset,
    DatasetVersion,
    PortalSearchDocument,
    PortalSearchTag,
    PortalUsage,
)
from lab.errors import InvalidInput
from opendata.catalogue import FORMATS, VISIBLE_TIERS, PublicDataset, public_by_ids, visible
from opendata.upsert import insert_for

FACETS = ("topic", "department", "tier", "format", "update_frequency", "tags")
SORTS = ("relevance", "last_updated", "title", "views", "downloads")
MAX_LIMIT = 1000
MAX_TERMS = 10
MAX_TEXT = 200
_WEIGHTS = ((PortalSearchDocument.title_text, 8), (PortalSearchDocument.keyword_text, 4))
_BODY_WEIGHT = 1
_NOT_WORD = re.compile(r"[\W_]+")
_REFRESH_BATCH = 500


@dataclass(frozen=True)
class SearchQuery:
    """What a visitor asks: words, facet filters (any of a facet's values, all facets), a page."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    offset: int = 0
    limit: int = 10
    facet_limit: int = 50

    def __post_init__(self) -> None:
        if len(self.text) > MAX_TEXT:
            raise InvalidInput(f"q: at most {MAX_TEXT} characters")
        if len(terms_of(self.text)) > MAX_TERMS:
            raise InvalidInput(f"q: at most {MAX_TERMS} words")
        unknown = sorted(set(self.filters) - set(FACETS))
        if unknown:
            raise InvalidInput(f"filter {unknown[0]!r}: filter by one of {', '.join(FACETS)}")
        if self.sort not in SORTS:
            raise InvalidInput(f"sort: one of {', '.join(SORTS)}, not {self.sort!r}")
        if self.offset < 0:
            raise InvalidInput("offset: must be 0 or more")
        if not 0 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit: between 0 and {MAX_LIMIT}")
        frozen = {k: tuple(str(v) for v in values) for k, values in self.filters.items()}
        object.__setattr__(self, "filters", frozen)


@dataclass(frozen=True)
class SearchPage:
    """One page of results, the total that matched, and facet counts over all matches."""

    total: int
    results: tuple[PublicDataset, ...]
    facets: Mapping[str, tuple[tuple[str, int], ...]]


def normalise(text: str) -> str:
    """``text`` as the index keeps it: NFKC, lower case, words separated by single spaces."""
    words = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).split()
    return f" {' '.join(words)} " if words else " "


def terms_of(text: str) -> tuple[str, ...]:
    """The search terms in ``text`` (each a normalised word; duplicates dropped)."""
    return tuple(dict.fromkeys(normalise(text).split()))


def search(session: Session, query: SearchQuery) -> SearchPage:
    """The page of visible datasets matching ``query``, ranked, with facet counts."""
    refresh_index(session)
    terms = terms_of(query.text)
    conditions = [*(_matches(t) for t in terms), *_filter_conditions(query.filters)]
    base = visible(select(Dataset.id)).join(
        PortalSearchDocument, PortalSearchDocument.dataset_id == Dataset.id
    )
    total = session.scalar(select(func.count()).select_from(base.where(*conditions).subquery()))
    score = _score(terms)
    page = (
        base.add_columns(score.label("score"))
        .where(*conditions)
        .order_by(*_ordering(session, query.sort, score))
        .offset(query.offset)
        .limit(query.limit)
    )
    ids = [row[0] for row in session.execute(page)]
    facets = _facets(session, base, conditions, query.facet_limit)
    return SearchPage(total or 0, tuple(public_by_ids(session, ids)), facets)


def _like(term: str) -> str:
    # normalise() leaves no "%" or "_" in a term; a space before an ASCII term anchors it to the
    # start of a word (documents start with a space).
    return f"% {term}%" if term.isascii() else f"%{term}%"


def _matches(term: str) -> ColumnElement[bool]:
    pattern = _like(term)
    return or_(
        *(column.like(pattern) for column, _ in _WEIGHTS),
        PortalSearchDocument.body_text.like(pattern),
    )


def _score(terms: tuple[str, ...]) -> ColumnElement[int]:
    parts = []
    for term in terms:
        pattern = _like(term)
        parts.extend(case((column.like(pattern), weight), else_=0) for column, weight in _WEIGHTS)
        parts.append(case((PortalSearchDocument.body_text.like(pattern), _BODY_WEIGHT), else_=0))
    total = literal(0)
    for part in parts:
        total = total + part
    return total


def _facet_column(name: str):
    return {
        "topic": Dataset.topic,
        "department": Dataset.department,
        "tier": DatasetVersion.tier,
        "update_frequency": Dataset.update_frequency,
    }[name]


def _filter_conditions(filters: Mapping[str, tuple[str, ...]]) -> list[ColumnElement[bool]]:
    conditions = []
    for name, values in filters.items():
        if name == "tags":
            conditions.append(
                exists().where(
                    PortalSearchTag.dataset_id == Dataset.id, PortalSearchTag.tag.in_(values)
                )
            )
        elif name == "format":
            wanted = set(values) & set(FORMATS)
            conditions.append(DatasetVersion.tier.in_(VISIBLE_TIERS if wanted else ()))
        else:
            conditions.append(_facet_column(name).in_(values))
    return conditions


def _binary(session: Session, column):
    """``column`` compared by code point on both databases (PostgreSQL's locale would differ)."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def _usage_total(event: str):
    return (
        select(func.coalesce(func.sum(PortalUsage.count), 0))
        .where(PortalUsage.dataset_id == Dataset.id, PortalUsage.event == event)
        .scalar_subquery()
    )


def _ordering(session: Session, sort: str, score) -> list:
    newest = DatasetVersion.published_at.desc()
    leading = {
        "relevance": [score.desc(), newest],
        "last_updated": [newest],
        "title": [_binary(session, Dataset.title).asc()],
        "views": [_usage_total("view").desc(), newest],
        "downloads": [_usage_total("download").desc(), newest],
    }[sort]
    return [*leading, _binary(session, Dataset.slug).asc()]


def _facets(
    session: Session, base, conditions, limit: int
) -> dict[str, tuple[tuple[str, int], ...]]:
    matched = base.where(*conditions).subquery()
    facets = {}
    for name in ("topic", "department", "tier", "update_frequency"):
        column = _facet_column(name)
        counted = (
            select(column, func.count())
            .select_from(Dataset)
            .join(DatasetVersion, DatasetVersion.id == Dataset.current_version_id)
            .where(Dataset.id.in_(select(matched.c.id)), column != "")
            .group_by(column)
        )
        facets[name] = _ranked(session.execute(counted), limit)
    tags = (
        select(PortalSearchTag.tag, func.count())
        .where(PortalSearchTag.dataset_id.in_(select(matched.c.id)))
        .group_by(PortalSearchTag.tag)
    )
    facets["tags"] = _ranked(session.execute(tags), limit)
    offered = sum(count for _, count in facets["tier"])
    facets["format"] = tuple((fmt, offered) for fmt in FORMATS) if offered else ()
    return {name: facets[name] for name in FACETS}


def _ranked(rows, limit: int) -> tuple[tuple[str, int], ...]:
    pairs = sorted(((str(v), int(c)) for v, c in rows), key=lambda p: (-p[1], p[0].encode()))
    return tuple(pairs[:limit])


def refresh_index(session: Session) -> None:
    """Bring the search documents in line with the catalogue: new, changed, gone datasets."""
    stale = (
        visible(select(Dataset.id))
        .outerjoin(PortalSearchDocument, PortalSearchDocument.dataset_id == Dataset.id)
        .where(
            or_(
                PortalSearchDocument.dataset_id.is_(None),
                PortalSearchDocument.version_id != Dataset.current_version_id,
                PortalSearchDocument.source_updated_at != Dataset.updated_at,
            )
        )
    )
    ids = list(session.scalars(stale))
    for start in range(0, len(ids), _REFRESH_BATCH):
        _write_documents(session, ids[start : start + _REFRESH_BATCH])
    _drop_invisible(session)


def _write_documents(session: Session, ids: list[int]) -> None:
    sources = {
        d.id: (d.current_version_id, d.updated_at)
        for d in session.scalars(select(Dataset).where(Dataset.id.in_(ids)))
    }
    slugs = dict(session.execute(select(Dataset.slug, Dataset.id).where(Dataset.id.in_(ids))).all())
    for dataset in public_by_ids(session, ids):
        dataset_id = slugs[dataset.slug]
        version_id, updated_at = sources[dataset_id]
        document = {
            "version_id": version_id,
            "source_updated_at": updated_at,
            "title_text": normalise(f"{dataset.title} {dataset.title_en} {dataset.slug}"),
            "keyword_text": normalise(" ".join((*dataset.tags, dataset.topic, dataset.department))),
            "body_text": normalise(
                " ".join(
                    (dataset.description, *(f"{c.name} {c.description}" for c in dataset.columns))
                )
            ),
        }
        insert = insert_for(session, PortalSearchDocument).values(dataset_id=dataset_id, **document)
        session.execute(insert.on_conflict_do_update(index_elements=["dataset_id"], set_=document))
        _write_tags(session, dataset_id, dataset.tags)


def _write_tags(session: Session, dataset_id: int, tags: tuple[str, ...]) -> None:
    session.execute(delete(PortalSearchTag).where(PortalSearchTag.dataset_id == dataset_id))
    for tag in dict.fromkeys(t[:100] for t in tags if t):
        insert = insert_for(session, PortalSearchTag).values(dataset_id=dataset_id, tag=tag)
        session.execute(insert.on_conflict_do_nothing())


def _drop_invisible(session: Session) -> None:
    shown = visible(select(Dataset.id))
    for model in (PortalSearchDocument, PortalSearchTag):
        session.execute(
            delete(model)
            .where(model.dataset_id.not_in(shown))
            .execution_options(synchronize_session=False)
        )

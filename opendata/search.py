"""Catalogue search: relevance-ranked, Chinese and English, with facets, alike on both databases.

Why not a full-text engine: SQLite FTS5's ``unicode61`` tokenizer finds no Chinese substrings and
``trigram`` needs three characters, while 青 and 青岛 must match (DESIGN §7); PostgreSQL's
parsers split Chinese no better. A catalogue holds thousands to tens of thousands of datasets,
so search works on normalised text (NFKC, lower case, punctuation as spaces):

* a term with a Chinese (non-ASCII) character matches anywhere: 青, 青岛, 空气质量;
* an ASCII term matches at the start of a word: ``air`` finds "Air quality", not "repair".

Every term must match (AND). A match in the title weighs 8, in the keywords (tags, topic,
department) 4, in the description or column names 1; ties go to the newest publication, then
the slug. Facet values of one facet are OR-ed, facets AND-ed; counts cover all matches.

Where the work happens: each dataset's public text is stored in ``portal_search_documents``
(refreshed for datasets whose version or metadata changed — no indexing job), and each process
keeps a snapshot of those documents with the facet values of the *visible* datasets, rebuilt
whenever a cheap stamp of the ``datasets`` table changes (every publication and edit touches
it). Matching, ranking and counting then run in Python over the snapshot, so they behave
identically on SQLite and PostgreSQL and take milliseconds for 10k datasets. Restricted datasets
are never indexed or put in a snapshot, and the page itself is read through the live visibility
rule of ``opendata.catalogue``.
"""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
import weakref
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from lab.db.models import (
    Dataset,
    DatasetVersion,
    PortalSearchDocument,
    PortalSearchTag,
    PortalUsage,
)
from lab.errors import InvalidInput
from opendata.catalogue import FORMATS, PublicDataset, public_by_ids, visible
from opendata.upsert import insert_for
from opendata.usage import DOWNLOAD, VIEW

FACETS = ("topic", "department", "tier", "format", "update_frequency", "tags")
SORTS = ("relevance", "last_updated", "title", "views", "downloads")
MAX_LIMIT = 1000
MAX_TERMS = 10
MAX_TEXT = 200
TITLE_WEIGHT, KEYWORD_WEIGHT, BODY_WEIGHT = 8, 4, 1
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
    snapshot = current_snapshot(session)
    needles = [_needle(t) for t in terms_of(query.text)]
    matched = list(snapshot.entries)  # newest first, then slug: the order of ties
    for needle in needles:
        matched = [entry for entry in matched if needle in entry.text]
    for name, values in query.filters.items():
        wanted = {snapshot.numbers.get((name, v), -1) for v in values}
        matched = [entry for entry in matched if not wanted.isdisjoint(entry.facets)]
    page = _ranked(session, query, needles, matched)[query.offset : query.offset + query.limit]
    ids = [entry.dataset_id for entry in page]
    return SearchPage(
        len(matched), tuple(public_by_ids(session, ids)), _facets(snapshot, matched, query)
    )


def _needle(term: str) -> str:
    # A space before an ASCII term anchors it to the start of a word (texts start with a space).
    return f" {term}" if term.isascii() else term


def _by_relevance(matched: list[_Entry], needles: list[str], wanted: int) -> list[_Entry]:
    """The ``wanted`` best of ``matched`` by score (title 8, keywords 4, body 1 per term)."""
    keyed = [(0, entry.position, entry) for entry in matched]
    for needle in needles:
        keyed = [
            (
                score
                - TITLE_WEIGHT * (needle in entry.title_text)
                - KEYWORD_WEIGHT * (needle in entry.keyword_text)
                - BODY_WEIGHT * (needle in entry.body_text),
                position,
                entry,
            )
            for score, position, entry in keyed
        ]
    return [entry for _, _, entry in heapq.nsmallest(wanted, keyed)]


def _ranked(session: Session, query: SearchQuery, needles: list[str], matched: list[_Entry]):
    """The first ``offset + limit`` of ``matched`` in the query's order (ties: newest, slug)."""
    wanted = query.offset + query.limit
    if query.sort == "last_updated" or (query.sort == "relevance" and not needles):
        return matched[:wanted]
    if query.sort == "title":
        return heapq.nsmallest(wanted, matched, key=lambda e: e.title_rank)
    if query.sort in ("views", "downloads"):
        totals = _usage_totals(session, VIEW if query.sort == "views" else DOWNLOAD)
        return heapq.nsmallest(
            wanted, matched, key=lambda e: (-totals.get(e.dataset_id, 0), e.position)
        )
    return _by_relevance(matched, needles, wanted)


def _usage_totals(session: Session, event: str) -> dict[int, int]:
    rows = session.execute(
        select(PortalUsage.dataset_id, func.sum(PortalUsage.count))
        .where(PortalUsage.event == event)
        .group_by(PortalUsage.dataset_id)
    )
    return {dataset_id: int(total) for dataset_id, total in rows}


def _facets(snapshot: _Snapshot, matched: list[_Entry], query: SearchQuery):
    counts = Counter(chain.from_iterable(entry.facets for entry in matched))
    grouped: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for number, count in counts.items():
        name, value = snapshot.labels[number]
        grouped[name].append((value, count))
    return {
        name: tuple(sorted(pairs, key=lambda p: (-p[1], p[0].encode()))[: query.facet_limit])
        for name, pairs in grouped.items()
    }


@dataclass(frozen=True)
class _Entry:
    """One visible dataset as search needs it: its normalised texts and facet values."""

    dataset_id: int
    slug: str
    title: str
    published: float
    position: int
    title_rank: int
    title_text: str
    keyword_text: str
    body_text: str
    text: str
    facets: frozenset[int]


@dataclass(frozen=True)
class _Snapshot:
    """The visible datasets' entries; facet values are numbered (``labels[i]`` is value i)."""

    stamp: tuple
    entries: tuple[_Entry, ...]
    labels: tuple[tuple[str, str], ...]
    numbers: Mapping[tuple[str, str], int]


_SNAPSHOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SNAPSHOT_LOCK = threading.Lock()


def _stamp(session: Session) -> tuple:
    """Changes whenever a dataset is added, removed, edited or (re)published.

    Every change of what the public may see goes through the dataset row: publishing switches
    ``current_version_id`` and touches ``updated_at``; a published version's tier never changes.
    """
    count, newest, versions = session.execute(
        select(
            func.count(Dataset.id),
            func.max(Dataset.updated_at),
            func.sum(Dataset.current_version_id),
        )
    ).one()
    return (count, str(newest), versions)


def current_snapshot(session: Session) -> _Snapshot:
    """The in-process search snapshot for this database, rebuilt when the catalogue changed."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    stamp = _stamp(session)
    cached = _SNAPSHOTS.get(engine)
    if cached is not None and cached.stamp == stamp:
        return cached
    with _SNAPSHOT_LOCK:
        refresh_index(session)
        snapshot = _load_snapshot(session, stamp)
        _SNAPSHOTS[engine] = snapshot
    return snapshot


def _load_snapshot(session: Session, stamp: tuple) -> _Snapshot:
    tags: dict[int, list[str]] = {}
    for dataset_id, tag in session.execute(select(PortalSearchTag.dataset_id, PortalSearchTag.tag)):
        tags.setdefault(dataset_id, []).append(tag)
    rows = session.execute(
        visible(
            select(
                Dataset.id,
                Dataset.slug,
                Dataset.title,
                DatasetVersion.published_at,
                DatasetVersion.tier,
                Dataset.topic,
                Dataset.department,
                Dataset.update_frequency,
                PortalSearchDocument.title_text,
                PortalSearchDocument.keyword_text,
                PortalSearchDocument.body_text,
            )
        ).join(PortalSearchDocument, PortalSearchDocument.dataset_id == Dataset.id)
    )
    numbers: dict[tuple[str, str], int] = {}
    loaded = [_entry(row, tags.get(row[0], []), numbers) for row in rows]
    loaded.sort(key=lambda e: (-e.published, e.slug.encode()))
    by_title = sorted(range(len(loaded)), key=lambda i: (loaded[i].title.encode(), loaded[i].slug))
    title_rank = {index: rank for rank, index in enumerate(by_title)}
    entries = tuple(
        replace(entry, position=index, title_rank=title_rank[index])
        for index, entry in enumerate(loaded)
    )
    return _Snapshot(stamp, entries, tuple(numbers), numbers)


def _entry(row, tags: list[str], numbers: dict[tuple[str, str], int]) -> _Entry:
    dataset_id, slug, title, published, tier, topic, department, frequency = row[:8]
    title_text, keyword_text, body_text = row[8:]
    values = {"tier": (tier,), "topic": (topic,), "department": (department,)}
    values |= {"update_frequency": (frequency,), "tags": tags, "format": FORMATS}
    pairs = {(name, v) for name, vs in values.items() for v in vs if v}
    facets = frozenset(numbers.setdefault(pair, len(numbers)) for pair in pairs)
    return _Entry(
        dataset_id=dataset_id,
        slug=slug,
        title=title,
        published=_utc(published).timestamp() if published else 0.0,
        position=0,
        title_rank=0,
        title_text=title_text,
        keyword_text=keyword_text,
        body_text=body_text,
        text="\x00".join((title_text, keyword_text, body_text)),
        facets=facets,
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    """(Re)write the documents and tags of the visible datasets among ``ids``, in bulk."""
    columns = (Dataset.id, Dataset.slug, Dataset.current_version_id, Dataset.updated_at)
    sources = {
        row.slug: row for row in session.execute(select(*columns).where(Dataset.id.in_(ids)))
    }
    documents, tags = [], []
    for dataset in public_by_ids(session, ids):
        source = sources[dataset.slug]
        documents.append(
            {
                "dataset_id": source.id,
                "version_id": source.current_version_id,
                "source_updated_at": source.updated_at,
                **_texts(dataset),
            }
        )
        unique = dict.fromkeys(t[:100] for t in dataset.tags if t)
        tags.extend({"dataset_id": source.id, "tag": tag} for tag in unique)
    if not documents:
        return
    upsert = insert_for(session, PortalSearchDocument)
    changing = ("version_id", "source_updated_at", "title_text", "keyword_text", "body_text")
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["dataset_id"], set_={c: upsert.excluded[c] for c in changing}
        ),
        documents,
    )
    written = [d["dataset_id"] for d in documents]
    session.execute(delete(PortalSearchTag).where(PortalSearchTag.dataset_id.in_(written)))
    if tags:
        session.execute(insert_for(session, PortalSearchTag).on_conflict_do_nothing(), tags)


def _texts(dataset: PublicDataset) -> dict[str, str]:
    columns = (f"{c.name} {c.description}" for c in dataset.columns)
    return {
        "title_text": normalise(f"{dataset.title} {dataset.title_en} {dataset.slug}"),
        "keyword_text": normalise(" ".join((*dataset.tags, dataset.topic, dataset.department))),
        "body_text": normalise(" ".join((dataset.description, *columns))),
    }


def _drop_invisible(session: Session) -> None:
    shown = visible(select(Dataset.id))
    gone = list(
        session.scalars(
            select(PortalSearchDocument.dataset_id).where(
                PortalSearchDocument.dataset_id.not_in(shown)
            )
        )
    )
    for model in (PortalSearchDocument, PortalSearchTag):
        if gone:
            session.execute(
                delete(model)
                .where(model.dataset_id.in_(gone))
                .execution_options(synchronize_session=False)
            )

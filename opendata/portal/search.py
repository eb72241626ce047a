"""Catalogue search: relevance-ranked, Chinese and English, with facets, alike on both databases.

Why not a full-text engine: SQLite FTS5's ``unicode61`` tokenizer finds no Chinese substrings and
``trigram`` needs three characters, while 青 and 青岛 must match (DESIGN §7); PostgreSQL's
parsers split Chinese no better. A catalogue holds thousands to tens of thousands of datasets,
so search works on normalised text (NFKC, lower case, punctuation as spaces):

* a term with a Chinese (non-ASCII) character matches anywhere: 青, 青岛, 空气质量;
* an ASCII term matches at the start of a word: ``air`` finds "Air quality", not "repair".

Every term must match (AND). A match in the title weighs 8, in the keywords (tags, topic,
department) 4, in the description, the column names or the dataset's own data dictionary text 1
(never a classification category's name); ties go to the newest publication, then the slug.
Facet values of one facet are OR-ed, facets AND-ed; counts cover all matches.

Where the work happens: each dataset's public text is stored in ``portal_search_documents``
(refreshed for datasets whose version or metadata changed — no indexing job), and each process
keeps a snapshot of those documents with the facet values of the *visible* datasets, rebuilt
whenever a cheap stamp of the ``datasets`` table changes (every publication and edit touches
it). Matching, ranking and counting then run in Python over the snapshot, so they behave
identically on SQLite and PostgreSQL. The snapshot keeps each text column as one tuple and the
facet values as numbered (dataset, value) pairs: a term costs one substring loop per column,
ranking is a stable NumPy sort of the matches, and all facet counts are one ``bincount`` — a
few milliseconds for 10k datasets. Restricted datasets are never indexed or put in a snapshot,
and the page itself is read through the live visibility rule of ``opendata.portal.catalogue``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
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
from opendata.portal.catalogue import FORMATS, PublicDataset, public_by_ids, visible
from opendata.portal.upsert import insert_for
from opendata.portal.usage import DOWNLOAD, VIEW

FACETS = ("topic", "department", "tier", "format", "update_frequency", "tags")
SORTS = ("relevance", "last_updated", "title", "views", "downloads", "popular")
_USAGE_EVENTS = {"views": (VIEW,), "downloads": (DOWNLOAD,), "popular": (VIEW, DOWNLOAD)}
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
    hits = [_TermHits.of(snapshot, _needle(term)) for term in terms_of(query.text)]
    selected = np.ones(snapshot.size, dtype=bool)
    for hit in hits:
        selected &= hit.anywhere
    for name, values in query.filters.items():
        wanted = [snapshot.numbers[(name, v)] for v in values if (name, v) in snapshot.numbers]
        selected &= snapshot.having_any(wanted)
    matched = np.flatnonzero(selected)  # positions: newest first, then slug (the order of ties)
    page = _ranked(session, snapshot, query, hits, matched)[query.offset :]
    ids = [int(snapshot.dataset_ids[position]) for position in page]
    return SearchPage(
        len(matched), tuple(public_by_ids(session, ids)), _facets(snapshot, selected, query)
    )


def _needle(term: str) -> str:
    # A space before an ASCII term anchors it to the start of a word (texts start with a space).
    return f" {term}" if term.isascii() else term


@dataclass(frozen=True, eq=False)
class _TermHits:
    """Per position: whether one term occurs in the title, the keywords, the body."""

    title: np.ndarray
    keyword: np.ndarray
    body: np.ndarray

    @classmethod
    def of(cls, snapshot: _Snapshot, needle: str) -> _TermHits:
        def found(texts: tuple[str, ...]) -> np.ndarray:
            return np.fromiter((needle in text for text in texts), dtype=bool, count=len(texts))

        return cls(
            found(snapshot.title_text), found(snapshot.keyword_text), found(snapshot.body_text)
        )

    @property
    def anywhere(self) -> np.ndarray:
        return self.title | self.keyword | self.body

    @property
    def score(self) -> np.ndarray:
        return (
            TITLE_WEIGHT * self.title.astype(np.int32)
            + KEYWORD_WEIGHT * self.keyword
            + BODY_WEIGHT * self.body
        )


def _ranked(
    session: Session, snapshot: _Snapshot, query: SearchQuery, hits: list[_TermHits], matched
) -> np.ndarray:
    """The first ``offset + limit`` positions of ``matched`` in the query's order.

    ``matched`` is ascending, so every stable order leaves ties newest first, then by slug.
    """
    wanted = query.offset + query.limit
    if query.sort == "last_updated" or (query.sort == "relevance" and not hits):
        return matched[:wanted]
    if query.sort == "title":
        key = snapshot.title_rank[matched]
    elif query.sort in _USAGE_EVENTS:
        totals = _usage_totals(session, _USAGE_EVENTS[query.sort])
        key = -np.array([totals.get(int(snapshot.dataset_ids[p]), 0) for p in matched])
    else:  # relevance: title 8, keywords 4, body 1 for each term found there
        key = -sum(hit.score[matched] for hit in hits)
    return matched[np.argsort(key, kind="stable")[:wanted]]


def _usage_totals(session: Session, events: tuple[str, ...]) -> dict[int, int]:
    rows = session.execute(
        select(PortalUsage.dataset_id, func.sum(PortalUsage.count))
        .where(PortalUsage.event.in_(events))
        .group_by(PortalUsage.dataset_id)
    )
    return {dataset_id: int(total) for dataset_id, total in rows}


def _facets(snapshot: _Snapshot, selected: np.ndarray, query: SearchQuery):
    counts = np.bincount(
        snapshot.facet_values[selected[snapshot.facet_owners]], minlength=len(snapshot.labels)
    )
    grouped: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for number in np.flatnonzero(counts):
        name, value = snapshot.labels[number]
        grouped[name].append((value, int(counts[number])))
    return {
        name: tuple(sorted(pairs, key=lambda p: (-p[1], p[0].encode()))[: query.facet_limit])
        for name, pairs in grouped.items()
    }


@dataclass(frozen=True)
class _Entry:
    """One visible dataset as the snapshot is built from: its normalised texts, facet values."""

    dataset_id: int
    slug: str
    title: str
    published: float
    title_text: str
    keyword_text: str
    body_text: str
    facets: frozenset[int]


@dataclass(frozen=True, eq=False)
class _Snapshot:
    """The visible datasets as columns, one position per dataset (newest first, then slug).

    Texts are kept per column, so a term is looked for with one tight loop per column.
    Facet values are numbered (``labels[i]`` is value i); the pairs (``facet_owners[k]`` has
    value ``facet_values[k]``) let one ``bincount`` count every facet of a result set.
    """

    stamp: tuple
    dataset_ids: np.ndarray
    title_rank: np.ndarray
    title_text: tuple[str, ...]
    keyword_text: tuple[str, ...]
    body_text: tuple[str, ...]
    facet_owners: np.ndarray
    facet_values: np.ndarray
    labels: tuple[tuple[str, str], ...]
    numbers: Mapping[tuple[str, str], int]

    @property
    def size(self) -> int:
        return len(self.dataset_ids)

    def having_any(self, numbers: list[int]) -> np.ndarray:
        """Per position: whether the dataset has any of the facet values ``numbers``."""
        having = np.zeros(self.size, dtype=bool)
        having[self.facet_owners[np.isin(self.facet_values, numbers)]] = True
        return having


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
    title_rank = np.empty(len(loaded), dtype=np.int64)
    title_rank[by_title] = np.arange(len(loaded))
    owners = [position for position, e in enumerate(loaded) for _ in e.facets]
    values = [number for e in loaded for number in e.facets]
    return _Snapshot(
        stamp=stamp,
        dataset_ids=np.array([e.dataset_id for e in loaded], dtype=np.int64),
        title_rank=title_rank,
        title_text=tuple(e.title_text for e in loaded),
        keyword_text=tuple(e.keyword_text for e in loaded),
        body_text=tuple(e.body_text for e in loaded),
        facet_owners=np.array(owners, dtype=np.int64),
        facet_values=np.array(values, dtype=np.int64),
        labels=tuple(numbers),
        numbers=numbers,
    )


def _entry(row, tags: list[str], numbers: dict[tuple[str, str], int]) -> _Entry:
    dataset_id, slug, title, published, tier, topic, department, frequency = row[:8]
    title_text, keyword_text, body_text = row[8:]
    values: dict[str, Iterable[str]] = {
        "tier": (tier,),
        "topic": (topic,),
        "department": (department,),
    }
    values |= {"update_frequency": (frequency,), "tags": tags, "format": FORMATS}
    pairs = {(name, v) for name, vs in values.items() for v in vs if v}
    facets = frozenset(numbers.setdefault(pair, len(numbers)) for pair in pairs)
    return _Entry(
        dataset_id=dataset_id,
        slug=slug,
        title=title,
        published=_utc(published).timestamp() if published else 0.0,
        title_text=title_text,
        keyword_text=keyword_text,
        body_text=body_text,
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
    documents: list[dict[str, object]] = []
    tags: list[dict[str, object]] = []
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

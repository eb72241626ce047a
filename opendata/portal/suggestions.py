"""What to offer when a search finds nothing: the parts of the query that do find datasets,
and the catalogue's largest topics.

A query of several terms finds only datasets holding all of them, so each term is tried
alone; a Chinese term with no match is tried by its two-character pieces (交通运输局长 → 交通,
运输, …), which is how a longer Chinese phrase usually fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from opendata.portal.search import SearchQuery, search, terms_of

MAX_TERMS = 5
MAX_TOPICS = 8
MAX_TRIES = 20
"""At most this many pieces of a query are tried (each is one search), however long it is."""


@dataclass(frozen=True)
class Suggestions:
    """Search terms that find datasets (each with its count) and topics to browse."""

    terms: tuple[tuple[str, int], ...]
    topics: tuple[tuple[str, int], ...]


def _candidates(text: str) -> list[str]:
    terms = terms_of(text)
    found: list[str] = [term for term in terms if len(terms) > 1]
    for term in terms:
        if not term.isascii() and len(term) > 2:
            found += [term[i : i + 2] for i in range(len(term) - 1)]
    return list(dict.fromkeys(found))[:MAX_TRIES]


def suggest(session: Session, text: str) -> Suggestions:
    """Terms taken from ``text`` that each find datasets, and the largest topics."""
    terms: list[tuple[str, int]] = []
    for term in _candidates(text):
        total = search(session, SearchQuery(text=term, limit=0, facet_limit=1)).total
        if total:
            terms.append((term, total))
        if len(terms) == MAX_TERMS:
            break
    topics = search(session, SearchQuery(limit=0, facet_limit=MAX_TOPICS)).facets["topic"]
    return Suggestions(tuple(terms), tuple(topics))

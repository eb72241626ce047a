"""Search terms marked in the text a result shows: ``<mark>`` around each match, the rest escaped.

A term matches as search matches it (``opendata.portal.search``): a Chinese term anywhere, an
ASCII term at the start of a word, both regardless of case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    parts = [
        rf"(?<![^\W_]){re.escape(term)}" if term.isascii() else re.escape(term)
        for term in sorted(set(terms), key=len, reverse=True)
        if term
    ]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def marked(text: str, terms: Iterable[str] | None) -> Markup:
    """``text`` escaped for HTML, with each match of ``terms`` inside ``<mark>``."""
    pattern = _pattern(terms or ())
    if pattern is None:
        return escape(text)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group())
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)

"""Free-text scanner: identifiers embedded in remarks (``当事人身份证370202…已核实``).

``\\b`` does not separate CJK from digits, so every pattern uses digit look-arounds
(``(?<!\\d)…(?!\\d)``); text is NFKC-normalised first so full-width digits (１３８…) match.
Found: resident IDs, mainland mobiles (optionally +86, spaced or hyphenated), credit codes
(with letters or all digits) and bank cards introduced by a cue word (卡号, 账号 …). Every match
is validated (``validators``) before it counts, so random digit runs rarely do.

``scan_column`` reads EVERY row of a column, cheaply: one vectorised match of a combined prefilter
regex over the raw cells (pyarrow's RE2 kernel for Arrow-backed strings, pandas ``str.contains``
for object columns; the regex has full-width digit classes, so it needs no NFKC pass), then
normalisation, matching and validation of the few candidate rows only.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from classification.validators import is_bank_card, is_credit_code, is_mobile, is_resident_id

_DIGIT = "[0-9０-９]"
_SEP = r"[-－\s]?"
PREFILTER = re.compile(
    f"{_DIGIT}{{3}}{_SEP}{_DIGIT}{{4}}{_SEP}{_DIGIT}{{4}}|[0-9A-Z０-９Ａ-Ｚ]{{18}}"
)
"""Superset of every pattern below, over raw (not yet NFKC-normalised) text."""

_ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUWXY]{18}(?![0-9A-Z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?(1[3-9]\d[-\s]?\d{4}[-\s]?\d{4})(?!\d)")
_BANK_CARD = re.compile(r"(?:卡号|银行卡|账号|帐号|账户)\D{0,4}?(?<!\d)(\d{16,19})(?!\d)")
EXAMPLE_ROWS = 3
"""How many row positions a column scan keeps per identifier kind, as evidence."""


@dataclass(frozen=True)
class IdentifierSpan:
    """One validated identifier inside a text: its validator name and span in the NFKC text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class KindCount:
    """How many identifiers of one kind a column holds, and the first rows (0-based positions)."""

    kind: str
    count: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class ColumnScan:
    """The result of scanning every row of one column."""

    rows_scanned: int
    candidate_rows: int
    found: tuple[KindCount, ...]


def _id_like_kind(digits: str) -> str | None:
    """An 18-character digit run is a resident ID, or an all-digit credit code, or nothing."""
    value = digits.upper()
    if is_resident_id(value):
        return "resident_id"
    return "credit_code" if is_credit_code(value) else None


def _matches(text: str) -> list[IdentifierSpan]:
    """Every validated identifier in already-normalised ``text``, possibly overlapping."""
    spans = []
    for match in _ID_LIKE.finditer(text):
        kind = _id_like_kind(match.group())
        if kind is not None:
            spans.append(IdentifierSpan(kind, *match.span()))
    for match in _CREDIT_CODE.finditer(text):
        if not match.group().isdigit() and is_credit_code(match.group()):
            spans.append(IdentifierSpan("credit_code", *match.span()))
    for match in _MOBILE.finditer(text):
        if is_mobile(re.sub(r"[-\s]", "", match.group(1))):
            spans.append(IdentifierSpan("mobile", *match.span()))
    for match in _BANK_CARD.finditer(text):
        if is_bank_card(match.group(1)):
            spans.append(IdentifierSpan("bank_card", *match.span(1)))
    return spans


def scan_text(text: str) -> tuple[IdentifierSpan, ...]:
    """Validated identifiers in ``text``, in order, spans relative to ``NFKC(text)``."""
    spans = sorted(_matches(unicodedata.normalize("NFKC", text)), key=lambda s: (s.start, -s.end))
    kept: list[IdentifierSpan] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return tuple(kept)


def _candidate_rows(values: pd.Series) -> np.ndarray:
    """Positions of the rows the prefilter keeps: RE2 on Arrow-backed strings, else ``re``."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        matched = pc.match_substring_regex(pa.array(values.array), PREFILTER.pattern)
        return np.flatnonzero(matched.fill_null(False).to_numpy(zero_copy_only=False))
    matched = values.astype(object).str.contains(PREFILTER, na=False)
    return np.flatnonzero(matched.to_numpy(dtype=bool))


def scan_column(values: pd.Series) -> ColumnScan:
    """Scan every row of ``values`` (strings, None for nulls) for embedded identifiers."""
    positions = _candidate_rows(values)
    counts: Counter[str] = Counter()
    rows: dict[str, list[int]] = {}
    for position, cell in zip(positions.tolist(), values.iloc[positions].tolist(), strict=True):
        for span in scan_text(str(cell)):
            counts[span.kind] += 1
            examples = rows.setdefault(span.kind, [])
            if len(examples) < EXAMPLE_ROWS and position not in examples:
                examples.append(position)
    found = tuple(KindCount(kind, counts[kind], tuple(rows[kind])) for kind in sorted(counts))
    return ColumnScan(len(values), int(positions.size), found)


def merge_scans(first: ColumnScan, later: ColumnScan) -> ColumnScan:
    """One scan of two consecutive parts of a column (``later`` starts where ``first`` ends)."""
    kinds = {k.kind: k for k in first.found}
    merged = []
    for kind in sorted({*kinds, *(k.kind for k in later.found)}):
        before = kinds.get(kind, KindCount(kind, 0, ()))
        after = next((k for k in later.found if k.kind == kind), KindCount(kind, 0, ()))
        shifted = tuple(first.rows_scanned + r for r in after.rows)
        rows = (before.rows + shifted)[:EXAMPLE_ROWS]
        merged.append(KindCount(kind, before.count + after.count, rows))
    return ColumnScan(
        first.rows_scanned + later.rows_scanned,
        first.candidate_rows + later.candidate_rows,
        tuple(merged),
    )

"""Recipient fingerprints of T2 extract copies, and reading them back from a leaked table.

Every copy an approved applicant downloads is keyed by its own download record: the key is an
HMAC of the lab's secret and the record's id, so it is never stored and cannot be forged.
Two signals carry it, and each survives rows being removed and columns being reordered:

* **Record numbers** (``记录编号``): each row gets ``HMAC(key, row digest)`` cut to 16 hex
  characters, where the row digest hashes the row's *(column name, value)* pairs sorted by name —
  so it does not depend on column order. Any leaked row still holding its number names the copy;
  a false match of one number has probability 2⁻⁶⁴.
* **Keyed row order**: rows are delivered sorted by that number. A leaked table whose number
  column was deleted still lists its rows in the key's order — for another key, n distinct rows
  fall in order with probability 1/n! (below 10⁻⁸ from 12 rows).

Tracing digests each leaked row once and weighs at most ``MAX_WEIGHED_ROWS`` evenly spaced rows
(a subsequence of an ordered sequence is ordered) against each download's key, so it costs the
file's rows plus downloads × 2,000 HMACs.

Neither signal changes a value of the extract, so every recipient gets the same data. Limits: a
leaker who deletes the number column *and* re-sorts the rows, or edits the values, defeats both;
the signed manifest in the download names the record as long as it travels with the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

RECORD_ID_COLUMN = "记录编号"
RECORD_ID_LENGTH = 16
MIN_ORDERED_ROWS = 12
MIN_ID_MATCHES = 3
MAX_WEIGHED_ROWS = 2000
_PURPOSE = b"datalab/extract-fingerprint/v1\x00"


def fingerprint_key(secret_key: bytes, download_id: int) -> bytes:
    """The fingerprint key of one download record (derived, never stored)."""
    return hmac.new(secret_key, _PURPOSE + str(download_id).encode(), hashlib.sha256).digest()


def row_digest(headers: Sequence[str], values: Sequence[str]) -> bytes:
    """A digest of one row that does not depend on the order of its columns."""
    pairs = sorted(zip(headers, values, strict=True))
    return hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).digest()


def record_id(key: bytes, digest: bytes) -> str:
    """The record number (记录编号) of a row: its digest under the download's key, cut short."""
    return hmac.new(key, digest, hashlib.sha256).hexdigest()[:RECORD_ID_LENGTH]


@dataclass(frozen=True)
class Evidence:
    """How well one download's key explains a table."""

    download_id: int
    rows: int
    id_matches: int
    ordered_pairs: int
    pairs: int

    @property
    def by_record_ids(self) -> bool:
        return self.id_matches >= min(MIN_ID_MATCHES, self.rows) and (
            self.id_matches * 2 >= self.rows
        )

    @property
    def by_row_order(self) -> bool:
        return self.rows >= MIN_ORDERED_ROWS and self.ordered_pairs == self.pairs

    @property
    def conclusive(self) -> bool:
        return self.rows > 0 and (self.by_record_ids or self.by_row_order)

    def describe(self) -> str:
        return (
            f"{self.id_matches}/{self.rows} record numbers match; "
            f"{self.ordered_pairs}/{self.pairs} adjacent rows in the key's order"
        )


@dataclass(frozen=True)
class LeakedTable:
    """A table to trace, reduced to what the weighing needs: each row's digest (without the
    number column) and its number, if a number column was found."""

    digests: tuple[bytes, ...]
    numbers: tuple[str, ...] | None


def leaked_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> LeakedTable:
    """Digest the rows once (at most ``MAX_WEIGHED_ROWS``, evenly spaced, order kept).

    The number column is found by its values (16 hex characters), so a renamed or moved one
    still counts; the row digest leaves it out.
    """
    rows = rows[:: max(1, math.ceil(len(rows) / MAX_WEIGHED_ROWS))]
    id_column = _id_column(headers, rows)
    data_headers = [h for i, h in enumerate(headers) if i != id_column]
    digests = tuple(
        row_digest(data_headers, [v for i, v in enumerate(row) if i != id_column]) for row in rows
    )
    numbers = None if id_column is None else tuple(row[id_column] for row in rows)
    return LeakedTable(digests, numbers)


def weigh(download_id: int, key: bytes, table: LeakedTable) -> Evidence:
    """The evidence that ``table`` came from the copy keyed by ``key``."""
    ids = [record_id(key, digest) for digest in table.digests]
    matches = sum(a == b for a, b in zip(ids, table.numbers or (), strict=False))
    ordered = sum(a <= b for a, b in pairwise(ids))
    return Evidence(download_id, len(ids), matches, ordered, max(len(ids) - 1, 0))


def _id_column(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int | None:
    if RECORD_ID_COLUMN in headers:
        return list(headers).index(RECORD_ID_COLUMN)
    for index in range(len(headers)):
        if rows and all(_looks_like_id(row[index]) for row in rows):
            return index
    return None


def _looks_like_id(value: str) -> bool:
    return len(value) == RECORD_ID_LENGTH and all(c in "0123456789abcdef" for c in value)

"""Reading the audit log as an auditor: filters by actor, kind and city day, keyset pages,
and exports whose lines still re-hash to their stored hashes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from lab.audit import AuditLog
from lab.audit.browse import (
    AuditFilter,
    action_kinds,
    as_csv_line,
    as_json_line,
    csv_header,
    exported,
    find_entries,
)
from lab.audit.chain import entry_hash
from lab.db.models import AuditEntry
from lab.errors import InvalidInput
from lab.services import LabServices


def _entry(seq: int, at: str, actor: str, action: str) -> AuditEntry:
    return AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target="t",
        details="{}",
        prev_hash="0" * 64,
        entry_hash="0" * 64,
    )


@pytest.fixture
def log(sqlite_lab: LabServices):
    """Entries at known instants: 15:59:59 and 16:00:00 UTC straddle the city's midnight."""
    rows = [
        _entry(1, "2026-12-03T15:59:59.000000+00:00", "steward", "dataset.publish"),
        _entry(2, "2026-12-03T16:00:00.000000+00:00", "steward", "dataset.withdraw"),
        _entry(3, "2026-12-04T09:00:00.000000+00:00", "banker", "credit.query"),
        _entry(4, "2026-12-04T10:00:00.000000+00:00", "steward", "database.migrate"),
    ]
    with sqlite_lab.sessions() as session, session.begin():
        session.add_all(rows)
    return sqlite_lab


def _seqs(lab: LabServices, wanted: AuditFilter, **page) -> list[int]:
    with lab.sessions() as session:
        return [r.seq for r in find_entries(session, wanted, **page)]


def test_filters_by_actor_kind_and_city_day(log: LabServices) -> None:
    """A family matches its actions only (``data`` is not ``database``); days are Qingdao's."""
    assert _seqs(log, AuditFilter()) == [4, 3, 2, 1]
    assert _seqs(log, AuditFilter(actor="steward")) == [4, 2, 1]
    assert _seqs(log, AuditFilter(kind="dataset")) == [2, 1]
    assert _seqs(log, AuditFilter(kind="dataset.withdraw")) == [2]
    assert _seqs(log, AuditFilter(kind="data")) == []
    assert _seqs(log, AuditFilter(since=date(2026, 12, 4))) == [4, 3, 2]
    assert _seqs(log, AuditFilter(until=date(2026, 12, 3))) == [1]
    assert _seqs(log, AuditFilter(actor="steward", kind="dataset", since=date(2026, 12, 4))) == [2]


def test_keyset_pages_and_kinds(log: LabServices) -> None:
    """Pages continue below the last entry shown; the kind list holds actions and families."""
    assert _seqs(log, AuditFilter(), limit=2) == [4, 3]
    assert _seqs(log, AuditFilter(), before_seq=3, limit=2) == [2, 1]
    with log.sessions() as session:
        kinds = action_kinds(session)
    assert {"dataset", "dataset.publish", "credit", "credit.query"} <= set(kinds)


def test_bad_filters_are_refused() -> None:
    """Malformed dates, reversed ranges and oversized text get a clear InvalidInput."""
    with pytest.raises(InvalidInput, match="since"):
        AuditFilter.parse(since="2026-13-01")
    with pytest.raises(InvalidInput, match="after"):
        AuditFilter.parse(since="2026-12-05", until="2026-12-04")
    with pytest.raises(InvalidInput):
        AuditFilter(actor="x" * 201)
    assert AuditFilter.parse(kind=" dataset ").query_pairs() == [("kind", "dataset")]


def test_exports_rehash_to_the_stored_hashes(sqlite_lab: LabServices) -> None:
    """Real chained entries exported as JSON lines and CSV keep every field as stored."""
    audit: AuditLog = sqlite_lab.audit
    for n in range(3):
        audit.append(actor="steward", action="dataset.publish", target=f"d{n}", details={"n": n})
    wanted = AuditFilter(kind="dataset.publish")
    records = list(exported(sqlite_lab.sessions, wanted))
    assert [r.target for r in records] == ["d0", "d1", "d2"]
    for record in records:
        fields = json.loads(as_json_line(record))
        stored = fields.pop("entry_hash")
        assert entry_hash(**fields) == stored
    text = csv_header() + "".join(as_csv_line(r) for r in records)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["entry_hash"] for row in rows] == [r.entry_hash for r in records]

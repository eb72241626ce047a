"""Reading the audit log as an auditor does: filter by actor, kind and city date, page through
newest first, and export the matching entries with their hashes (to verify them elsewhere).

A *kind* is an action (``dataset.publish``) or the family before its first dot (``dataset``);
dates are days in the city (Asia/Shanghai), turned into the UTC instants the log stores.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, sessionmaker

from lab.audit.chain import AuditRecord, record_of
from lab.clock import CITY_ZONE
from lab.db.models import AuditEntry
from lab.errors import InvalidInput

PAGE = 100
EXPORT_BATCH = 5000
MAX_TEXT = 200
EXPORT_FIELDS = ("seq", "at", "actor", "action", "target", "details", "prev_hash", "entry_hash")


def _city_midnight(day: date) -> str:
    """The stored form (UTC ISO, microseconds) of the city's midnight starting ``day``."""
    moment = datetime.combine(day, time(0), tzinfo=CITY_ZONE).astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show: each part optional; ``since``/``until`` are inclusive city days."""

    actor: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if len(self.actor) > MAX_TEXT or len(self.kind) > MAX_TEXT:
            raise InvalidInput(f"actor and kind are at most {MAX_TEXT} characters")
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("the start date is after the end date")

    @classmethod
    def parse(cls, *, actor: str = "", kind: str = "", since: str = "", until: str = ""):
        """A filter from its text form (a query string); dates are YYYY-MM-DD."""
        return cls(actor.strip(), kind.strip(), _day("since", since), _day("until", until))

    def query_pairs(self) -> list[tuple[str, str]]:
        """The filter as query-string pairs (for links to the next page and to exports)."""
        pairs = [("actor", self.actor), ("kind", self.kind)]
        pairs += [("since", self.since.isoformat() if self.since else "")]
        pairs += [("until", self.until.isoformat() if self.until else "")]
        return [(k, v) for k, v in pairs if v]

    def applied(self, query: Select) -> Select:
        if self.actor:
            query = query.where(AuditEntry.actor == self.actor)
        if self.kind:
            family = AuditEntry.action.startswith(f"{self.kind}.", autoescape=True)
            query = query.where(or_(AuditEntry.action == self.kind, family))
        if self.since:
            query = query.where(AuditEntry.at >= _city_midnight(self.since))
        if self.until:
            query = query.where(AuditEntry.at < _city_midnight(self.until + timedelta(days=1)))
        return query


def _day(name: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}: a date as YYYY-MM-DD") from None


def find_entries(
    session: Session, wanted: AuditFilter, *, before_seq: int | None = None, limit: int = PAGE
) -> list[AuditRecord]:
    """Matching entries newest first, from just below ``before_seq`` (keyset pages)."""
    query = wanted.applied(select(AuditEntry))
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit))
    return [record_of(row) for row in rows]


def action_kinds(session: Session) -> list[str]:
    """Every action in the log and every family of them, for the kind filter."""
    actions = set(session.scalars(select(AuditEntry.action).distinct()))
    families = {action.split(".", 1)[0] for action in actions}
    return sorted(actions | families)


def exported(sessions: sessionmaker[Session], wanted: AuditFilter) -> Iterator[AuditRecord]:
    """Every matching entry oldest first, read in batches (each in a short session)."""
    after = 0
    while True:
        with sessions() as session:
            query = wanted.applied(select(AuditEntry)).where(AuditEntry.seq > after)
            batch = session.scalars(query.order_by(AuditEntry.seq).limit(EXPORT_BATCH))
            rows = [record_of(row) for row in batch]
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def as_json_line(record: AuditRecord) -> str:
    """One entry as a JSON line, every field as stored (``details`` stays its canonical text,
    so the line's fields re-hash to ``entry_hash``)."""
    return json.dumps({f: getattr(record, f) for f in EXPORT_FIELDS}, ensure_ascii=False) + "\n"


def csv_header() -> str:
    """The CSV export's header line."""
    return ",".join(EXPORT_FIELDS) + "\r\n"


def as_csv_line(record: AuditRecord) -> str:
    """One entry as a CSV line, every field as stored."""
    out = io.StringIO()
    csv.writer(out).writerow([getattr(record, f) for f in EXPORT_FIELDS])
    return out.getvalue()

"""Per-bank and per-operator rate limits and caps, and alarms on suspicious query patterns.

Counts come from the query log itself (``credit_queries``), so every server process sees the
same numbers. Limits depend only on the bank and operator, never on the enterprise asked about,
so hitting one reveals nothing about any enterprise. Alarms — a high share of denials, or one
operator asking about many enterprises — are recorded once an hour per subject and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, case, func, select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.db.models import CreditAlarm, CreditQuery
from lab.errors import RateLimited
from lab.settings import LabSettings

HOUR = timedelta(hours=1)
DENIAL_SHARE = "denial_share"
MANY_ENTERPRISES = "many_enterprises"


def _count(*conditions):
    return select(func.count()).where(*conditions).scalar_subquery()


_BANK = CreditQuery.bank_org_id == bindparam("bank_id")
_OPERATOR = CreditQuery.operator == bindparam("operator")
_MINUTE = CreditQuery.at > bindparam("minute_ago")
_DAY = CreditQuery.at >= bindparam("day_start")
_USAGE = select(
    _count(_BANK, _MINUTE),
    _count(_BANK, _DAY),
    _count(_BANK, _OPERATOR, _MINUTE),
    _count(_BANK, _OPERATOR, _DAY),
)
"""The four counts in one statement, each a range of the (bank, at) or (bank, operator, at)
index; built once, so a request pays only for its execution."""


def _window(bank_id: int, operator: str, at: datetime) -> dict:
    return {
        "bank_id": bank_id,
        "operator": operator,
        "minute_ago": at - timedelta(minutes=1),
        "day_start": at.replace(hour=0, minute=0, second=0, microsecond=0),
    }


def _limits(settings: LabSettings) -> tuple[tuple[str, int, str], ...]:
    """(key, limit, what) in the order of ``_USAGE``'s four counts."""
    return (
        ("bank_minute", settings.credit_bank_per_minute, "this bank's per-minute limit"),
        ("bank_day", settings.credit_bank_per_day, "this bank's daily cap"),
        (
            "operator_minute",
            settings.credit_operator_per_minute,
            "this operator's per-minute limit",
        ),
        ("operator_day", settings.credit_operator_per_day, "this operator's daily cap"),
    )


def check_limits(
    connection: Connection, settings: LabSettings, *, bank_id: int, operator: str, at: datetime
) -> None:
    """Refuse the request if the bank or the operator is over a per-minute or per-day limit.

    Run inside the request's write transaction, after it holds the bank's write turn, so
    concurrent requests count each other and a limit is never overshot.
    """
    counts = connection.execute(_USAGE, _window(bank_id, operator, at)).one()
    for used, (_key, limit, what) in zip(counts, _limits(settings), strict=True):
        if used >= limit:
            raise RateLimited(f"{what} of {limit} profile requests is reached; try again later")


@dataclass(frozen=True)
class LimitUse:
    """How much of one rate limit is used at a moment (``key``: bank_minute, bank_day,
    operator_minute or operator_day)."""

    key: str
    used: int
    limit: int


def limit_use(
    session: Session, settings: LabSettings, *, bank_id: int, operator: str, at: datetime
) -> tuple[LimitUse, ...]:
    """The four limits a bank's operator is held to and what is used of each at ``at``."""
    counts = session.execute(_USAGE, _window(bank_id, operator, at)).one()
    return tuple(
        LimitUse(key, int(used), limit)
        for used, (key, limit, _what) in zip(counts, _limits(settings), strict=True)
    )


@dataclass(frozen=True)
class Tripped:
    """An alarm condition the last hour's queries meet: its kind, subject and figures."""

    kind: str
    operator: str
    details: dict


def tripped_alarms(
    session: Session, settings: LabSettings, *, bank_id: int, operator: str, at: datetime
) -> list[Tripped]:
    """The alarm conditions the bank's and the operator's last hour of queries meet (reads only,
    so it needs no write turn)."""
    since = at - HOUR
    tripped = []
    denied = func.sum(case((CreditQuery.served.is_(False), 1), else_=0))
    total, denials = session.execute(
        select(func.count(), denied).where(
            CreditQuery.bank_org_id == bank_id, CreditQuery.at > since
        )
    ).one()
    share = (denials or 0) / total if total else 0.0
    if total >= settings.credit_alarm_min_requests and share >= settings.credit_alarm_denial_share:
        details = {"requests": int(total), "denied": int(denials), "share": round(share, 3)}
        tripped.append(Tripped(DENIAL_SHARE, "", details))
    distinct = session.scalar(
        select(func.count(func.distinct(CreditQuery.credit_code))).where(
            CreditQuery.bank_org_id == bank_id,
            CreditQuery.operator == operator,
            CreditQuery.at > since,
        )
    )
    if distinct and distinct >= settings.credit_alarm_distinct_enterprises:
        tripped.append(Tripped(MANY_ENTERPRISES, operator, {"distinct_enterprises": int(distinct)}))
    return tripped


def record_alarms(
    session: Session, audit: AuditLog, tripped: list[Tripped], *, bank_id: int, at: datetime
) -> list[str]:
    """Record and audit each tripped alarm not already recorded for its subject this hour."""
    raised: list[str] = []
    for alarm in tripped:
        raised += _record(session, audit, alarm.kind, bank_id, alarm.operator, alarm.details, at)
    return raised


def raise_alarms(
    session: Session,
    audit: AuditLog,
    settings: LabSettings,
    *,
    bank_id: int,
    operator: str,
    at: datetime,
) -> list[str]:
    """Record the alarms the last hour's queries trip (at most one per kind and subject/hour)."""
    tripped = tripped_alarms(session, settings, bank_id=bank_id, operator=operator, at=at)
    return record_alarms(session, audit, tripped, bank_id=bank_id, at=at)


def _record(
    session: Session,
    audit: AuditLog,
    kind: str,
    bank_id: int,
    operator: str,
    details: dict,
    at: datetime,
) -> list[str]:
    recent = session.scalar(
        select(CreditAlarm.id)
        .where(
            CreditAlarm.kind == kind,
            CreditAlarm.bank_org_id == bank_id,
            CreditAlarm.operator == operator,
            CreditAlarm.at > at - HOUR,
        )
        .limit(1)
    )
    if recent is not None:
        return []
    session.add(
        CreditAlarm(at=at, kind=kind, bank_org_id=bank_id, operator=operator, details=details)
    )
    audit.append_in(
        session,
        actor="credit-monitor",
        action="credit.alarm",
        target=f"bank:{bank_id}",
        details={"kind": kind, "operator": operator, **details},
    )
    return [kind]


def recent_alarms(session: Session, limit: int = 100) -> list[CreditAlarm]:
    """The newest alarms, at most ``limit``."""
    query = select(CreditAlarm).order_by(CreditAlarm.at.desc()).limit(limit)
    return list(session.scalars(query))

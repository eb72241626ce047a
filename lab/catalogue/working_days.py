"""The 5-working-day answer clock of applications and corrections (DESIGN §7).

Working days are Monday to Friday; public holidays are not modelled (a calendar of the city's
holidays and make-up working days would plug in here). Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

ANSWER_WORKING_DAYS = 5


def as_utc(moment: datetime) -> datetime:
    """``moment`` with its UTC zone (SQLite returns naive datetimes; every stored time is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_working_day(moment: datetime) -> bool:
    return moment.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (23:59:59) of the ``days``-th working day after ``start``'s day."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day.date(), time(23, 59, 59), tzinfo=start.tzinfo)


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day (0 if end ≤ start)."""
    count, day = 0, start
    while day.date() < end.date():
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


@dataclass(frozen=True)
class AnswerClock:
    """Where an answer stands against its deadline."""

    due_at: datetime
    working_days_left: int
    overdue: bool
    stopped: bool

    @classmethod
    def of(cls, due_at: datetime, now: datetime, *, stopped: bool = False) -> AnswerClock:
        """The clock of something due at ``due_at``; ``stopped`` once it has been answered."""
        due_at = as_utc(due_at)
        overdue = not stopped and now > due_at
        left = 0 if overdue or stopped else working_days_between(now, due_at)
        return cls(due_at, left, overdue, stopped)

"""The 5-working-day answer clock of applications and corrections (DESIGN §7).

Working days are counted in the city's time (Asia/Shanghai): Monday to Friday, except public
holidays, plus the weekend days declared make-up working days (调休上班). The holidays come from
``work_calendar.toml`` beside this module, one table per year as the State Council's yearly
notice gives them; a year not listed there skips only weekends and the fixed-date statutory
holidays. Deadlines end at 23:59:59 city time and are stored in UTC.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from lab.clock import CITY_ZONE, as_utc, city_day

ANSWER_WORKING_DAYS = 5
CALENDAR_FILE = Path(__file__).with_name("work_calendar.toml")
# 《全国年节及纪念日放假办法》: the statutory holidays with a fixed solar date.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: the listed years exactly, other years by the fixed rules."""

    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    @classmethod
    def from_toml(cls, text: str) -> WorkCalendar:
        years: set[int] = set()
        holidays: set[date] = set()
        workdays: set[date] = set()
        for year, listed in tomllib.loads(text).get("years", {}).items():
            years.add(int(year))
            for kind, into in (("holidays", holidays), ("workdays", workdays)):
                for raw in listed.get(kind, []):
                    day = date.fromisoformat(raw)
                    if day.year != int(year):
                        raise ValueError(f"work calendar: {raw} listed under {year}")
                    into.add(day)
        return cls(frozenset(years), frozenset(holidays), frozenset(workdays))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year not in self.years and (day.month, day.day) in FIXED_HOLIDAYS:
            return False
        return day.weekday() < 5


@lru_cache(maxsize=1)
def city_calendar() -> WorkCalendar:
    """The calendar shipped with the lab (``work_calendar.toml``)."""
    return WorkCalendar.from_toml(CALENDAR_FILE.read_text(encoding="utf-8"))


def add_working_days(start: datetime, days: int, calendar: WorkCalendar | None = None) -> datetime:
    """The end (23:59:59 city time, in UTC) of the ``days``-th working day after ``start``'s day."""
    calendar = calendar or city_calendar()
    day, counted = city_day(start), 0
    while counted < days:
        day += timedelta(days=1)
        counted += calendar.is_working_day(day)
    return datetime.combine(day, time(23, 59, 59), tzinfo=CITY_ZONE).astimezone(UTC)


def working_days_between(
    start: datetime, end: datetime, calendar: WorkCalendar | None = None
) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day (0 if end ≤ start)."""
    calendar = calendar or city_calendar()
    day, last, count = city_day(start), city_day(end), 0
    while day < last:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
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

"""The 5-working-day answer clock: city time, weekends, holidays and make-up working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lab.catalogue.portal_workflow.working_days import (
    AnswerClock,
    WorkCalendar,
    add_working_days,
    city_calendar,
    working_days_between,
)
from lab.clock import CITY_ZONE

FRIDAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Qingdao
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _city(moment: datetime) -> datetime:
    return moment.astimezone(CITY_ZONE)


def test_five_working_days_from_a_friday_end_the_next_friday_at_midnight_city_time() -> None:
    """Friday + 5 working days skips the weekend: the next Friday, 23:59:59 in Qingdao."""
    due = add_working_days(FRIDAY, 5)
    assert due == datetime(2026, 11, 27, 23, 59, 59, tzinfo=CITY_ZONE)
    assert due.tzinfo == UTC


def test_from_a_monday_the_clock_ends_on_monday_a_week_later() -> None:
    """Monday + 5 working days is the next Monday."""
    assert _city(add_working_days(MONDAY, 5)).date() == date(2026, 11, 30)


def test_the_day_is_the_citys_not_utcs() -> None:
    """17:00 UTC on a Thursday is already Friday in Qingdao: the clock counts from Friday."""
    thursday_evening_utc = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    assert _city(add_working_days(thursday_evening_utc, 5)).date() == date(2026, 11, 27)


def test_national_day_holidays_are_skipped_and_the_make_up_saturday_counts() -> None:
    """From 30 Sep 2026: 1–7 Oct are holidays, Sat 10 Oct is a working day → due Tue 13 Oct."""
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    assert _city(add_working_days(start, 5)).date() == date(2026, 10, 13)
    assert working_days_between(start, add_working_days(start, 5)) == 5


def test_a_make_up_sunday_counts_as_a_working_day() -> None:
    """From Fri 18 Sep 2026: Sun 20 Sep is a make-up working day → due Thu 24 Sep."""
    start = datetime(2026, 9, 18, 2, 0, tzinfo=UTC)
    assert _city(add_working_days(start, 5)).date() == date(2026, 9, 24)


def test_an_unlisted_year_still_skips_the_fixed_statutory_holidays() -> None:
    """2027 is not listed yet: 1 January is still no working day → from Wed 30 Dec, Thu 7 Jan."""
    assert 2027 not in city_calendar().years
    start = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)
    assert _city(add_working_days(start, 5)).date() == date(2027, 1, 7)


def test_every_listed_holiday_and_workday_of_the_shipped_calendar_is_honoured() -> None:
    """Each listed holiday is no working day and each make-up day (a weekend day) is one."""
    calendar = city_calendar()
    assert len(calendar.holidays) == 33 and len(calendar.workdays) == 6
    assert not any(calendar.is_working_day(day) for day in calendar.holidays)
    assert all(day.weekday() >= 5 and calendar.is_working_day(day) for day in calendar.workdays)


def test_a_day_listed_under_the_wrong_year_is_refused() -> None:
    with pytest.raises(ValueError, match="2026-05-01 listed under 2027"):
        WorkCalendar.from_toml('[years.2027]\nholidays = ["2026-05-01"]\n')


def test_days_left_count_only_working_days() -> None:
    """From Friday to the next Friday there are 5 working days left; after it, overdue."""
    due = add_working_days(FRIDAY, 5)
    assert working_days_between(FRIDAY, due) == 5
    assert AnswerClock.of(due, FRIDAY).working_days_left == 5
    late = AnswerClock.of(due, due + timedelta(seconds=1))
    assert late.overdue and late.working_days_left == 0
    assert not AnswerClock.of(due, due + timedelta(days=3), stopped=True).overdue

"""The 5-working-day answer clock skips weekends and says when it is overdue."""

from __future__ import annotations

from datetime import UTC, datetime

from lab.catalogue.working_days import AnswerClock, add_working_days, working_days_between

FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_five_working_days_from_a_friday_end_the_next_friday() -> None:
    """Friday + 5 working days skips Saturday and Sunday: the following Friday, end of day."""
    due = add_working_days(FRIDAY, 5)
    assert due == datetime(2026, 11, 27, 23, 59, 59, tzinfo=UTC)


def test_from_a_monday_the_clock_ends_on_monday_a_week_later() -> None:
    """Monday + 5 working days is the next Monday."""
    assert add_working_days(MONDAY, 5).date().isoformat() == "2026-11-30"


def test_days_left_count_only_working_days() -> None:
    """From Friday to the next Friday there are 5 working days left; after it, overdue."""
    due = add_working_days(FRIDAY, 5)
    assert working_days_between(FRIDAY, due) == 5
    assert AnswerClock.of(due, FRIDAY).working_days_left == 5
    late = AnswerClock.of(due, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert late.overdue and late.working_days_left == 0
    assert not AnswerClock.of(due, late.due_at.replace(day=30), stopped=True).overdue

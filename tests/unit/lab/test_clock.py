"""The lab's clock: aware UTC now, the city's day, and one place that stops time for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lab import clock
from lab.clock import now


def test_now_is_aware_utc_and_current() -> None:
    """``now`` carries UTC and is the system's time (to a generous second)."""
    moment = now()
    assert moment.utcoffset() == timedelta(0)
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(clock.timestamp() - moment.timestamp()) < 5


def test_frozen_time_reaches_modules_that_imported_now() -> None:
    """A name imported with ``from lab.clock import now`` sees the frozen time, then time runs."""
    at = datetime(2026, 2, 16, 23, 30, tzinfo=timezone(timedelta(hours=8)))
    with clock.frozen(at):
        assert now() == at and now().tzinfo is UTC
        assert clock.timestamp() == at.timestamp()
    assert now() != at


def test_frozen_refuses_a_naive_time() -> None:
    """A naive time would be a guess about its zone."""
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 1, 1)):
        pass


def test_city_day_is_shanghai_and_naive_times_are_utc() -> None:
    """16:30 UTC is the next day in the city; a naive stored time is read as UTC."""
    late = datetime(2026, 3, 1, 16, 30)
    assert clock.as_utc(late) == late.replace(tzinfo=UTC)
    assert clock.city_day(late) == date(2026, 3, 2)
    assert clock.city_day(late.replace(hour=15, minute=59)) == date(2026, 3, 1)

"""The lab's one clock: the current time (aware, in UTC) and the city's zone for showing it.

Every wall-clock reading in ``lab``, ``opendata`` and ``sandbox`` goes through ``now`` (or
``timestamp`` where an expiry is counted in epoch seconds), so a test stops time in one place
(``frozen``) and no module mixes naive and aware times. Stored times are UTC; pages and working
days use ``CITY_ZONE`` (Asia/Shanghai, UTC+8, no daylight saving). Durations are measured with
``time.monotonic``, which is not a date and does not come from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CITY_ZONE = ZoneInfo("Asia/Shanghai")


def _system_time() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_time


def now() -> datetime:
    """The current time, in UTC."""
    return _source()


def timestamp() -> float:
    """The current time as POSIX seconds (for expiries written as numbers)."""
    return now().timestamp()


def as_utc(moment: datetime) -> datetime:
    """``moment`` with its UTC zone (SQLite returns naive datetimes; every stored time is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def city_day(moment: datetime) -> date:
    """The date in the city at ``moment``."""
    return as_utc(moment).astimezone(CITY_ZONE).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Within the block, ``now`` is ``at`` (aware; tests only — the clock is process-wide)."""
    global _source
    if at.tzinfo is None:
        raise ValueError("a frozen time must carry its zone")
    previous, _source = _source, lambda: at.astimezone(UTC)
    try:
        yield
    finally:
        _source = previous

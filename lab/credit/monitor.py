"""When the alarm checks run: at most once per interval per bank operator, never skipped for good.

Checking the last hour of an operator's queries after every request would cost more than the
request itself. So each server process checks one (bank, operator) at most once per
``credit_alarm_check_seconds``: the first request after a quiet interval checks at once; a
request inside the interval leaves one check due at the interval's end (a timer per pair), so the
last requests of a burst are checked too, at most one interval late. The checks read the query
log in the database, so what they find does not depend on which process runs them.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable

from sqlalchemy import Engine

log = logging.getLogger(__name__)
Check = Callable[[], object]


class AlarmSchedule:
    """The last check time and the pending timer of each (bank, operator) in this process."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, str], float] = {}
        self._pending: dict[tuple[int, str], threading.Timer] = {}
        self._lock = threading.Lock()

    def after_request(self, key: tuple[int, str], interval: float, check: Check) -> bool:
        """Run ``check`` now if the pair's interval is over, else make sure one is due; True if
        it ran now."""
        with self._lock:
            moment = time.monotonic()
            last = self._last.get(key)
            due_now = interval <= 0 or last is None or moment - last >= interval
            if due_now:
                self._last[key] = moment
            elif key not in self._pending and last is not None:
                timer = threading.Timer(last + interval - moment, self._deferred, (key, check))
                timer.daemon = True
                self._pending[key] = timer
                timer.start()
        if due_now:
            check()
        return due_now

    def _deferred(self, key: tuple[int, str], check: Check) -> None:
        with self._lock:
            self._pending.pop(key, None)
            self._last[key] = time.monotonic()
        try:
            check()
        except Exception:  # a timer thread has no caller to tell; the next request checks again
            log.exception("deferred credit alarm check failed for bank %s", key[0])
            with self._lock:
                self._last.pop(key, None)


_schedules: weakref.WeakKeyDictionary[Engine, AlarmSchedule] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def schedule_for(engine: Engine) -> AlarmSchedule:
    """The schedule of one database (one per engine, so separate labs never share one)."""
    with _guard:
        if engine not in _schedules:
            _schedules[engine] = AlarmSchedule()
        return _schedules[engine]

"""Refused sign-ins, counted per time window and audited as one chain entry per window.

One audit entry per failed password would let anyone grow the hash chain (and serialise every
writer on its head) as fast as they can post a form. Instead refusals and throttled attempts are
counted in memory; when the first event of a new window arrives (or the app stops) the finished
window becomes one ``login.refused`` entry with its totals and the busiest usernames and
addresses. At most ``TOP`` names and addresses are kept per window, so memory stays bounded
whatever names an attacker invents; the rest are counted as ``others``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lab.audit import AuditLog
from lab.clock import timestamp

TOP = 50


@dataclass
class _Window:
    start: float
    refused: int = 0
    throttled: int = 0
    usernames: Counter[str] = field(default_factory=Counter)
    addresses: Counter[str] = field(default_factory=Counter)

    def count(self, counter: Counter[str], key: str) -> None:
        if key in counter or len(counter) < TOP:
            counter[key] += 1
        else:
            counter["(others)"] += 1

    def summary(self, end: float) -> dict[str, Any]:
        return {
            "from": _iso(self.start),
            "to": _iso(end),
            "refused": self.refused,
            "throttled": self.throttled,
            "usernames": dict(self.usernames.most_common()),
            "addresses": dict(self.addresses.most_common()),
        }


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


class RefusalTally:
    """Counts refused and throttled sign-ins; writes one audit entry per finished window."""

    def __init__(
        self,
        audit: AuditLog,
        *,
        window_seconds: float,
        target: str = "web",
        clock: Callable[[], float] = timestamp,
    ) -> None:
        self._audit, self._window_seconds, self._target = audit, window_seconds, target
        self._clock = clock
        self._window: _Window | None = None
        self._lock = threading.Lock()

    def refused(self, address: str, username: str) -> None:
        """A wrong password (or unknown user). Call with no database connection held."""
        self._record(address, username, throttled=False)

    def throttled(self, address: str, username: str) -> None:
        """An attempt refused by the throttle before any password work."""
        self._record(address, username, throttled=True)

    def flush(self) -> None:
        """Audit the current window now (at shutdown), if it counted anything."""
        with self._lock:
            finished, self._window = self._window, None
        self._write(finished)

    def _record(self, address: str, username: str, *, throttled: bool) -> None:
        now = self._clock()
        with self._lock:
            finished = None
            if self._window and now - self._window.start >= self._window_seconds:
                finished, self._window = self._window, None
            window = self._window = self._window or _Window(now)
            window.throttled += throttled
            window.refused += not throttled
            window.count(window.usernames, username[:64])
            window.count(window.addresses, address)
        self._write(finished)

    def _write(self, window: _Window | None) -> None:
        if window is None:
            return
        self._audit.append(
            actor="sign-in-monitor",
            action="login.refused",
            target=self._target,
            details=window.summary(self._clock()),
        )

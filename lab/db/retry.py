"""Running a write again when it lost a race to another writer, and only then.

Two writers may reach for the same thing at once (the audit chain's next ``seq``, a query-window
claim). The loser sees the database's unique-key error (``IntegrityError``) or a lock or
serialization error (``OperationalError``: SQLite's "database is locked", PostgreSQL's
serialization failure). Its whole transaction is run again after a short pause that grows with
each attempt; any other error goes straight to the caller, and after the last attempt the lab
gives up with an internal error (losing that often is a bug or an overload, never bad input).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

from lab.errors import InternalError

RETRYABLE = (IntegrityError, OperationalError)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try and how long to pause: ``step`` more seconds per attempt, at most
    ``cap``; with ``jitter`` a pause is drawn between zero and that (writers spread out)."""

    attempts: int
    step: float
    cap: float = 0.05
    jitter: bool = False

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.step < 0 or self.cap < 0:
            raise ValueError("a retry policy needs at least one attempt and no negative pause")

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (from 0)."""
        longest = min(self.step * (attempt + 1), self.cap)
        return random.uniform(0, longest) if self.jitter else longest  # noqa: S311 (jitter)


def retry_write(
    work: Callable[[], T],
    policy: RetryPolicy,
    *,
    gave_up: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``work()``'s result, run again while it loses a write race; InternalError(``gave_up``)
    once ``policy.attempts`` attempts have all lost."""
    for attempt in range(policy.attempts):
        try:
            return work()
        except RETRYABLE:
            if attempt + 1 < policy.attempts:
                sleep(policy.pause(attempt))
    raise InternalError(gave_up)

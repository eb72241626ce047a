"""Rate limits for the portal's machine APIs: a token bucket per client, higher with a key.

Anonymous callers are told apart by their address, keyed callers by the user behind their lab
API token; each gets a bucket that holds a minute's allowance and refills continuously. A
refused request learns how many seconds until one more request fits (``Retry-After``).

The buckets live in the serving process: with several worker processes each enforces its own
share, which bounds the total at workers × limit. Buckets that are full again are forgotten,
so memory follows the number of recently active clients, not all clients ever seen.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lab.errors import LabError

WINDOW_SECONDS = 60.0
_PRUNE_AT = 10_000


class RateLimited(LabError):
    """Too many requests; ``retry_after`` says how many seconds to wait."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(
            f"rate limit of {limit} requests per minute reached; retry in {retry_after} s "
            "(send an API key in the Authorization header for a higher limit)"
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Caller:
    """Who a bucket belongs to: an address (anonymous) or a user id (keyed)."""

    identity: str
    keyed: bool


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets of ``anonymous`` / ``keyed`` requests per minute, thread-safe."""

    def __init__(
        self, *, anonymous: int, keyed: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.anonymous, self.keyed, self._clock = anonymous, keyed, clock
        self._buckets: dict[Caller, _Bucket] = {}
        self._lock = threading.Lock()

    def limit_of(self, caller: Caller) -> int:
        return self.keyed if caller.keyed else self.anonymous

    def take(self, caller: Caller) -> None:
        """Spend one request of ``caller``'s allowance, or raise RateLimited."""
        limit = self.limit_of(caller)
        rate = limit / WINDOW_SECONDS
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(caller) or _Bucket(float(limit), now)
            bucket.tokens = min(float(limit), bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens < 1.0:
                self._buckets[caller] = bucket
                raise RateLimited(max(1, math.ceil((1.0 - bucket.tokens) / rate)), limit)
            bucket.tokens -= 1.0
            self._buckets[caller] = bucket
            if len(self._buckets) > _PRUNE_AT:
                self._prune(now)

    def _prune(self, now: float) -> None:
        for caller, bucket in list(self._buckets.items()):
            rate = self.limit_of(caller) / WINDOW_SECONDS
            if bucket.tokens + (now - bucket.stamp) * rate >= self.limit_of(caller):
                del self._buckets[caller]

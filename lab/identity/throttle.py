"""Slowing password guessing without letting a guesser lock the real user out.

Every sign-in attempt spends one token from two buckets, checked before any password work:

* the client **address** (all usernames): caps how fast one machine may guess at all;
* the **(address, username) pair**: caps guesses at one account from one machine, and is
  refilled at once when that pair signs in correctly (a user's own typos are forgiven).

Failures on a **username**, from every address together, never refuse anything: past a
threshold they only *delay* each attempt on that name by a fixed, bounded number of seconds.
So an attacker spraying one account from many addresses slows every guess (their own included)
but the real user, from an address with tokens left, still gets in after at most that delay.

Buckets hold a window's allowance and refill continuously; buckets that are full again are
forgotten, so memory follows recent clients only. State lives in the serving process.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lab.errors import RateLimited


class SignInThrottled(RateLimited):
    """Too many sign-in attempts from this address (or at this account from it)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; retry in {retry_after} s")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class SignInLimits:
    """Allowances per ``window_seconds``; ``username_delay`` applies past ``username_failures``."""

    window_seconds: float
    per_address: int
    per_account: int
    username_failures: int
    username_delay: float


@dataclass
class _Level:
    """A leaky counter: ``used`` tokens of ``capacity`` spent, draining at ``capacity/window``."""

    used: float
    stamp: float


class _Buckets:
    """Leaky counters by key, each of the same capacity; not thread-safe (the caller locks)."""

    _PRUNE_AT = 10_000

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity, self.rate = capacity, capacity / window
        self._levels: dict[object, _Level] = {}

    def level(self, key: object, now: float) -> _Level:
        level = self._levels.get(key) or _Level(0.0, now)
        level.used = max(0.0, level.used - (now - level.stamp) * self.rate)
        level.stamp = now
        self._levels[key] = level
        if len(self._levels) > self._PRUNE_AT:
            self._prune(now)
        return level

    def seconds_until_free(self, key: object, now: float) -> int:
        excess = self.level(key, now).used + 1.0 - self.capacity
        return max(1, math.ceil(excess / self.rate))

    def full(self, key: object, now: float) -> bool:
        return self.level(key, now).used + 1.0 > self.capacity

    def forget(self, key: object) -> None:
        self._levels.pop(key, None)

    def _prune(self, now: float) -> None:
        for key, level in list(self._levels.items()):
            if level.used - (now - level.stamp) * self.rate <= 0:
                del self._levels[key]


class SignInThrottle:
    """Admits sign-in attempts by address and account; thread-safe."""

    def __init__(self, limits: SignInLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self._clock = limits, clock
        self._addresses = _Buckets(limits.per_address, limits.window_seconds)
        self._accounts = _Buckets(limits.per_account, limits.window_seconds)
        self._failures = _Buckets(limits.username_failures, limits.window_seconds)
        self._lock = threading.Lock()

    def admit(self, address: str, username: str) -> float:
        """Spend one attempt; the seconds to wait before checking the password.

        Raises SignInThrottled (with Retry-After) when the address or the pair is used up.
        """
        pair = (address, username)
        with self._lock:
            now = self._clock()
            for buckets, key in ((self._addresses, address), (self._accounts, pair)):
                if buckets.full(key, now):
                    raise SignInThrottled(buckets.seconds_until_free(key, now))
            self._addresses.level(address, now).used += 1.0
            self._accounts.level(pair, now).used += 1.0
            slowed = self._failures.full(username, now)
        return self.limits.username_delay if slowed else 0.0

    def succeeded(self, address: str, username: str) -> None:
        """A correct password: the pair's earlier failures are forgiven."""
        with self._lock:
            self._accounts.forget((address, username))

    def failed(self, username: str) -> None:
        """A wrong password: counts towards slowing every attempt on ``username``."""
        with self._lock:
            level = self._failures.level(username, self._clock())
            level.used = min(level.used + 1.0, float(self.limits.username_failures))

"""Token buckets: the allowance per minute, refilling over time, higher for keyed callers."""

from __future__ import annotations

import pytest

from opendata.portal.ratelimit import Caller, RateLimited, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allowance_then_refusal_with_retry_after() -> None:
    """Six requests a minute: the seventh is refused and told to wait ten seconds."""
    clock = Clock()
    limiter = RateLimiter(anonymous=6, keyed=60, clock=clock)
    caller = Caller("address:10.0.0.1", keyed=False)
    for _ in range(6):
        limiter.take(caller)
    with pytest.raises(RateLimited) as refused:
        limiter.take(caller)
    assert refused.value.retry_after == 10 and refused.value.http_status == 429
    assert refused.value.headers == {"Retry-After": "10"}
    clock.now += 10
    limiter.take(caller)


def test_keyed_callers_get_more_and_buckets_are_separate() -> None:
    """A keyed caller gets its own, larger bucket; one client's use never spends another's."""
    limiter = RateLimiter(anonymous=2, keyed=5, clock=Clock())
    keyed, other = Caller("user:1", keyed=True), Caller("address:10.0.0.2", keyed=False)
    for _ in range(5):
        limiter.take(keyed)
    with pytest.raises(RateLimited):
        limiter.take(keyed)
    limiter.take(other)
    limiter.take(other)
    with pytest.raises(RateLimited):
        limiter.take(other)

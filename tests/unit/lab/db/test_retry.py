"""The one write-retry helper: it runs again on a lost write race only, and gives up after N."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from lab.db.retry import RetryPolicy, retry_write
from lab.errors import InternalError, InvalidInput

LOCKED = OperationalError("INSERT …", {}, Exception("database is locked"))
CLASH = IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed: audit_log.seq"))


class Flaky:
    """Fails with each of ``errors`` in turn, then answers ``done``; counts its calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def test_lost_races_are_run_again_until_one_wins() -> None:
    """A unique-key clash and a lock error are retried; the winning attempt's result returns."""
    work, pauses = Flaky(CLASH, LOCKED, CLASH), []
    result = retry_write(work, RetryPolicy(attempts=5, step=0.01), gave_up="x", sleep=pauses.append)
    assert (result, work.calls) == ("done", 4)
    assert pauses == [0.01, 0.02, 0.03]


@pytest.mark.parametrize(
    "error",
    [
        ProgrammingError("SELECT …", {}, Exception("no such table")),
        InvalidInput("bad input"),
        ValueError("a bug"),
    ],
)
def test_other_errors_are_not_retried(error: Exception) -> None:
    """Anything but a lost race reaches the caller at once, after a single attempt."""
    work, pauses = Flaky(error), []
    with pytest.raises(type(error)):
        retry_write(work, RetryPolicy(attempts=5, step=0.01), gave_up="x", sleep=pauses.append)
    assert (work.calls, pauses) == (1, [])


def test_gives_up_after_the_last_attempt() -> None:
    """After ``attempts`` lost races the caller gets an internal error saying what gave up."""
    work, pauses = Flaky(*[LOCKED] * 10), []
    with pytest.raises(InternalError, match="kept losing"):
        retry_write(
            work, RetryPolicy(attempts=3, step=0.01), gave_up="kept losing", sleep=pauses.append
        )
    assert work.calls == 3 and len(pauses) == 2


def test_pauses_grow_to_the_cap_and_jitter_stays_below_it() -> None:
    """A pause grows by ``step`` to ``cap``; a jittered pause lies between zero and that."""
    steady = RetryPolicy(attempts=100, step=0.002, cap=0.05)
    assert [steady.pause(a) for a in (0, 1, 24, 99)] == [0.002, 0.004, 0.05, 0.05]
    jittered = RetryPolicy(attempts=100, step=0.002, cap=0.05, jitter=True)
    draws = [jittered.pause(4) for _ in range(500)]
    assert all(0 <= d <= 0.01 for d in draws) and len(set(draws)) > 1


def test_a_policy_needs_an_attempt() -> None:
    """Zero attempts would never run the write at all."""
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0, step=0.01)

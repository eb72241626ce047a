"""One pooled connection per request at a time: a guard that notices a request taking a second.

A request that holds a pooled connection while it waits for another can starve the pool: enough
of them at once each hold one and wait for one, and nobody gets any (the red team froze the lab
with 20 concurrent failed logins that way). The rule is that no request path does it; this guard
checks the rule at run time. Each request carries a holder in a context variable (thread-pool
hops copy the context, so they share it); every checkout from the pool counts against the
holder, and taking one while already holding one is logged as an error and remembered, so
tests can assert that no route ever does it.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine, event

log = logging.getLogger("lab.db")
_KEEP = 100


@dataclass
class _Holder:
    """The connections one request holds right now."""

    request: str
    held: int = 0


_current: ContextVar[_Holder | None] = ContextVar("held_connections", default=None)
_guards: weakref.WeakKeyDictionary[Engine, ConnectionGuard] = weakref.WeakKeyDictionary()
_guards_lock = threading.Lock()


class ConnectionGuard:
    """Watches one engine's pool for requests that take a second connection while holding one."""

    def __init__(self, engine: Engine) -> None:
        self.nested: list[str] = []
        event.listen(engine, "checkout", self._checked_out)
        event.listen(engine, "checkin", self._checked_in)

    @classmethod
    def of(cls, engine: Engine) -> ConnectionGuard:
        """The engine's one guard (made on first use)."""
        with _guards_lock:
            if engine not in _guards:
                _guards[engine] = cls(engine)
            return _guards[engine]

    @staticmethod
    @contextmanager
    def request(name: str) -> Iterator[None]:
        """Count the connections taken inside this block (one request) as one holder's."""
        token = _current.set(_Holder(name))
        try:
            yield
        finally:
            _current.reset(token)

    def _checked_out(self, _dbapi: object, record, _proxy: object) -> None:
        holder = _current.get()
        if holder is None:
            return
        if holder.held:
            log.error("%s took a second pooled connection while holding one", holder.request)
            if len(self.nested) < _KEEP:
                self.nested.append(holder.request)
        holder.held += 1
        record.info["lab_holder"] = holder

    def _checked_in(self, _dbapi: object, record) -> None:
        holder = record.info.pop("lab_holder", None)
        if holder is not None:
            holder.held -= 1


def nested_requests() -> list[str]:
    """Every request any guard saw taking a second connection (for tests)."""
    with _guards_lock:
        return [name for guard in _guards.values() for name in guard.nested]

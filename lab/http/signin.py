"""Password sign-in for every form and endpoint: throttled, audited per window, never blocking.

``password_sign_in`` is the one path ``POST /auth/login``, ``/steward/login``,
``/enterprise/login`` and the portal's ``/account/login`` share. It is ``async`` and holds no
request thread and no database connection while it waits:

1. the guard (``lab.identity.signin_guard``) admits or refuses the attempt in memory, before
   any password work (refusal: 429 with ``Retry-After``); a much-failed username waits a bounded
   delay;
2. the stored hash is read in a short transaction of its own (one pooled connection, released);
3. argon2 runs in threads of its own, at most ``signin_hashing_threads`` at once, so guessing
   never takes the request threads that ``/healthz`` or the gateway need; at most
   ``signin_queue`` checks wait for them (more: 429), so a flood from many addresses cannot
   grow an unbounded queue;
4. a correct password mints the session in a second short transaction.

Refusals are counted per window (``lab.identity.refusals``), not written one audit entry each.
The steps that touch the database are in ``lab.identity.signin``; the cookie itself is set
and cleared by ``lab.http.browser_session``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from lab.errors import NotAuthenticated, RateLimited
from lab.identity import password_accepted
from lab.identity.authentication import WRONG_PASSWORD
from lab.identity.signin import open_session, read_stored_password
from lab.identity.signin_guard import SignInGuard
from lab.identity.throttle import SignInThrottled
from lab.identity.tokens import MintedToken
from lab.services import LabServices

QUEUE_RETRY_SECONDS = 5


@dataclass
class SignInGate:
    """One app's sign-in guard, password-hashing threads, and the checks now pending.

    ``pending`` is only touched on the event loop, so it needs no lock.
    """

    guard: SignInGuard
    hashing: anyio.CapacityLimiter
    queue: int
    pending: int = 0

    @classmethod
    def for_services(cls, services: LabServices) -> SignInGate:
        settings = services.settings
        guard = SignInGuard.from_settings(settings, services.audit, target="web")
        hashing = anyio.CapacityLimiter(settings.signin_hashing_threads)
        return cls(guard, hashing, settings.signin_queue)

    @asynccontextmanager
    async def checking(self) -> AsyncIterator[None]:
        """A place among the pending password checks, or SignInThrottled when none is left."""
        if self.pending >= self.queue:
            raise SignInThrottled(QUEUE_RETRY_SECONDS)  # many addresses at once: bound the queue
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1


def client_address(request: Request) -> str:
    """The caller's address, which sign-in throttling counts failures under."""
    return request.client.host if request.client else "unknown"


async def password_sign_in(
    request: Request, services: LabServices, username: str, password: str
) -> MintedToken:
    """A new browser session for a correct password; SignInThrottled or NotAuthenticated else."""
    gate: SignInGate = request.app.state.sign_in_gate
    address = client_address(request)
    await anyio.sleep(await run_in_threadpool(gate.guard.admit, address, username))
    async with gate.checking():
        stored = await run_in_threadpool(read_stored_password, services.sessions, username)
        accepted = await anyio.to_thread.run_sync(
            password_accepted, stored, password, limiter=gate.hashing
        )
    await run_in_threadpool(gate.guard.settle, address, username, accepted=accepted)
    if not accepted:
        raise NotAuthenticated(WRONG_PASSWORD)
    lifetime = timedelta(hours=services.settings.session_hours)
    return await run_in_threadpool(
        open_session, services.sessions, services.audit, stored, lifetime
    )


def page_refusal(refusal: SignInThrottled) -> RateLimited:
    """The error a sign-in page shows (with status 429) when the throttle refused the attempt."""
    return RateLimited(f"登录尝试过多，请 {refusal.retry_after} 秒后再试 / too many attempts.")

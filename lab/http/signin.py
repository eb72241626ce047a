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
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

import anyio
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from lab.http.deps import SESSION_COOKIE
from lab.db import transaction
from lab.errors import NotAuthenticated, RateLimited
from lab.identity import StoredPassword, open_web_session, password_accepted, stored_password
from lab.identity.authentication import WRONG_PASSWORD, revoke_presented_token
from lab.identity.signin_guard import SignInGuard
from lab.identity.throttle import SignInThrottled
from lab.identity.tokens import MintedToken
from lab.services import LabServices
from lab.settings import LabSettings

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
    return request.client.host if request.client else "unknown"


async def password_sign_in(
    request: Request, services: LabServices, username: str, password: str
) -> MintedToken:
    """A new browser session for a correct password; SignInThrottled or NotAuthenticated else."""
    gate: SignInGate = request.app.state.sign_in_gate
    address = client_address(request)
    await anyio.sleep(await run_in_threadpool(gate.guard.admit, address, username))
    async with gate.checking():
        stored = await run_in_threadpool(_read_stored_password, services, username)
        accepted = await anyio.to_thread.run_sync(
            password_accepted, stored, password, limiter=gate.hashing
        )
    await run_in_threadpool(gate.guard.settle, address, username, accepted=accepted)
    if not accepted:
        raise NotAuthenticated(WRONG_PASSWORD)
    lifetime = timedelta(hours=services.settings.session_hours)
    return await run_in_threadpool(_open_session, services, stored, lifetime)


def _read_stored_password(services: LabServices, username: str) -> StoredPassword:
    with services.sessions() as session:
        return stored_password(session, username)


def _open_session(
    services: LabServices, stored: StoredPassword, lifetime: timedelta
) -> MintedToken:
    with transaction(services.sessions) as session:
        return open_web_session(session, services.audit, stored=stored, lifetime=lifetime)


def page_refusal(refusal: SignInThrottled) -> RateLimited:
    """The error a sign-in page shows (with status 429) when the throttle refused the attempt."""
    return RateLimited(f"登录尝试过多，请 {refusal.retry_after} 秒后再试 / too many attempts.")


def set_session_cookie(response: Response, settings: LabSettings, minted: MintedToken) -> None:
    """The HttpOnly, SameSite=Lax session cookie (``Secure`` behind HTTPS)."""
    response.set_cookie(
        SESSION_COOKIE,
        minted.plain,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def end_session(services: LabServices, response: Response, presented: str | None) -> None:
    """Revoke the token presented — the whole token, checked — and clear the cookie."""
    if presented:
        with suppress(NotAuthenticated), transaction(services.sessions) as session:
            revoke_presented_token(session, services.audit, plain=presented)
    response.delete_cookie(SESSION_COOKIE, path="/")

"""What the portal's API routes share: who is calling, and the rate limit it is held to."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lab.db import transaction
from lab.http.deps import ServicesDep, presented_credential
from lab.identity import authenticate_token
from opendata.portal.ratelimit import Caller, RateLimiter

_CREATE = threading.Lock()


def rate_limiter(request: Request) -> RateLimiter:
    """The app's one limiter, made on first use from the lab's settings."""
    state = request.app.state
    with _CREATE:
        if not hasattr(state, "portal_rate_limiter"):
            settings = state.services.settings
            state.portal_rate_limiter = RateLimiter(
                anonymous=settings.portal_rate_anonymous, keyed=settings.portal_rate_keyed
            )
    return state.portal_rate_limiter


def caller_of(request: Request, session: Session) -> Caller:
    """The keyed user if a credential is presented (refused if invalid), else the address."""
    credential = presented_credential(request)
    if credential:
        principal = authenticate_token(session, credential)
        return Caller(f"user:{principal.user_id}", keyed=True)
    address = request.client.host if request.client else "unknown"
    return Caller(f"address:{address}", keyed=False)


def spend_request(request: Request, services: ServicesDep) -> Caller:
    """Charge one request to the caller's allowance (RateLimited when it is used up).

    The caller is read in a short transaction of its own, so the route's session is the only
    pooled connection the request holds afterwards.
    """
    with transaction(services.sessions) as session:
        caller = caller_of(request, session)
    rate_limiter(request).take(caller)
    return caller


RateLimitedCaller = Annotated[Caller, Depends(spend_request)]


def per_address(name: str, per_minute: int) -> Callable[[Request], None]:
    """A dependency spending one of the client address's ``per_minute`` attempts at ``name``.

    For forms anyone may post (sign-in, registration, feedback): keys raise no limit here, and
    each form has its own limiter so one cannot exhaust another.
    """
    attribute = f"portal_{name}_limiter"

    def spend(request: Request) -> None:
        state = request.app.state
        with _CREATE:
            if not hasattr(state, attribute):
                setattr(state, attribute, RateLimiter(anonymous=per_minute, keyed=per_minute))
        address = request.client.host if request.client else "unknown"
        getattr(state, attribute).take(Caller(f"address:{address}", keyed=False))

    return spend

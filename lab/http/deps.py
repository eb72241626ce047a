"""FastAPI dependencies as ``Annotated`` aliases: services, a DB session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lab.errors import NotAuthenticated, PermissionDenied
from lab.http.browser_session import SESSION_COOKIE, refuse_cross_site
from lab.identity import Principal, authenticate_token, is_sandbox_token
from lab.services import LabServices

GATEWAY_PREFIX = "/api/gateway/"


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in its
# thread pool, and each such hop costs about a millisecond under load.


async def get_services(request: Request) -> LabServices:
    """The running lab's services: settings, database, audit log and object store."""
    return request.app.state.services


ServicesDep = Annotated[LabServices, Depends(get_services)]


def get_db(services: ServicesDep) -> Iterator[Session]:
    """A database session in a transaction that commits when the route returns."""
    with services.sessions() as session, session.begin():
        yield session


# scope="function": the transaction commits when the route returns, before the response is sent.
DbDep = Annotated[Session, Depends(get_db, scope="function")]


def header_credential(request: Request) -> str | None:
    """The token in ``Authorization`` (``Bearer``/``Token``, or bare as ckanapi sends it)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value:
        return value.strip()
    if header and not value:
        return header.strip()  # ckanapi-style: the bare key in Authorization
    return None


def presented_credential(request: Request) -> str | None:
    """The header's token, else the session cookie — which only a same-origin request may use."""
    if (token := header_credential(request)) is not None:
        return token
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        refuse_cross_site(
            request, cookie
        )  # lab.http.browser_session: other sites cannot ride the cookie
    return cookie


def optional_principal(request: Request, services: ServicesDep) -> Principal | None:
    """The caller, authenticated in a short transaction of its own.

    Authentication may record the token's last use; doing that in the request's session would
    hold SQLite's write lock until the route returns and block the route's own transactions.
    """
    credential = presented_credential(request)
    if not credential:
        return None
    with services.sessions() as session, session.begin():
        return authenticate_token(session, credential)


async def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """The signed-in caller; NotAuthenticated when no credential is presented."""
    if principal is None:
        raise NotAuthenticated("sign in or send a token in the Authorization header")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]
MaybePrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


async def confine_sandbox_tokens(request: Request, services: ServicesDep) -> None:
    """Refuse a sandbox session token on every route outside the DP gateway (DESIGN §9.5).

    Installed on the whole app, so a new route cannot forget it. A credential that does not
    authenticate is left to the route (public pages ignore it); the lookup runs only when a
    credential is presented.
    """
    if request.scope["path"].startswith(GATEWAY_PREFIX):
        return
    # Not ``presented_credential``: this only looks at what is presented, and must not apply the
    # JSON API's cross-site rule to forms, which carry their own CSRF token.
    presented = (header_credential(request), request.cookies.get(SESSION_COOKIE))
    credentials = {credential for credential in presented if credential is not None}
    if not credentials:
        return
    if await run_in_threadpool(_any_sandbox_token, services, credentials):
        raise PermissionDenied("a sandbox session token works only on the DP gateway's routes")


def _any_sandbox_token(services: LabServices, credentials: set[str]) -> bool:
    with services.engine.connect() as connection:
        return any(is_sandbox_token(connection, credential) for credential in credentials)

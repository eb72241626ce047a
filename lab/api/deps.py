"""FastAPI dependencies as ``Annotated`` aliases: services, a DB session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lab.api.csrf import refuse_cross_site
from lab.errors import NotAuthenticated
from lab.identity import Principal, authenticate_token
from lab.services import LabServices

SESSION_COOKIE = "datalab_session"


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in its
# thread pool, and each such hop costs about a millisecond under load.


async def get_services(request: Request) -> LabServices:
    return request.app.state.services


ServicesDep = Annotated[LabServices, Depends(get_services)]


def get_db(services: ServicesDep) -> Iterator[Session]:
    with services.sessions() as session, session.begin():
        yield session


# scope="function": the transaction commits when the route returns, before the response is sent.
DbDep = Annotated[Session, Depends(get_db, scope="function")]


def presented_credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value:
        return value.strip()
    if header and not value:
        return header.strip()  # ckanapi-style: the bare key in Authorization
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        refuse_cross_site(request, cookie)  # lab.api.csrf: other sites cannot ride the cookie
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
    if principal is None:
        raise NotAuthenticated("sign in or send a token in the Authorization header")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]
MaybePrincipalDep = Annotated[Principal | None, Depends(optional_principal)]

"""A sandbox session token is refused by every route of the app outside ``/api/gateway/``.

The check walks ``app.routes`` (plugin routers included), so a route added later is covered
without anyone remembering to list it. The token's user holds every role, so a refusal comes
from the token's kind, not from a missing role.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.db import transaction
from lab.gateway.projects import apply_for_project, approve_project
from lab.http.browser_session import SESSION_COOKIE
from lab.http.deps import GATEWAY_PREFIX
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token, revoke_token
from lab.identity.tokens import split_token
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

UNAUTHENTICATED_DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@pytest.fixture
def api(lab: LabServices, tmp_path):
    """The app and two tokens of an all-roles user: a sandbox token and an ordinary API token."""
    publish_tax_table(lab, tmp_path, canary=918273645)
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        user = create_user(
            s, lab.audit, actor="t", username="root", roles=list(Role), organisation="银行"
        )
        project = apply_for_project(
            s,
            lab.audit,
            organisation_id=bank.id,
            title="基准",
            purpose="district tax benchmark",
            actor="root",
        )
        approve_project(s, lab.audit, project=project, budgets={"tax": 1.0}, actor="steward")
        tokens = {
            kind: issue_token(
                s,
                lab.audit,
                actor="t",
                user=user,
                kind=kind,
                name="t",
                scopes=[f"project:{project.id}"],
                lifetime=timedelta(hours=1),
            ).plain
            for kind in (TokenKind.SANDBOX, TokenKind.API)
        }
    app = create_app(lab)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client, tokens


def _api_routes(routes, prefix: str = "") -> list[tuple[str, APIRoute]]:
    """(full path, route) for every API route, walking included routers (FastAPI ≥ 0.16x)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append((prefix + route.path, route))
        elif hasattr(route, "original_router"):
            inner = prefix + route.include_context.prefix
            found.extend(_api_routes(route.original_router.routes, inner))
    return found


def _calls(app) -> list[tuple[str, str]]:
    """(method, concrete path) for every non-gateway route, path parameters filled in."""
    calls = []
    for path, route in _api_routes(app.routes):
        if not path.startswith(GATEWAY_PREFIX):
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            calls.extend((method, concrete) for method in sorted(route.methods))
    return calls


def test_every_non_gateway_route_refuses_a_sandbox_token(api) -> None:
    """Each non-gateway route answers 401/403 to a sandbox token, in a header or a cookie."""
    app, client, tokens = api
    calls = _calls(app)
    assert len(calls) > 40 and ("POST", "/api/credit/profiles") in calls
    sandbox = tokens[TokenKind.SANDBOX]
    admitted = []
    for method, path in calls:
        by_header = client.request(method, path, headers={"Authorization": f"Bearer {sandbox}"})
        client.cookies.set(SESSION_COOKIE, sandbox)
        by_cookie = client.request(method, path)
        client.cookies.clear()
        for answer in (by_header, by_cookie):
            if answer.status_code not in (401, 403):
                admitted.append((method, path, answer.status_code))
    assert admitted == []


def test_other_routes_are_not_documentation_leaks(api) -> None:
    """Routes outside FastAPI's dependency system are only the public API documentation."""
    app, _client, _tokens = api
    others = {r.path for r in app.routes if not isinstance(r, APIRoute) and hasattr(r, "path")}
    assert others <= UNAUTHENTICATED_DOCS


def test_same_user_other_credentials_still_work(api) -> None:
    """The refusal is the token's kind: an API token reads projects, the sandbox one the gateway."""
    _app, client, tokens = api
    api_token, sandbox = tokens[TokenKind.API], tokens[TokenKind.SANDBOX]
    assert client.get("/api/projects", headers={"Authorization": f"Bearer {api_token}"}).is_success
    gateway = client.get("/api/gateway/budget", headers={"Authorization": f"Bearer {sandbox}"})
    assert gateway.status_code == 200
    assert client.get("/api/projects", headers={"Authorization": "Bearer junk"}).status_code == 401


def test_a_sandbox_token_that_does_not_authenticate_is_left_to_the_route(api, lab) -> None:
    """The confinement refuses (403) only a live sandbox token: with a wrong secret or once
    revoked, a sandbox token is an invalid credential and the route answers 401 as for any."""
    _app, client, tokens = api
    sandbox = tokens[TokenKind.SANDBOX]
    live = client.get("/api/projects", headers={"Authorization": f"Bearer {sandbox}"})
    assert live.status_code == 403
    prefix, secret = split_token(sandbox)
    forged = f"cdl_{prefix}_{'x' * len(secret)}"
    wrong = client.get("/api/projects", headers={"Authorization": f"Bearer {forged}"})
    assert wrong.status_code == 401
    with transaction(lab.sessions) as session:
        revoke_token(session, lab.audit, actor="t", prefix=prefix)
    revoked = client.get("/api/projects", headers={"Authorization": f"Bearer {sandbox}"})
    assert revoked.status_code == 401

"""Cross-site request forgery: other origins cannot change anything with the session cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.db import transaction
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, get_user, issue_token
from lab.services import LabServices, open_services
from lab.settings import LabSettings

PASSWORD = "csrf-attack-tests-2026"
PUBLIC_URL = "http://127.0.0.1:8600"
ATTACKER = {"Origin": "http://127.0.0.1:8666"}  # same host, another port: another origin
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Writes that anyone may make and that act on no session's authority.
ANONYMOUS_WRITES = {
    "/auth/login",
    "/steward/login",
    "/enterprise/login",
    "/bank/login",
    "/auditor/login",
    "/account/login",
    "/account/register",
    "/feedback",
    "/feedback/lookup",  # anonymous: the number and code are the credential, not a cookie
    "/api/credit/receipts/verify",
}


def every_route(routes, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every route of the app, through included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            inner = route.original_router.routes
            yield from every_route(inner, prefix + route.include_context.prefix)


@pytest.fixture
def lab(tmp_path) -> Iterator[LabServices]:
    """A SQLite lab at a known public URL with an admin who belongs to an enterprise."""
    services = open_services(LabSettings(home=tmp_path / "home", public_url=PUBLIC_URL))
    with transaction(services.sessions) as s:
        create_organisation(
            s,
            services.audit,
            actor="t",
            name="某企业",
            kind=OrganisationKind.ENTERPRISE,
            credit_code="91370202MA3C4F6Y23",
        )
        create_user(
            s,
            services.audit,
            actor="t",
            username="root",
            roles=[Role.ADMIN],
            password=PASSWORD,
            organisation="某企业",
        )
    yield services
    services.close()


@pytest.fixture
def browser(lab: LabServices) -> Iterator[TestClient]:
    """A client holding the admin's session cookie, as a browser would."""
    with TestClient(create_app(lab), raise_server_exceptions=False) as client:
        signed = client.post("/auth/login", data={"username": "root", "password": PASSWORD})
        assert signed.status_code == 200
        yield client


def _concrete(path: str) -> str:
    return re.sub(r"\{verb\}", "revoke", re.sub(r"\{[a-z_]+(:path)?\}", "1", path))


def test_every_state_changing_cookie_route_refuses_other_origins(browser: TestClient) -> None:
    """Walk the route table: each write reachable with the cookie refuses a cross-origin post."""
    writes = [
        (method, path)
        for path, route in every_route(browser.app.routes)
        for method in sorted(route.methods & UNSAFE)
    ]
    assert len(writes) > 40 and {p for _, p in writes} >= ANONYMOUS_WRITES
    for method, path in writes:
        if path in ANONYMOUS_WRITES:
            continue
        answer = browser.request(method, _concrete(path), headers=ATTACKER)
        assert answer.status_code == 403, (method, path, answer.status_code, answer.text[:200])
        assert "CSRF" in answer.json()["error"]["message"], (method, path)


def test_cross_origin_publish_is_refused_and_same_origin_reaches_the_handler(
    browser: TestClient,
) -> None:
    """The red team's auto-submitted publish is refused; the lab's own origin gets through."""
    path = "/api/steward/versions/4242/publish"
    refused = browser.post(path, headers=ATTACKER)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_refused"
    same_site = browser.post(path, headers={**ATTACKER, "Sec-Fetch-Site": "same-site"})
    assert same_site.status_code == 403
    for same_origin in (
        {"Origin": PUBLIC_URL},
        {"Sec-Fetch-Site": "same-origin"},
        {"X-CSRF-Token": browser.get("/auth/me").json()["csrf_token"]},
    ):
        reached = browser.post(path, headers=same_origin)
        assert reached.status_code == 404, (same_origin, reached.text)  # the handler's answer


def test_bearer_tokens_need_no_origin(lab: LabServices, browser: TestClient) -> None:
    """Scripts with a token in Authorization are not browsers: no Origin or CSRF token needed."""
    with transaction(lab.sessions) as s:
        token = issue_token(
            s,
            lab.audit,
            actor="t",
            user=get_user(s, "root"),
            kind=TokenKind.API,
            name="script",
            lifetime=timedelta(hours=1),
        ).plain
    browser.cookies.clear()
    answer = browser.post(
        "/api/steward/versions/4242/publish", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 404

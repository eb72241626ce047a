"""The HTTP app: health, one error shape, sign-in cookies, OpenAPI, request ids."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.db import transaction
from lab.errors import InvalidInput
from lab.identity import Role
from lab.identity.accounts import create_user
from lab.services import LabServices

PASSWORD = "steward password 1"


@pytest.fixture
def client(sqlite_lab: LabServices):
    app = create_app(sqlite_lab)

    @app.get("/test/raise-lab-error")
    def raise_lab_error() -> None:
        raise InvalidInput("field x must be positive")

    @app.get("/test/raise-unexpected")
    def raise_unexpected() -> None:
        raise RuntimeError("secret row value 13812345678")

    with transaction(sqlite_lab.sessions) as s:
        create_user(
            s,
            sqlite_lab.audit,
            actor="t",
            username="steward",
            roles=[Role.STEWARD],
            password=PASSWORD,
        )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    return body["error"]


def test_healthz(client: TestClient) -> None:
    """/healthz reports the database and object store as ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "object_store": "ok"}}


def test_one_error_shape_everywhere(client: TestClient) -> None:
    """Lab errors, 404s, validation errors, auth errors and crashes share one JSON shape."""
    assert (
        _assert_error_shape(client.get("/test/raise-lab-error"), 400, "invalid_input")["message"]
        == "field x must be positive"
    )
    _assert_error_shape(client.get("/no/such/route"), 404, "not_found")
    _assert_error_shape(client.post("/auth/login", data={}), 422, "invalid_input")
    _assert_error_shape(client.get("/auth/me"), 401, "not_authenticated")
    crash = _assert_error_shape(client.get("/test/raise-unexpected"), 500, "internal_error")
    assert "13812345678" not in crash["message"]


def test_login_sets_secure_session_cookie(client: TestClient) -> None:
    """A password login sets an HttpOnly SameSite session cookie; logout ends the session."""
    response = client.post("/auth/login", data={"username": "steward", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/auth/me").json()
    assert me["username"] == "steward" and me["roles"] == ["steward"]
    assert me["credential"] == "session"
    session_cookie = client.cookies["datalab_session"]
    client.post("/auth/logout", headers={"Sec-Fetch-Site": "same-origin"})
    client.cookies.set("datalab_session", session_cookie)
    assert client.get("/auth/me").status_code == 401


def test_wrong_password_refused(client: TestClient) -> None:
    """A wrong password is a 401 in the common error shape."""
    response = client.post("/auth/login", data={"username": "steward", "password": "nope nope!"})
    _assert_error_shape(response, 401, "not_authenticated")


def test_openapi_and_request_id(client: TestClient) -> None:
    """OpenAPI is served; a safe incoming request id is echoed, an unsafe one replaced."""
    assert "/healthz" in client.get("/openapi.json").json()["paths"]
    assert (
        client.get("/healthz", headers={"x-request-id": "abc12345"}).headers["x-request-id"]
        == "abc12345"
    )
    assert (
        client.get("/healthz", headers={"x-request-id": "bad id\n"}).headers["x-request-id"]
        != "bad id\n"
    )


def test_portal_home_is_mounted(client: TestClient) -> None:
    """The portal's router, found through its entry point, serves the Chinese home page."""
    response = client.get("/")
    assert response.status_code == 200 and 'lang="zh-CN"' in response.text

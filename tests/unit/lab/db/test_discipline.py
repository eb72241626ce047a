"""The connection guard: a request taking a second pooled connection while holding one is caught."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from lab.app import create_app
from lab.db.discipline import nested_requests
from lab.http.deps import DbDep, ServicesDep


def test_guard_names_a_route_that_holds_two_connections(sqlite_lab) -> None:
    """A route reading on its request session and then on a second session is reported by name."""
    app = create_app(sqlite_lab)

    @app.get("/nests")
    def nests(db: DbDep, services: ServicesDep) -> dict:
        db.execute(text("SELECT 1"))
        with services.sessions() as other:
            other.execute(text("SELECT 1"))
        return {}

    @app.get("/one-at-a-time")
    def one_at_a_time(services: ServicesDep) -> dict:
        for _ in range(2):
            with services.sessions() as session:
                session.execute(text("SELECT 1"))
        return {}

    guard = app.state.connection_guard
    with TestClient(app) as client:
        assert client.get("/one-at-a-time").status_code == 200
        assert guard.nested == []
        assert client.get("/nests").status_code == 200
    assert guard.nested == ["GET /nests"] and "GET /nests" in nested_requests()
    guard.nested.clear()  # caught on purpose: the suite-wide check must not fail this test

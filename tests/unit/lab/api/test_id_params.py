"""Integer ids in paths stay within the database's range: out-of-range ids are 422, never 500."""

from __future__ import annotations

import re

import pytest
from annotated_types import Ge, Le
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.http.params import DB_INT_MAX
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.api.test_steward_api import bearer

OUT_OF_RANGE = (2**63, 2**64 + 1, 10**30, -(2**63) - 1, 0)


def _path_params(dependant):
    yield from dependant.path_params
    for sub in dependant.dependencies:
        yield from _path_params(sub)


def _int_path_params(app) -> list[tuple[str, set[str], object]]:
    """Every (full path, methods, parameter) with an integer path parameter, over the whole app
    (every included router, whatever its prefix)."""
    return [
        (context.path, context.original_route.methods, param)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for param in _path_params(context.original_route.dependant)
        if param.field_info.annotation is int
    ]


def test_every_integer_path_parameter_is_a_bounded_id(sqlite_lab: LabServices) -> None:
    """Every integer path parameter of every route (API, steward pages, portal) is declared
    ``IdPath`` — 1 … 2⁶³−1 — so a new route cannot forget the bound."""
    found = _int_path_params(create_app(sqlite_lab))
    assert len(found) >= 20
    for path, _, param in found:
        metadata = param.field_info.metadata
        bounds = {type(m): m for m in metadata if isinstance(m, Ge | Le)}
        assert Ge in bounds and bounds[Ge].ge == 1, (path, param.name)
        assert Le in bounds and bounds[Le].le == DB_INT_MAX, (path, param.name)


def _filled(path: str, value: int) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


@pytest.mark.parametrize("role", [Role.STEWARD, Role.APPLICANT])
def test_out_of_range_ids_are_a_client_error(lab: LabServices, role: Role) -> None:
    """Every id route called by a signed-in user with ids beyond the 64-bit range (2⁶³, 2⁶⁴+1,
    10³⁰, below −2⁶³, 0) answers without a server error — a 4xx in the one error shape (or the
    portal's sign-in page for a non-applicant) — never a 500 from the driver."""
    app = create_app(lab)
    headers = bearer(lab, "caller", role)
    routes = {(path, method) for path, methods, _ in _int_path_params(app) for method in methods}
    statuses: set[int] = set()
    with TestClient(app, raise_server_exceptions=False) as client:
        for path, method in sorted(routes):
            for value in OUT_OF_RANGE:
                response = client.request(method, _filled(path, value), headers=headers)
                assert response.status_code < 500, (method, path, value, response.text)
                if response.status_code >= 400:
                    assert set(response.json()) == {"error"}, (method, path, value)
                statuses.add(response.status_code)
    assert 422 in statuses

"""The gateway API: sandbox tokens only, schemas and mock rows from metadata, charged queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.db import transaction
from lab.gateway.projects import apply_for_project, approve_project
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

SQL = 'SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"'


def _token(lab, session, user, kind: TokenKind, scopes) -> str:
    return issue_token(
        session,
        lab.audit,
        actor="t",
        user=user,
        kind=kind,
        name="t",
        scopes=scopes,
        lifetime=timedelta(hours=1),
    ).plain


@pytest.fixture
def api(lab: LabServices, tmp_path):
    publish_tax_table(lab, tmp_path, canary=918273645)
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        other = create_organisation(
            s, lab.audit, actor="t", name="别家银行", kind=OrganisationKind.BANK
        )
        analyst = create_user(
            s, lab.audit, actor="t", username="analyst", roles=[Role.ANALYST], organisation="银行"
        )
        outsider = create_user(
            s,
            lab.audit,
            actor="t",
            username="outsider",
            roles=[Role.ANALYST],
            organisation="别家银行",
        )
        project = apply_for_project(
            s,
            lab.audit,
            organisation_id=bank.id,
            title="基准",
            purpose="district tax benchmark",
            actor="analyst",
        )
        approve_project(s, lab.audit, project=project, budgets={"tax": 1.0}, actor="steward")
        scope = [f"project:{project.id}"]
        tokens = {
            "sandbox": _token(lab, s, analyst, TokenKind.SANDBOX, scope),
            "api": _token(lab, s, analyst, TokenKind.API, scope),
            "outsider": _token(lab, s, outsider, TokenKind.SANDBOX, scope),
        }
        del other
    with TestClient(create_app(lab)) as client:
        yield client, tokens


def _get(client, path, token):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def _post(client, path, token, body):
    return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def test_only_sandbox_tokens_of_the_project_organisation(api) -> None:
    """No token, an ordinary API token, or another organisation's token are all refused."""
    client, tokens = api
    assert client.get("/api/gateway/datasets").status_code == 401
    assert _get(client, "/api/gateway/datasets", tokens["api"]).status_code == 403
    assert _get(client, "/api/gateway/datasets", tokens["outsider"]).status_code == 403
    assert _get(client, "/api/gateway/datasets", tokens["sandbox"]).status_code == 200


def test_schema_mock_cost_query_budget_history(api) -> None:
    """The sandbox journey: schema, mock rows, cost, a charged query, budget and history."""
    client, tokens = api
    token = tokens["sandbox"]
    (dataset,) = _get(client, "/api/gateway/datasets", token).json()["datasets"]
    columns = {c["name"]: c for c in dataset["columns"]}
    assert (
        columns["应纳税额（元）"]["bounds"] == [0, 10**9] and len(columns["所属区"]["domain"]) == 10
    )
    mock = _get(client, "/api/gateway/datasets/tax/mock?n=20", token).json()
    assert len(mock["rows"]) == 20 and all(
        r["统一社会信用代码"].startswith("MOCK-") for r in mock["rows"]
    )
    body = {"dataset": "tax", "sql": SQL, "epsilon": 0.3}
    cost = _post(client, "/api/gateway/cost", token, body).json()
    assert (cost["accounting"], cost["epsilon"], cost["delta"], cost["rho"]) == (
        "pure",
        0.3,
        0.0,
        None,
    )
    assert [a["aggregate"] for a in cost["accuracy"]] == ["count(*)"]
    answer = _post(client, "/api/gateway/query", token, body).json()
    assert len(answer["rows"]) == 10 and answer["budget_left"] == pytest.approx(0.7)
    assert "918273645" not in str(answer) and "time" not in str(answer).lower()
    (budget,) = _get(client, "/api/gateway/budget", token).json()["budgets"]
    assert budget["spent"] == pytest.approx(0.3)
    (item,) = _get(client, "/api/gateway/history", token).json()["queries"]
    assert item["state"] == "released" and item["epsilon"] == pytest.approx(0.3)


def test_rejections_are_generic_shape_and_free(api) -> None:
    """A rejected query is a 400 in the one error shape and charges nothing."""
    client, tokens = api
    token = tokens["sandbox"]
    response = _post(
        client,
        "/api/gateway/query",
        token,
        {"dataset": "tax", "sql": "SELECT * FROM tax", "epsilon": 0.5},
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "query_rejected"
    assert _get(client, "/api/gateway/budget", token).json()["budgets"][0]["spent"] == 0
    unknown = _post(
        client, "/api/gateway/query", token, {"dataset": "nope", "sql": SQL, "epsilon": 0.5}
    )
    assert unknown.status_code == 404

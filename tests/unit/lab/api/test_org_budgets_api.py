"""Organisation budgets over HTTP: more projects never multiply an organisation's ε.

The attacks run from outside, as an organisation would: a second project applied for and
approved through the steward API, the same query sent from a second project's sandbox token,
spending spread over two datasets about the same enterprises.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.db import transaction
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

UNIT = "unit:category:ENTERPRISE_ID"
COUNT_SQL = 'SELECT "所属区", COUNT(*) FROM {table} GROUP BY "所属区"'


@pytest.fixture
def api(lab: LabServices, tmp_path):
    """Two restricted tables keyed by credit codes (``tax``, ``social``), a bank, a steward."""
    for slug in ("tax", "social"):
        (tmp_path / slug).mkdir()
        publish_tax_table(lab, tmp_path / slug, slug=slug)
    tokens = {}
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        create_organisation(s, lab.audit, actor="t", name="局", kind=OrganisationKind.BUREAU)
        for username, role, org in (
            ("banker", Role.BANK_OPERATOR, "银行"),
            ("steward", Role.STEWARD, "局"),
        ):
            user = create_user(
                s, lab.audit, actor="t", username=username, roles=[role], organisation=org
            )
            tokens[username] = _token(s, lab, user, TokenKind.API, [])
        bank_id = bank.id
    with TestClient(create_app(lab)) as client:
        yield client, tokens, lab, bank_id


def _token(session, lab, user, kind, scopes) -> str:
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


def _call(client, method, path, token, body=None):
    return client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})


def _error(response) -> dict[str, str]:
    return response.json()["error"]


def _project(client, tokens, budgets: dict[str, float]):
    """Apply as the bank for ``budgets``' datasets and ask the steward to approve them."""
    application = {"title": "基准", "purpose": "SME benchmark by district", "datasets": [*budgets]}
    project_id = _call(client, "POST", "/api/projects", tokens["banker"], application).json()["id"]
    decision = {"approve": True, "budgets": budgets}
    path = f"/api/steward/projects/{project_id}/decision"
    return project_id, _call(client, "POST", path, tokens["steward"], decision)


def _sandbox(lab: LabServices, project_id: int) -> str:
    """A sandbox token for the bank's analyst on ``project_id`` (as the spawner mints one)."""
    with transaction(lab.sessions) as s:
        from lab.db.models import User

        user = s.query(User).filter_by(username="banker").one()
        return _token(s, lab, user, TokenKind.SANDBOX, [f"project:{project_id}"])


def _query(client, token, table: str, epsilon: float, sql: str | None = None):
    body = {"dataset": table, "sql": sql or COUNT_SQL.format(table=table), "epsilon": epsilon}
    return _call(client, "POST", "/api/gateway/query", token, body)


def _set_cap(client, tokens, bank_id: int, scope: str, epsilon: float):
    path = f"/api/steward/organisations/{bank_id}/budgets/{scope}"
    return _call(client, "PUT", path, tokens["steward"], {"epsilon": epsilon})


def test_second_project_cannot_raise_the_organisation_total(api) -> None:
    """Approval beyond the organisation's cap on a dataset is refused, naming what is left;
    only an audited cap change by the steward lets more through."""
    client, tokens, lab, bank_id = api
    _, first = _project(client, tokens, {"tax": 7.0})
    assert first.status_code == 200
    _, second = _project(client, tokens, {"tax": 7.0})
    assert second.status_code == 409
    assert _error(second)["code"] == "organisation_cap_exceeded"
    assert "at most 10 ε" in _error(second)["message"] and "3 ε" in _error(second)["message"]
    third_id, third = _project(client, tokens, {"tax": 3.0})
    assert third.status_code == 200
    raise_path = f"/api/steward/projects/{third_id}/budgets/tax"
    raised = _call(client, "PUT", raise_path, tokens["steward"], {"epsilon": 3.5})
    assert raised.status_code == 409 and "0 ε" in _error(raised)["message"]
    caps = _call(client, "GET", f"/api/steward/organisations/{bank_id}/budgets", tokens["steward"])
    (tax,) = [b for b in caps.json()["budgets"] if b["scope"] == "dataset:tax"]
    assert (tax["limit"], tax["allocated"]) == (10.0, 10.0)
    assert _set_cap(client, tokens, bank_id, "dataset:tax", 9.0).status_code == 409
    assert _set_cap(client, tokens, bank_id, "dataset:tax", 12.0).status_code == 200
    assert _project(client, tokens, {"tax": 2.0})[1].status_code == 200
    assert (
        _call(
            client, "GET", f"/api/steward/organisations/{bank_id}/budgets", tokens["banker"]
        ).status_code
        == 403
    )
    actions = [r.action for r in lab.audit.records()]
    assert "org_budget.set" in actions and lab.audit.verify().ok


def test_same_query_in_second_project_is_the_same_release_free(api) -> None:
    """The same query from a second project of the organisation returns the stored release,
    charges nothing anywhere, so noise cannot be averaged over projects."""
    client, tokens, lab, _ = api
    first_id, _ = _project(client, tokens, {"tax": 1.0})
    second_id, _ = _project(client, tokens, {"tax": 1.0})
    first = _query(client, _sandbox(lab, first_id), "tax", 0.5).json()
    second_token = _sandbox(lab, second_id)
    second = _query(client, second_token, "tax", 0.5).json()
    assert not first["cached"] and second["cached"]
    assert second["rows"] == first["rows"]
    (budget,) = _call(client, "GET", "/api/gateway/budget", second_token).json()["budgets"]
    assert budget["spent"] == 0.0
    assert [level["spent"] for level in budget["levels"]] == [0.0, 0.5, 0.5]


def test_datasets_sharing_a_unit_share_the_unit_budget(api) -> None:
    """Spending on ``tax`` leaves less for ``social`` about the same enterprises: the
    organisation × unit level refuses what each dataset's own budgets would allow."""
    client, tokens, lab, bank_id = api
    project_id, approved = _project(client, tokens, {"tax": 1.0, "social": 1.0})
    assert approved.status_code == 200
    assert _set_cap(client, tokens, bank_id, UNIT, 1.0).status_code == 200
    sandbox = _sandbox(lab, project_id)
    assert _query(client, sandbox, "tax", 0.6).status_code == 200
    refused = _query(client, sandbox, "social", 0.6)
    assert refused.status_code == 403 and _error(refused)["code"] == "budget_exhausted"
    assert "privacy unit" in _error(refused)["message"] and "0.4 ε" in _error(refused)["message"]
    allowed = _query(client, sandbox, "social", 0.4).json()
    assert allowed["budget_left"] == 0.0
    levels = {
        b["dataset"]: b
        for b in _call(client, "GET", "/api/gateway/budget", sandbox).json()["budgets"]
    }
    assert levels["social"]["spent"] == 0.4 and levels["social"]["remaining"] == 0.6
    assert levels["social"]["left"] == 0.0


def test_budget_route_shows_all_three_levels(api) -> None:
    """/api/gateway/budget gives per dataset the project, organisation × dataset and
    organisation × unit levels, each with limit, spent and remaining ε and δ."""
    client, tokens, lab, _ = api
    other_id, _ = _project(client, tokens, {"social": 2.0})
    _query(client, _sandbox(lab, other_id), "social", 0.5)
    project_id, _ = _project(client, tokens, {"tax": 1.0})
    sandbox = _sandbox(lab, project_id)
    _query(client, sandbox, "tax", 0.25)
    (budget,) = _call(client, "GET", "/api/gateway/budget", sandbox).json()["budgets"]
    assert [(lv["level"], lv["scope"]) for lv in budget["levels"]] == [
        ("project", "dataset:tax"),
        ("organisation_dataset", "dataset:tax"),
        ("organisation_unit", UNIT),
    ]
    assert [(lv["limit"], lv["spent"]) for lv in budget["levels"]] == [
        (1.0, 0.25),
        (10.0, 0.25),
        (10.0, 0.75),
    ]
    for level in budget["levels"]:
        assert level["remaining"] == level["limit"] - level["spent"]
        assert {"delta_limit", "delta_spent", "delta_remaining"} <= set(level)
    assert budget["left"] == 0.75

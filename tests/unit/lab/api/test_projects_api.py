"""Sandbox projects over HTTP: members apply, stewards decide and budget, others see nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.app import create_app
from lab.db import transaction
from lab.db.models import AuditEntry
from lab.gateway.zcdp import implied_epsilon_micro
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

APPLICATION = {
    "title": "区县基准",
    "purpose": "district tax benchmark for SME loans",
    "datasets": ["tax"],
}


@pytest.fixture
def api(lab: LabServices, tmp_path):
    publish_tax_table(lab, tmp_path)
    tokens = {}
    with transaction(lab.sessions) as s:
        create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        create_organisation(s, lab.audit, actor="t", name="别家", kind=OrganisationKind.BANK)
        create_organisation(s, lab.audit, actor="t", name="局", kind=OrganisationKind.BUREAU)
        for username, role, org in (
            ("banker", Role.BANK_OPERATOR, "银行"),
            ("outsider", Role.ANALYST, "别家"),
            ("steward", Role.STEWARD, "局"),
        ):
            user = create_user(
                s, lab.audit, actor="t", username=username, roles=[role], organisation=org
            )
            tokens[username] = issue_token(
                s,
                lab.audit,
                actor="t",
                user=user,
                kind=TokenKind.API,
                name="t",
                lifetime=timedelta(hours=1),
            ).plain
    with TestClient(create_app(lab)) as client:
        yield client, tokens, lab


def _call(client, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    return client.request(method, path, json=body, headers=headers)


def test_apply_decide_budget_journey_is_audited(api) -> None:
    """Apply → approve with ε and δ → raise the budget; each step audited, chain verifies."""
    client, tokens, lab = api
    applied = _call(client, "POST", "/api/projects", tokens["banker"], APPLICATION)
    assert applied.status_code == 201 and applied.json()["state"] == "applied"
    project_id = applied.json()["id"]
    decision = {"approve": True, "budgets": {"tax": 1.5}, "delta": 2e-6, "note": "ok"}
    path = f"/api/steward/projects/{project_id}/decision"
    approved = _call(client, "POST", path, tokens["steward"], decision).json()
    assert approved["state"] == "approved"
    assert approved["accounting"] == "pure"
    assert approved["budgets"] == [
        {
            "dataset": "tax",
            "limit": 1.5,
            "spent": 0.0,
            "delta_limit": 2e-6,
            "delta_spent": 0.0,
            "rho_limit": None,
            "rho_spent": None,
        }
    ]
    raised = _call(
        client,
        "PUT",
        f"/api/steward/projects/{project_id}/budgets/tax",
        tokens["steward"],
        {"epsilon": 3.0},
    ).json()
    assert raised["budgets"][0]["limit"] == 3.0 and raised["budgets"][0]["delta_limit"] == 2e-6
    with lab.sessions() as s:
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"project.apply", "project.approve", "budget.set"} <= actions
    assert lab.audit.verify().ok


def test_a_steward_approves_and_raises_a_zcdp_project_in_rho(api) -> None:
    """Approve under zCDP with ρ: the budget shows ρ and the ε it implies at δ (OpenDP); it is
    raised in ρ, an ε raise is a 400, and both steps are audited."""
    client, tokens, lab = api
    applied = _call(client, "POST", "/api/projects", tokens["banker"], APPLICATION)
    project_id = applied.json()["id"]
    decision = {"approve": True, "accounting": "zcdp", "budgets": {"tax": 0.05}, "delta": 1e-6}
    path = f"/api/steward/projects/{project_id}/decision"
    approved = _call(client, "POST", path, tokens["steward"], decision).json()
    (budget,) = approved["budgets"]
    assert approved["accounting"] == "zcdp" and budget["rho_limit"] == 0.05
    assert budget["limit"] == implied_epsilon_micro(50_000, 10**6) / 10**6
    change = f"/api/steward/projects/{project_id}/budgets/tax"
    refused = _call(client, "PUT", change, tokens["steward"], {"epsilon": 3.0})
    assert refused.status_code == 400 and "ρ" in refused.json()["error"]["message"]
    raised = _call(client, "PUT", change, tokens["steward"], {"rho": 0.1}).json()
    assert raised["budgets"][0]["rho_limit"] == 0.1
    assert raised["budgets"][0]["limit"] == implied_epsilon_micro(100_000, 10**6) / 10**6
    assert lab.audit.verify().ok


def test_only_stewards_decide_and_outsiders_see_nothing(api) -> None:
    """An applicant cannot approve itself; another organisation neither lists nor reads it."""
    client, tokens, _ = api
    project_id = _call(client, "POST", "/api/projects", tokens["banker"], APPLICATION).json()["id"]
    decision = {"approve": True, "budgets": {"tax": 9.0}}
    path = f"/api/steward/projects/{project_id}/decision"
    assert _call(client, "POST", path, tokens["banker"], decision).status_code == 403
    assert _call(client, "GET", "/api/projects", tokens["outsider"]).json() == {"projects": []}
    hidden = _call(client, "GET", f"/api/projects/{project_id}", tokens["outsider"])
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    mine = _call(client, "GET", "/api/projects", tokens["banker"]).json()["projects"]
    assert [p["id"] for p in mine] == [project_id]


def test_budgets_only_on_requested_published_restricted_datasets(api) -> None:
    """Applying for an unknown dataset, or approving one not applied for, is a clear 4xx."""
    client, tokens, _ = api
    unknown = dict(APPLICATION, datasets=["no-such-dataset"])
    assert _call(client, "POST", "/api/projects", tokens["banker"], unknown).status_code == 404
    project_id = _call(client, "POST", "/api/projects", tokens["banker"], APPLICATION).json()["id"]
    decision = {"approve": True, "budgets": {"other": 1.0}}
    path = f"/api/steward/projects/{project_id}/decision"
    refused = _call(client, "POST", path, tokens["steward"], decision)
    assert (
        refused.status_code == 400 and "did not ask for other" in refused.json()["error"]["message"]
    )


def test_rejection_needs_a_reason_and_is_final(api) -> None:
    """A rejection without a reason is refused; after one, no second decision is taken."""
    client, tokens, _ = api
    project_id = _call(client, "POST", "/api/projects", tokens["banker"], APPLICATION).json()["id"]
    path = f"/api/steward/projects/{project_id}/decision"
    assert _call(client, "POST", path, tokens["steward"], {"approve": False}).status_code == 400
    rejected = _call(
        client, "POST", path, tokens["steward"], {"approve": False, "note": "用途不清"}
    )
    assert rejected.json()["state"] == "rejected" and rejected.json()["decision_note"] == "用途不清"
    again = _call(client, "POST", path, tokens["steward"], {"approve": True, "budgets": {"tax": 1}})
    assert again.status_code == 409

"""The steward's sandbox-project page: approve with ε per requested dataset, reject with reason."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lab.db import transaction
from lab.db.models import PrivacyBudget, SandboxProject
from lab.gateway.ledger import MICRO, PICO
from lab.gateway.projects import apply_for_project
from lab.gateway.zcdp import implied_epsilon_micro
from lab.identity import OrganisationKind, Role
from lab.identity.accounts import create_organisation
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, pages_app, post, sign_in

PAGE = "/steward/projects"


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path):
    publish_tax_table(sqlite_lab, tmp_path)
    with transaction(sqlite_lab.sessions) as s:
        org = create_organisation(
            s, sqlite_lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK
        )
        for title in ("基准一", "基准二"):
            apply_for_project(
                s,
                sqlite_lab.audit,
                organisation_id=org.id,
                title=title,
                purpose="district tax benchmark",
                datasets=["tax"],
                actor="banker",
            )
    add_user(sqlite_lab, "steward", Role.STEWARD)
    with TestClient(pages_app(sqlite_lab)) as test_client:
        assert sign_in(test_client).status_code == 303
        yield test_client, sqlite_lab


def test_page_lists_applications_with_their_datasets(client) -> None:
    """Both applications appear with an ε field for each dataset they asked for."""
    browser, _ = client
    page = browser.get(PAGE)
    assert page.status_code == 200 and "基准一" in page.text and "基准二" in page.text
    assert page.text.count('name="epsilon:tax"') == 2


def test_approve_sets_epsilon_and_delta(client) -> None:
    """Approving with ε 1.5 and δ 2e-6 writes that budget and shows the flash."""
    browser, lab = client
    form = {"csrf_token": csrf_of(browser, PAGE), "epsilon:tax": "1.5", "delta": "2e-6"}
    answer = post(browser, f"{PAGE}/1/approve", form)
    assert answer.status_code == 303 and "project-approved" in answer.headers["location"]
    with lab.sessions() as s:
        budget = s.query(PrivacyBudget).one()
        assert (budget.limit_micro, budget.delta_limit_pico) == (1.5 * MICRO, 2e-6 * PICO)
        assert s.get(SandboxProject, 1).state == "approved"


def test_approve_under_zcdp_sets_rho_and_shows_it(client) -> None:
    """Choosing ρ-zCDP on the form makes the typed number a ρ: the budget holds it and the ε it
    implies at δ, and the page then shows the ρ beside the ε."""
    browser, lab = client
    form = {
        "csrf_token": csrf_of(browser, PAGE),
        "epsilon:tax": "0.05",
        "delta": "1e-6",
        "accounting": "zcdp",
    }
    answer = post(browser, f"{PAGE}/1/approve", form)
    assert answer.status_code == 303 and "project-approved" in answer.headers["location"]
    with lab.sessions() as s:
        budget = s.query(PrivacyBudget).one()
        assert budget.rho_limit_micro == 50_000
        assert budget.limit_micro == implied_epsilon_micro(50_000, 10**6)
        assert s.get(SandboxProject, 1).accounting == "zcdp"
    assert "（ρ 0 / 0.05）" in browser.get(PAGE).text


def test_bad_input_is_shown_inline_and_changes_nothing(client) -> None:
    """A non-numeric ε, or no budget at all, re-renders with the error; nothing is approved."""
    browser, lab = client
    csrf = csrf_of(browser, PAGE)
    bad = post(browser, f"{PAGE}/1/approve", {"csrf_token": csrf, "epsilon:tax": "lots"})
    assert bad.status_code == 400 and "ε 须为数字" in bad.text
    empty = post(browser, f"{PAGE}/1/approve", {"csrf_token": csrf, "epsilon:tax": ""})
    assert empty.status_code == 400
    with lab.sessions() as s:
        assert s.get(SandboxProject, 1).state == "applied"


def test_reject_needs_csrf_and_records_reason(client) -> None:
    """Without the CSRF token nothing happens; with it the reason is stored."""
    browser, lab = client
    assert post(browser, f"{PAGE}/2/reject", {"note": "用途不清"}).status_code == 403
    answer = post(
        browser, f"{PAGE}/2/reject", {"csrf_token": csrf_of(browser, PAGE), "note": "用途不清"}
    )
    assert answer.status_code == 303
    with lab.sessions() as s:
        assert s.get(SandboxProject, 2).decision_note == "用途不清"


def test_page_shows_and_changes_the_organisation_caps(client) -> None:
    """After approval the page shows the organisation's caps on the dataset and its privacy
    unit; a steward changes one there (audited), and a second project is held to the cap."""
    browser, lab = client
    post(browser, f"{PAGE}/1/approve", {"csrf_token": csrf_of(browser, PAGE), "epsilon:tax": "8"})
    page = browser.get(PAGE).text
    assert "机构级预算上限" in page and "dataset:tax" in page
    assert "unit:category:ENTERPRISE_ID" in page
    csrf = csrf_of(browser, PAGE)
    too_much = post(browser, f"{PAGE}/2/approve", {"csrf_token": csrf, "epsilon:tax": "3"})
    assert too_much.status_code == 409 and "尚可划拨 2 ε" in too_much.text
    cap = {"csrf_token": csrf, "scope": "dataset:tax", "epsilon": "12"}
    changed = post(browser, f"{PAGE}/organisations/1/cap", cap)
    assert changed.status_code == 303 and "cap-set" in changed.headers["location"]
    assert (
        post(browser, f"{PAGE}/2/approve", {"csrf_token": csrf, "epsilon:tax": "3"}).status_code
        == 303
    )
    assert lab.audit.records()[-2].action == "org_budget.set" and lab.audit.verify().ok

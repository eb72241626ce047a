"""The model card through the bank API and the steward page; ``datalab credit monitor``."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.credit.training import activate, fit_and_validate
from lab.db.models import AuditEntry, CreditScorecardCheck
from lab.identity import Role
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.credit.conftest import CreditWorld, grant
from tests.unit.lab.web.test_steward_pages import add_user, pages_app, sign_in

CARD = "/api/credit/model-card"


def test_bank_reads_the_card_only_with_a_report_level_consent(world: CreditWorld) -> None:
    """No consent or only a score-level one: 403; a report-level consent in force: the card of
    the active version, with its features' standard errors and its limits."""
    assert world.client.get(CARD, headers=world.bank_headers).status_code == 403
    grant(world, level="score")
    refused = world.client.get(CARD, headers=world.bank_headers)
    assert refused.status_code == 403 and "report-level" in refused.json()["error"]["message"]
    receipt = grant(world, level="report")
    card = world.client.get(CARD, headers=world.bank_headers)
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["version"].startswith("sc-") and body["known_limits"]
    assert all(f["standard_error"] > 0 for f in body["features"])
    assert world.client.get(CARD, headers=world.other_bank_headers).status_code == 403
    consent_id = receipt["consent"]["consent_id"]
    world.client.post(
        f"/api/credit/enterprise/consents/{consent_id}/revoke", headers=world.enterprise_headers
    )
    assert world.client.get(CARD, headers=world.bank_headers).status_code == 403


def test_steward_and_enterprise_see_or_are_refused_the_card(world: CreditWorld) -> None:
    """A steward reads the card by API; an enterprise admin is refused."""
    assert world.client.get(CARD, headers=world.steward_headers).status_code == 200
    assert world.client.get(CARD, headers=world.enterprise_headers).status_code == 403


def test_steward_credit_page_shows_the_card_and_checks(world: CreditWorld) -> None:
    """The steward's credit page shows the active version, its limits and the PSI checks."""
    lab = world.lab
    add_user(lab, "steward-page", Role.STEWARD)
    with TestClient(pages_app(lab)) as client:
        sign_in(client, "steward-page")
        before = client.get("/steward/credit").text
        assert "评分卡模型卡" in before and "暂无检查" in before
        result = datalab(
            lab.settings.home, "credit", "monitor", DATALAB_DATABASE_URL=lab.settings.database_url
        )
        assert result.returncode == 0, result.stderr
        page = client.get("/steward/credit").text
    card = world.client.get(CARD, headers=world.steward_headers).json()
    assert card["version"] in page and card["known_limits"][0][:20] in page
    assert "暂无检查" not in page


def test_monitor_records_psi_and_raises_an_alarm_on_a_shifted_population(
    world: CreditWorld,
) -> None:
    """The synthetic development sample is far from the demo population: the check is recorded
    with its PSI figures, printed, and audited as a credit alarm."""
    lab = world.lab
    result = datalab(
        lab.settings.home, "credit", "monitor", DATALAB_DATABASE_URL=lab.settings.database_url
    )
    assert result.returncode == 0, result.stderr
    assert "ALARM: PSI above 0.25" in result.stdout
    with lab.sessions() as session:
        check = session.scalars(select(CreditScorecardCheck)).one()
        alarms = session.scalars(select(AuditEntry).where(AuditEntry.action == "credit.alarm"))
        drift = [a for a in alarms if a.target == f"scorecard:{check.version}"]
    assert check.alarm and check.population > 100
    assert max(check.psi["inputs"].values()) > 0.25
    assert len(drift) == 1


def test_monitor_is_quiet_when_the_population_matches_development(
    world: CreditWorld, demo_features
) -> None:
    """Developed on (most of) the very population it is checked on: every PSI is small, the
    check is recorded without an alarm."""
    rows, _as_of = demo_features
    inputs = [features["model"] for _, features in rows]
    rng = np.random.default_rng(4)
    bad = [bool(rng.random() < 0.1 + 0.5 * (row["late_filings_24"] > 0)) for row in inputs]
    activate(world.lab, fit_and_validate([c for c, _ in rows], inputs, bad), actor="test")
    lab = world.lab
    result = datalab(
        lab.settings.home, "credit", "monitor", DATALAB_DATABASE_URL=lab.settings.database_url
    )
    assert result.returncode == 0, result.stderr
    assert "ALARM" not in result.stdout and "score PSI" in result.stdout
    with lab.sessions() as session:
        check = session.scalars(select(CreditScorecardCheck)).one()
    assert not check.alarm and check.psi["score"] < 0.1

"""Shared credit set-up: a small demo's derived features, a bank, an enterprise, a scorecard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.credit.aggregates import aggregate, data_as_of
from lab.credit.features import derive_all, held_scopes
from lab.credit.mapping import shipped_mapping
from lab.credit.refresh import store_features
from lab.credit.scorecard import NUMERIC_INPUTS
from lab.credit.sources import BoundSource, source_files
from lab.credit.training import activate, fit_and_validate
from lab.db import transaction
from lab.demo import generate_demo_data
from lab.demo.local_files import readable_files
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.services import LabServices
from lab.settings import LabSettings

SCALE, SEED = 300, 7
BANK, OTHER_BANK = "青岛测试银行", "青岛另一银行"
ALL_SCOPES = [
    "registration",
    "tax",
    "social_insurance",
    "housing_fund",
    "utilities",
    "licences_penalties",
    "judicial",
    "customs",
    "ip",
    "honours",
]


@pytest.fixture
def lab_settings(tmp_path, database_url: str) -> LabSettings:
    """The usual test settings with rate limits far above what the tests send."""
    return LabSettings(
        home=tmp_path / "home",
        database_url=database_url,
        credit_operator_per_minute=100_000,
        credit_bank_per_minute=100_000,
    )


@pytest.fixture(scope="package")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Paths of one small generated demo's files, by dataset id."""
    out = tmp_path_factory.mktemp("credit-demo")
    generate_demo_data(out, scale=SCALE, seed=SEED)
    return readable_files(Path(out))


@pytest.fixture(scope="package")
def demo_sources(demo_files: dict[str, str]) -> dict[str, BoundSource]:
    """Those files bound to the credit inputs by the shipped (demo) source mapping."""
    return source_files(shipped_mapping(), demo_files)


@pytest.fixture(scope="package")
def demo_features(demo_sources: dict[str, BoundSource]) -> tuple[list[tuple[str, dict]], str]:
    """Every enterprise's derived features from those files, and the data's as-of day."""
    as_of = data_as_of(demo_sources, as_of_fallback())
    rows = list(derive_all(aggregate(demo_sources, as_of), as_of, held_scopes(set(demo_sources))))
    return rows, as_of.isoformat()


def as_of_fallback() -> date:
    return date(2026, 10, 31)


def synthetic_training(size: int = 600, seed: int = 3):
    """Model inputs whose default odds follow a known logistic rule (for a usable scorecard)."""
    rng = np.random.default_rng(seed)
    inputs, bad = [], []
    for _ in range(size):
        row = {name: float(rng.integers(0, 5)) for name in NUMERIC_INPUTS}
        row["tax_grade"] = str(rng.choice(["A", "B", "C", "D", "M"]))
        risk = -3 + 0.6 * row["late_filings_24"] - 0.4 * row["age_years"]
        inputs.append(row)
        bad.append(bool(rng.random() < 1 / (1 + np.exp(-risk))))
    return [f"code-{i}" for i in range(size)], inputs, bad


@dataclass
class CreditWorld:
    """A lab with stored features, a bank with two operators' tokens and an enterprise admin."""

    lab: LabServices
    client: TestClient
    code: str
    other_code: str
    bank_headers: dict[str, str]
    other_bank_headers: dict[str, str]
    enterprise_headers: dict[str, str]
    steward_headers: dict[str, str]


def token(lab: LabServices, username: str, roles: list[Role], org: str | None) -> dict[str, str]:
    """An Authorization header for a new user."""
    with transaction(lab.sessions) as session:
        user = create_user(
            session, lab.audit, actor="test", username=username, roles=roles, organisation=org
        )
        minted = issue_token(
            session,
            lab.audit,
            actor="test",
            user=user,
            kind=TokenKind.API,
            name="test",
            lifetime=timedelta(hours=1),
        )
    return {"Authorization": f"Bearer {minted.plain}"}


@pytest.fixture(scope="package")
def trained():
    """A scorecard trained once on synthetic labelled inputs."""
    return fit_and_validate(*synthetic_training())


@pytest.fixture
def world(lab: LabServices, demo_features, trained) -> CreditWorld:
    """Features stored, a scorecard active, the parties created, an API client open."""
    rows, as_of = demo_features
    store_features(lab, rows, date.fromisoformat(as_of), actor="test", sources=["demo"])
    activate(lab, trained, actor="test")
    code, other = rows[0][0], rows[1][0]
    with transaction(lab.sessions) as session:
        for name in (BANK, OTHER_BANK):
            create_organisation(
                session, lab.audit, actor="test", name=name, kind=OrganisationKind.BANK
            )
        create_organisation(
            session,
            lab.audit,
            actor="test",
            name="测试企业",
            kind=OrganisationKind.ENTERPRISE,
            credit_code=code,
        )
    with TestClient(create_app(lab)) as client:
        yield CreditWorld(
            lab,
            client,
            code,
            other,
            token(lab, "banker", [Role.BANK_OPERATOR], BANK),
            token(lab, "other-banker", [Role.BANK_OPERATOR], OTHER_BANK),
            token(lab, "boss", [Role.ENTERPRISE_ADMIN], "测试企业"),
            token(lab, "steward", [Role.STEWARD], None),
        )


@pytest.fixture
def strict(world: CreditWorld):
    """The world with low per-operator limits and alarm thresholds."""
    settings = world.lab.settings.model_copy(
        update={
            "credit_operator_per_minute": 3,
            "credit_alarm_min_requests": 4,
            "credit_alarm_denial_share": 0.5,
            "credit_alarm_distinct_enterprises": 3,
            "credit_alarm_check_seconds": 0,
        }
    )
    object.__setattr__(world.lab, "settings", settings)
    return world


def grant(world: CreditWorld, **terms) -> dict:
    """The enterprise authorises the test bank; returns the signed receipt."""
    body = {
        "bank": BANK,
        "purpose": "loan_application",
        "scopes": ALL_SCOPES,
        "level": "report",
        **terms,
    }
    response = world.client.post(
        "/api/credit/enterprise/consents", json=body, headers=world.enterprise_headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def ask(world: CreditWorld, consent_id: str, *, code: str | None = None, headers=None, **extra):
    """A bank's profile request (defaults: the test enterprise, loan application, report)."""
    body = {
        "credit_code": code or world.code,
        "purpose": "loan_application",
        "consent_id": consent_id,
        "level": "report",
        **extra,
    }
    return world.client.post(
        "/api/credit/profiles",
        json=body,
        headers={**(headers or world.bank_headers), "X-Request-ID": "fixed-request-id"},
    )

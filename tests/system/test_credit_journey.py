"""The bank journey through the real catalogue: encrypted sources → profiles → consent → query."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.app import create_app
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, User
from lab.demo import generate_demo_data
from lab.demo.accounts import seed_demo_accounts
from lab.demo.catalogue import load_demo_catalogue
from lab.demo.credit_journey import prepare_demo_credit
from lab.demo.firms import DEMO_ENTERPRISE
from lab.identity import TokenKind
from lab.identity.accounts import issue_token
from lab.services import LabServices

CANARY_PAID = 8_765_431
CANARY_KWH = 6_543_217


def _plant_canaries(data) -> None:
    """Give the demo enterprise distinctive monthly tax and electricity values."""
    for name, column, base in (
        ("tax-monthly.parquet", "实缴税额（元）", CANARY_PAID),
        ("utilities-monthly.parquet", "用电量（千瓦时）", CANARY_KWH),
    ):
        frame = pd.read_parquet(data / name)
        rows = frame["统一社会信用代码"] == DEMO_ENTERPRISE[1]
        frame.loc[rows, column] = base + pd.Series(range(int(rows.sum())), dtype="int64").values
        frame.to_parquet(data / name)


def _bearer(lab: LabServices, username: str) -> dict[str, str]:
    with transaction(lab.sessions) as session:
        user = session.scalar(select(User).where(User.username == username))
        minted = issue_token(
            session,
            lab.audit,
            actor="test",
            user=user,
            kind=TokenKind.API,
            name="journey",
            lifetime=timedelta(hours=1),
        )
    return {"Authorization": f"Bearer {minted.plain}"}


def test_bank_journey_through_the_catalogue(lab: LabServices, tmp_path) -> None:
    """Published (encrypted) sources feed profiles; the banker is served under the demo consent,
    no planted raw value leaks, revocation ends service, and `datalab audit verify` passes."""
    data = tmp_path / "demo"
    generate_demo_data(data, scale=300, seed=11)
    _plant_canaries(data)
    load_demo_catalogue(lab, data)
    with transaction(lab.sessions) as session:
        seed_demo_accounts(session, lab.audit)
    credit = prepare_demo_credit(lab)
    assert credit.enterprises >= 290 and credit.consent_id
    with lab.sessions() as session:
        stored = session.get(CreditProfileFeatures, DEMO_ENTERPRISE[1])
    assert stored.features["scopes"]["tax"]["indicators"]["24"]["tax_paid_band_12m"] == ">=5m"
    banker, boss = _bearer(lab, "teller"), _bearer(lab, "enterprise")
    body = {
        "credit_code": DEMO_ENTERPRISE[1],
        "purpose": "loan_application",
        "consent_id": credit.consent_id,
        "level": "report",
        "operator": "teller",
    }
    with TestClient(create_app(lab)) as client:
        served = client.post("/api/credit/profiles", json=body, headers=banker)
        assert served.status_code == 200, served.text
        text = served.text
        for base in (CANARY_PAID, CANARY_KWH):
            assert all(str(base + month) not in text for month in range(24))
        profile = served.json()
        assert profile["scopes"]["registration"]["public_items"]["name"] == DEMO_ENTERPRISE[0]
        seen = client.get("/api/credit/enterprise/queries", headers=boss).json()
        assert seen[0]["operator"] == "teller" and seen[0]["served"]
        impostor = {**body, "operator": "teller-007"}
        assert client.post("/api/credit/profiles", json=impostor, headers=banker).status_code == 403
        revoke = f"/api/credit/enterprise/consents/{credit.consent_id}/revoke"
        assert client.post(revoke, headers=boss).status_code == 200
        assert client.post("/api/credit/profiles", json=body, headers=banker).status_code == 404
    environment = {
        **os.environ,
        "DATALAB_HOME": str(lab.settings.home),
        "DATALAB_DATABASE_URL": lab.settings.resolved_database_url,
    }
    verified = subprocess.run(
        [sys.executable, "-m", "lab.cli", "audit", "verify"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and "audit chain ok" in verified.stdout, verified.stderr
    actions = [r.action for r in lab.audit.records()]
    assert actions.count("credit.query") == 2 and "credit.consent.revoke" in actions
    assert json.loads(next(r.details for r in lab.audit.records() if r.action == "credit.query"))[
        "served"
    ]

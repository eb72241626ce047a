"""Loan-outcome feedback, dispute answers, and the `datalab credit verify-receipt` command."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from lab.cli.main import app
from lab.credit.vintages import Loan, reported_loans
from tests.unit.lab.credit.conftest import CreditWorld, ask, grant


def test_bank_reports_an_outcome_only_under_its_consent(world: CreditWorld) -> None:
    """A bank posts a loan result for an enterprise it holds a consent about; not otherwise."""
    consent_id = grant(world)["consent"]["consent_id"]
    body = {
        "credit_code": world.code,
        "consent_id": consent_id,
        "loan_reference": "LN-2026-001",
        "disbursed_on": "2026-03-01",
        "defaulted": True,
    }
    posted = world.client.post("/api/credit/outcomes", json=body, headers=world.bank_headers)
    assert posted.status_code == 201
    other = world.client.post("/api/credit/outcomes", json=body, headers=world.other_bank_headers)
    assert other.status_code == 404
    with world.lab.sessions() as session:
        assert reported_loans(session) == [Loan(world.code, date(2026, 3, 1), True)]


def test_answered_dispute_is_no_longer_flagged(world: CreditWorld) -> None:
    """A steward's answer clears the flag from the next profile."""
    consent_id = grant(world)["consent"]["consent_id"]
    filed = world.client.post(
        "/api/credit/enterprise/disputes",
        json={"item": "score", "reason": "评分所用的欠缴记录已更正。"},
        headers=world.enterprise_headers,
    ).json()
    assert ask(world, consent_id).json()["disputed_items"] == ["score"]
    answered = world.client.post(
        f"/api/credit/disputes/{filed['id']}/answer",
        json={"answer": "已核实并更正欠缴记录。"},
        headers=world.steward_headers,
    )
    assert answered.json()["state"] == "answered"
    assert ask(world, consent_id).json()["disputed_items"] == []


def test_verify_receipt_command(world: CreditWorld, tmp_path) -> None:
    """The command accepts the lab's receipt and rejects one with an edited field."""
    receipt = grant(world)
    key = world.client.get("/api/credit/signing-key").json()["public_key"]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(receipt, ensure_ascii=False))
    receipt["consent"]["query_cap"] = 999
    bad.write_text(json.dumps(receipt, ensure_ascii=False))
    runner = CliRunner()
    ok = runner.invoke(app, ["credit", "verify-receipt", str(good), "--public-key", key])
    assert ok.exit_code == 0 and "receipt valid" in ok.output
    edited = runner.invoke(app, ["credit", "verify-receipt", str(bad), "--public-key", key])
    assert edited.exit_code == 1 and "INVALID" in edited.output
    verified = world.client.post("/api/credit/receipts/verify", json={"receipt": receipt})
    assert verified.json()["valid"] is False

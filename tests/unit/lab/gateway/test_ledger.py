"""The budget ledger: exact arithmetic, free cached answers, no overspending under concurrency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.db.models import QueryRelease
from lab.errors import Conflict
from lab.gateway.accounting import epsilon_units
from lab.gateway.ledger import (
    BudgetExhausted,
    BudgetLedger,
    ChargedBudgets,
    query_key,
)
from lab.gateway.projects import apply_for_project, approve_project, budget_for, set_budget
from lab.gateway.targets import QueryTargets
from lab.identity import OrganisationKind
from lab.identity.accounts import create_organisation
from lab.ingest.pipeline import ingest
from lab.services import LabServices
from tests.unit.lab.ingest import tables


def _restricted_dataset(lab: LabServices, tmp_path) -> int:
    path = tables.monthly_table(tmp_path, units=12, months=3)
    meta = DatasetMeta(title="月度纳税", department="市税务局", slug="tax")
    with path.open("rb") as stream:
        outcome = ingest(lab, stream, path.name, meta, actor="steward")
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
        set_dp_metadata(
            s,
            lab.audit,
            version=version,
            actor="steward",
            declaration=DpDeclaration("统一社会信用代码", 3, {"应纳税额（元）": (0, 1e6)}, {}),
        )
    publish(lab, version_id=outcome.version_id, actor="steward")
    return outcome.version_id


def _budget(lab: LabServices, tmp_path, epsilon: float) -> tuple[ChargedBudgets, int]:
    version_id = _restricted_dataset(lab, tmp_path)
    with transaction(lab.sessions) as s:
        org = create_organisation(
            s, lab.audit, actor="t", name="海湾银行", kind=OrganisationKind.BANK
        )
        project = apply_for_project(
            s,
            lab.audit,
            organisation_id=org.id,
            title="小微企业基准",
            purpose="benchmark SME tax by district",
            actor="banker",
        )
        approve_project(s, lab.audit, project=project, budgets={"tax": epsilon}, actor="steward")
        project_id = project.id
    with lab.sessions() as s:
        return QueryTargets().target(s, slug="tax", project_id=project_id).budgets, version_id


def _reserve(ledger: BudgetLedger, budgets: ChargedBudgets, version_id: int, text: str, eps: float):
    cost = epsilon_units(eps)
    key = query_key(version_id=version_id, canonical_query=text, epsilon_micro=cost)
    return ledger.reserve(
        budgets=budgets,
        version_id=version_id,
        key=key,
        query_text=text,
        cost_micro=cost,
        actor="analyst",
    )


def test_charge_cache_and_exhaustion(lab: LabServices, tmp_path) -> None:
    """Queries are charged exactly; a repeat is free and identical; overspending is refused."""
    budgets, version_id = _budget(lab, tmp_path, 1.0)
    budget_id = budgets.project
    ledger = BudgetLedger(lab.sessions)
    first = _reserve(ledger, budgets, version_id, "SELECT COUNT(*) FROM tax", 0.3)
    assert first.budgets.project == ledger.state(budget_id)
    assert first.budgets.remaining == pytest.approx(0.7)
    ledger.record_answer(first.release_id, {"values": [41]})
    again = _reserve(ledger, budgets, version_id, "SELECT COUNT(*) FROM tax", 0.3)
    assert again.is_cached and again.cached_answer == {"values": [41]}
    assert again.budgets == first.budgets
    assert ledger.state(budget_id).spent == pytest.approx(0.3)
    second = _reserve(ledger, budgets, version_id, "SELECT SUM(x) FROM tax", 0.7)
    ledger.record_failure(second.release_id)
    assert ledger.state(budget_id).spent == 1.0
    with pytest.raises(BudgetExhausted):
        _reserve(ledger, budgets, version_id, "SELECT AVG(x) FROM tax", 0.000001)
    with pytest.raises(Conflict, match="failed before"):
        _reserve(ledger, budgets, version_id, "SELECT SUM(x) FROM tax", 0.7)
    assert ledger.state(budget_id).spent == 1.0


def test_budget_changes_are_audited_and_bounded(lab: LabServices, tmp_path) -> None:
    """A steward may raise a budget but never below what is spent; both are audited."""
    budgets, version_id = _budget(lab, tmp_path, 1.0)
    _reserve(BudgetLedger(lab.sessions), budgets, version_id, "q", 0.6)
    with transaction(lab.sessions) as s:
        budget = budget_for(s, project_id=1, dataset_id=1)
        with pytest.raises(Conflict):
            set_budget(s, lab.audit, budget=budget, epsilon=0.5, actor="steward")
        set_budget(s, lab.audit, budget=budget, epsilon=2.0, actor="steward")
    assert lab.audit.records()[-1].action == "budget.set" and lab.audit.verify().ok


def test_two_hundred_concurrent_queries_never_overspend(lab: LabServices, tmp_path) -> None:
    """200 concurrent queries against a budget for 100: exactly 100 are charged."""
    budgets, version_id = _budget(lab, tmp_path, 1.0)
    ledger = BudgetLedger(lab.sessions)
    outcomes: list[str] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        try:
            _reserve(ledger, budgets, version_id, f"SELECT COUNT(*) FROM tax -- {n}", 0.01)
            result = "charged"
        except BudgetExhausted:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("charged") == 100 and outcomes.count("refused") == 100
    state = ledger.state(budgets.project)
    assert state.spent == 1.0 and state.spent <= state.limit
    with lab.sessions() as s:
        assert s.query(QueryRelease).count() == 100


KILLED_GATEWAY = """
import os, sys
from lab.db import make_engine, session_factory
from lab.gateway.ledger import BudgetLedger, ChargedBudgets
ledger = BudgetLedger(session_factory(make_engine(sys.argv[1])))
budgets = ChargedBudgets(*map(int, sys.argv[2].split(",")))
ledger.reserve(budgets=budgets, version_id=int(sys.argv[3]), key="k" * 64,
               query_text="SELECT COUNT(*) FROM tax", cost_micro=250000, actor="analyst")
print("reserved", flush=True)
os.kill(os.getpid(), 9)
"""


def test_gateway_killed_after_reservation_stays_charged(lab: LabServices, tmp_path) -> None:
    """A gateway killed between reservation and release leaves the cost charged, no answer."""
    budgets, version_id = _budget(lab, tmp_path, 1.0)
    ids = f"{budgets.project},{budgets.dataset},{budgets.unit}"
    url = lab.engine.url.render_as_string(hide_password=False)
    child = subprocess.run(
        [sys.executable, "-c", KILLED_GATEWAY, url, ids, str(version_id)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert child.returncode == -signal.SIGKILL and "reserved" in child.stdout
    assert BudgetLedger(lab.sessions).levels(budgets).unit.spent == 0.25
    with lab.sessions() as s:
        (release,) = s.query(QueryRelease).all()
        assert release.state == "reserved" and release.answer is None

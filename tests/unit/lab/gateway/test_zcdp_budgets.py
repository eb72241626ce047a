"""zCDP projects in the ledger: ρ charged exactly, its (ε, δ) at every level, under concurrency."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import select

from lab.db import transaction
from lab.db.models import (
    OrganisationBudget,
    PrivacyBudget,
    ProjectUnitRho,
    QueryRelease,
    SandboxProject,
)
from lab.errors import Conflict, InvalidInput
from lab.gateway.errors import QueryRejected
from lab.gateway.ledger import MICRO, BudgetExhausted
from lab.gateway.projects import apply_for_project, approve_project, budget_for, set_budget
from lab.gateway.service import DpGateway
from lab.gateway.zcdp import Accounting, implied_epsilon_micro
from lab.identity import OrganisationKind
from lab.identity.accounts import create_organisation
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

DELTA_PICO = 10**6
COUNT = 'SELECT COUNT(*) FROM tax WHERE "应纳税额（元）" > {n}'


def _projects(lab: LabServices, tmp_path, **budgets: tuple[str, float]) -> dict[str, int]:
    """The tax table and one bank with a project per ``name=(accounting, budget)``."""
    publish_tax_table(lab, tmp_path, units=12)
    made = {}
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        for name, (accounting, amount) in budgets.items():
            project = apply_for_project(
                s,
                lab.audit,
                organisation_id=bank.id,
                title=name,
                purpose="SME benchmark",
                actor="b",
            )
            approve_project(
                s,
                lab.audit,
                project=project,
                budgets={"tax": amount},
                actor="steward",
                accounting=Accounting(accounting),
            )
            made[name] = project.id
    return made


def _rows(lab: LabServices, project_id: int):
    with lab.sessions() as s:
        budget = s.scalar(select(PrivacyBudget).where(PrivacyBudget.project_id == project_id))
        levels = list(s.scalars(select(OrganisationBudget).order_by(OrganisationBudget.id)))
        releases = list(s.scalars(select(QueryRelease).where(QueryRelease.budget_id == budget.id)))
        s.expunge_all()
        return budget, levels, releases


def _zcdp_projects_on_two_tables(
    lab: LabServices, tmp_path, titles: tuple[str, ...], rho: float
) -> list[int]:
    """``tax`` and ``social`` about the same enterprises, and one bank with a zCDP project per
    title holding ``rho`` on each."""
    for slug in ("tax", "social"):
        (tmp_path / slug).mkdir()
        publish_tax_table(lab, tmp_path / slug, units=12, slug=slug)
    projects = []
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        for title in titles:
            project = apply_for_project(
                s,
                lab.audit,
                organisation_id=bank.id,
                title=title,
                purpose="SME benchmark",
                actor="b",
            )
            approve_project(
                s,
                lab.audit,
                project=project,
                budgets={"tax": rho, "social": rho},
                actor="steward",
                accounting=Accounting.ZCDP,
            )
            projects.append(project.id)
    return projects


def _two_hundred_at_once(gateway: DpGateway, ask) -> None:
    """Run ``ask(n)`` for n < 200 on 200 threads at once; all must finish (no deadlock)."""
    threads = [threading.Thread(target=ask, args=(n,)) for n in range(200)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    finally:
        gateway.close()
    assert not any(thread.is_alive() for thread in threads)


def test_zcdp_queries_charge_rho_and_the_epsilon_it_implies(lab: LabServices, tmp_path) -> None:
    """Three zCDP queries: the project's ρ grows by exactly their ρ, every level's ε by exactly
    ε(ρ spent) at the project's δ (OpenDP, rounded up) and δ once; a repeat is free; ε is
    refused; an overspend is refused with nothing charged."""
    project = _projects(lab, tmp_path, z=("zcdp", 0.05))["z"]
    gateway = DpGateway(lab)
    try:
        answers = [
            gateway.query(
                project_id=project, slug="tax", sql=COUNT.format(n=n), rho=0.01, actor="a"
            )
            for n in range(3)
        ]
        again = gateway.query(
            project_id=project, slug="tax", sql=COUNT.format(n=0), rho=0.01, actor="a"
        )
        with pytest.raises(InvalidInput, match="ρ-zCDP"):
            gateway.query(
                project_id=project, slug="tax", sql=COUNT.format(n=9), epsilon=1.0, actor="a"
            )
        with pytest.raises(BudgetExhausted, match="ρ"):
            gateway.query(
                project_id=project, slug="tax", sql=COUNT.format(n=8), rho=0.03, actor="a"
            )
    finally:
        gateway.close()
    budget, levels, releases = _rows(lab, project)
    implied = implied_epsilon_micro(30_000, DELTA_PICO)
    assert budget.rho_spent_micro == 30_000 and budget.rho_limit_micro == 50_000
    assert budget.limit_micro == implied_epsilon_micro(50_000, DELTA_PICO)
    assert budget.spent_micro == implied and budget.delta_spent_pico == DELTA_PICO
    assert [(level.spent_micro, level.delta_spent_pico) for level in levels] == [
        (implied, DELTA_PICO)
    ] * 2
    assert sum(r.cost_micro for r in releases) == implied
    assert [r.cost_rho_micro for r in releases] == [10_000] * 3
    assert sum(a.epsilon for a in answers) == pytest.approx(implied / MICRO)
    assert answers[0].delta == 1e-6 and answers[1].delta == 0.0
    assert all(a.rho == 0.01 for a in answers)
    assert again.cached and again.epsilon == 0.0


def test_zcdp_refuses_partition_selection_free(lab: LabServices, tmp_path) -> None:
    """A zCDP query needing partition selection is refused before anything is charged."""
    project = _projects(lab, tmp_path, z=("zcdp", 0.05))["z"]
    gateway = DpGateway(lab)
    sql = 'SELECT "所属期", COUNT(*) FROM tax GROUP BY "所属期"'
    try:
        with pytest.raises(QueryRejected, match="partition selection"):
            gateway.query(project_id=project, slug="tax", sql=sql, rho=0.01, delta=1e-7, actor="a")
    finally:
        gateway.close()
    budget, levels, releases = _rows(lab, project)
    assert budget.rho_spent_micro == budget.spent_micro == 0 and not releases
    assert all(level.spent_micro == 0 for level in levels)


def test_two_hundred_concurrent_zcdp_and_pure_queries_never_overspend(
    lab: LabServices, tmp_path
) -> None:
    """200 concurrent queries — 100 by a zCDP project with ρ for 50 of them, 100 by a pure-ε
    project of the same organisation with ε for 50 — finish without deadlock; exactly 50 of
    each are charged, and every level holds exactly the sum of what its releases charged."""
    made = _projects(lab, tmp_path, z=("zcdp", 0.05), p=("pure", 0.5))
    gateway = DpGateway(lab)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        name = "z" if n % 2 else "p"
        spend = {"rho": 0.001} if name == "z" else {"epsilon": 0.01}
        try:
            gateway.query(
                project_id=made[name], slug="tax", sql=COUNT.format(n=n), actor="a", **spend
            )
            result = "charged"
        except BudgetExhausted:
            result = "refused"
        with lock:
            outcomes.append((name, result))

    _two_hundred_at_once(gateway, ask)
    for name in ("z", "p"):
        assert outcomes.count((name, "charged")) == 50 and outcomes.count((name, "refused")) == 50
    zcdp, levels, zcdp_releases = _rows(lab, made["z"])
    pure, _, pure_releases = _rows(lab, made["p"])
    assert zcdp.rho_spent_micro == zcdp.rho_limit_micro == 50_000
    assert zcdp.spent_micro == implied_epsilon_micro(50_000, DELTA_PICO) <= zcdp.limit_micro
    assert sum(r.cost_micro for r in zcdp_releases) == zcdp.spent_micro
    assert pure.spent_micro == 500_000 == sum(r.cost_micro for r in pure_releases)
    for level in levels:
        assert level.spent_micro == zcdp.spent_micro + pure.spent_micro <= level.limit_micro
        assert level.delta_spent_pico == DELTA_PICO


def test_zcdp_budgets_are_set_in_rho(lab: LabServices, tmp_path) -> None:
    """A zCDP approval needs δ > 0 and a ρ whose ε fits; its budget changes in ρ, never in ε,
    never below what is spent, and its δ is fixed once ρ is spent; all audited."""
    publish_tax_table(lab, tmp_path, units=12)
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        project = apply_for_project(
            s, lab.audit, organisation_id=bank.id, title="z", purpose="SME benchmark", actor="b"
        )
        for bad, kwargs in (("δ > 0", {"delta": 0.0}), ("implies more", {})):
            with pytest.raises(InvalidInput, match=bad):
                approve_project(
                    s,
                    lab.audit,
                    project=project,
                    budgets={"tax": 0.1 if kwargs else 9.0},
                    actor="steward",
                    accounting=Accounting.ZCDP,
                    **kwargs,
                )
        approve_project(
            s,
            lab.audit,
            project=project,
            budgets={"tax": 0.1},
            actor="steward",
            accounting=Accounting.ZCDP,
        )
        project_id = project.id
    gateway = DpGateway(lab)
    try:
        gateway.query(project_id=project_id, slug="tax", sql=COUNT.format(n=1), rho=0.02, actor="a")
    finally:
        gateway.close()
    with transaction(lab.sessions) as s:
        budget = budget_for(s, project_id=project_id, dataset_id=1)
        with pytest.raises(InvalidInput, match="in ρ"):
            set_budget(s, lab.audit, budget=budget, epsilon=2.0, actor="steward")
        with pytest.raises(Conflict, match="already spent"):
            set_budget(s, lab.audit, budget=budget, rho=0.01, actor="steward")
        with pytest.raises(Conflict, match="δ of a zCDP budget"):
            set_budget(s, lab.audit, budget=budget, rho=0.2, delta=2e-6, actor="steward")
        set_budget(s, lab.audit, budget=budget, rho=0.2, actor="steward")
        assert budget.rho_limit_micro == 200_000
        assert budget.limit_micro == implied_epsilon_micro(200_000, DELTA_PICO)
        assert s.get(SandboxProject, project_id).accounting == "zcdp"
    record = lab.audit.records()[-1]
    assert record.action == "budget.set" and '"rho_to":0.2' in record.details
    assert lab.audit.verify().ok


def test_a_zcdp_join_charges_rho_on_both_datasets_and_once_on_the_unit(
    lab: LabServices, tmp_path
) -> None:
    """A zCDP project joins ``tax`` with ``social`` after one query on ``tax``: each project row
    grows by the join's ρ, each dataset's levels by its own row's ε increment (δ once), and the
    unit row holds ε of the ρ spent on the unit (0.01 + 0.02, the join once), δ once."""
    (project,) = _zcdp_projects_on_two_tables(lab, tmp_path, ("z",), 0.05)
    join = 'SELECT COUNT(*) FROM tax t JOIN social s ON t."统一社会信用代码" = s."统一社会信用代码"'
    gateway = DpGateway(lab)
    try:
        gateway.query(project_id=project, slug="tax", sql=COUNT.format(n=0), rho=0.01, actor="a")
        gateway.query(project_id=project, slug="tax", sql=join, rho=0.02, actor="a")
    finally:
        gateway.close()
    with lab.sessions() as s:
        rows = {b.dataset_id: b for b in s.scalars(select(PrivacyBudget))}
        levels = list(s.scalars(select(OrganisationBudget)))
    tax, social = sorted(rows.values(), key=lambda b: b.rho_spent_micro, reverse=True)
    assert (tax.rho_spent_micro, social.rho_spent_micro) == (30_000, 20_000)
    tax_eps = implied_epsilon_micro(30_000, DELTA_PICO)
    social_eps = implied_epsilon_micro(20_000, DELTA_PICO)
    assert (tax.spent_micro, social.spent_micro) == (tax_eps, social_eps)
    by_dataset = {level.dataset_id: level for level in levels if level.dataset_id}
    assert by_dataset[tax.dataset_id].spent_micro == tax_eps
    assert by_dataset[social.dataset_id].spent_micro == social_eps
    (unit,) = [level for level in levels if level.privacy_unit]
    assert unit.spent_micro == implied_epsilon_micro(30_000, DELTA_PICO) == tax_eps
    assert unit.delta_spent_pico == DELTA_PICO
    with lab.sessions() as s:
        (tally,) = s.scalars(select(ProjectUnitRho))
        assert (tally.project_id, tally.organisation_budget_id) == (project, unit.id)
        assert (tally.rho_spent_micro, tally.delta_pico) == (30_000, DELTA_PICO)


def test_two_hundred_concurrent_zcdp_joins_and_queries_compose_exactly(
    lab: LabServices, tmp_path
) -> None:
    """200 concurrent zCDP queries by two projects of one bank, half of them joins of ``tax``
    and ``social``: no deadlock; each project row's ρ is exactly what its releases charged it (a
    join on both) and never past its limit, its ε is ε(that ρ); each project's ρ on the unit is
    the sum of its releases (a join once) and the unit level holds exactly the sum over projects
    of ε(their ρ on the unit), δ once per project."""
    projects = _zcdp_projects_on_two_tables(lab, tmp_path, ("a", "b"), 0.03)
    join = (
        'SELECT COUNT(*) FROM tax t JOIN social s ON t."统一社会信用代码" = s."统一社会信用代码" '
        'WHERE t."应纳税额（元）" > {n}'
    )
    gateway = DpGateway(lab)

    def ask(n: int) -> None:
        table = ("tax", "social")[(n // 4) % 2]
        sql = join.format(n=n) if n % 2 else COUNT.format(n=n).replace("FROM tax", f"FROM {table}")
        with contextlib.suppress(BudgetExhausted):
            gateway.query(
                project_id=projects[(n // 2) % 2],
                slug=table if n % 2 == 0 else "tax",
                sql=sql,
                rho=0.001,
                actor="a",
            )

    _two_hundred_at_once(gateway, ask)
    with lab.sessions() as s:
        budgets = {b.id: b for b in s.scalars(select(PrivacyBudget))}
        releases = list(s.scalars(select(QueryRelease)))
        levels = list(s.scalars(select(OrganisationBudget)))
        tallies = {t.project_id: t for t in s.scalars(select(ProjectUnitRho))}
        s.expunge_all()
    charged_rows: dict[int, int] = dict.fromkeys(budgets, 0)
    on_unit: dict[int, int] = dict.fromkeys(projects, 0)
    for release in releases:
        first = budgets[release.budget_id]
        read = [b for b in budgets.values() if b.project_id == first.project_id]
        for budget in read if " JOIN " in release.query_text else [first]:
            charged_rows[budget.id] += release.cost_rho_micro
        on_unit[first.project_id] += release.cost_rho_micro
    assert releases and any(" JOIN " in r.query_text for r in releases)
    for budget in budgets.values():
        assert budget.rho_spent_micro == charged_rows[budget.id] <= budget.rho_limit_micro
        assert budget.spent_micro == implied_epsilon_micro(budget.rho_spent_micro, DELTA_PICO)
    assert {p: t.rho_spent_micro for p, t in tallies.items()} == on_unit
    (unit,) = [level for level in levels if level.privacy_unit]
    assert unit.spent_micro == sum(implied_epsilon_micro(r, DELTA_PICO) for r in on_unit.values())
    assert unit.delta_spent_pico == 2 * DELTA_PICO
    for level in levels:
        if level.dataset_id:
            rows = [b for b in budgets.values() if b.dataset_id == level.dataset_id]
            assert level.spent_micro == sum(b.spent_micro for b in rows) <= level.limit_micro

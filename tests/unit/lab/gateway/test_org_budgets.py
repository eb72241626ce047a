"""Three budget levels under concurrency, and the migration of budgets that already exist."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, text

from lab.db import make_engine, session_factory, transaction, upgrade
from lab.db.models import (
    Dataset,
    Organisation,
    OrganisationBudget,
    PrivacyBudget,
    QueryRelease,
)
from lab.errors import Conflict
from lab.gateway.ledger import MICRO, BudgetExhausted
from lab.gateway.org_budgets import find_level, set_cap
from lab.gateway.projects import apply_for_project, approve_project
from lab.gateway.service import DpGateway
from lab.identity import OrganisationKind
from lab.identity.accounts import create_organisation
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

TABLES = ("tax", "social")
COST = 0.01


SHARES = (
    {"tax": 0.5, "social": 0.5},
    {"tax": 0.5, "social": 0.5},
    {"tax": 0.1, "social": 0.5},
)


def _organisation_with_projects(lab: LabServices, tmp_path, shares=SHARES) -> list[int]:
    """Two tables about the same enterprises; one bank with three projects on both; the bank's
    unit cap (1.2 ε) is tighter than its projects' budgets together (2.6 ε by default)."""
    for slug in TABLES:
        (tmp_path / slug).mkdir()
        publish_tax_table(lab, tmp_path / slug, units=12, slug=slug)
    projects = []
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK)
        for budgets in shares:
            project = apply_for_project(
                s,
                lab.audit,
                organisation_id=bank.id,
                title="基准",
                purpose="SME benchmark",
                actor="b",
            )
            approve_project(s, lab.audit, project=project, budgets=budgets, actor="steward")
            projects.append(project.id)
        unit = find_level(s, bank.id, "unit:category:ENTERPRISE_ID")
        set_cap(s, lab.audit, row=unit, epsilon=1.2, actor="steward")
    return projects


def test_two_hundred_concurrent_queries_never_overspend_any_level(
    lab: LabServices, tmp_path
) -> None:
    """200 concurrent queries over three projects and two datasets of one organisation: every
    level stays within its limit, each charge landed at all three levels or none, and the
    binding unit cap is spent exactly."""
    projects = _organisation_with_projects(lab, tmp_path)

    def query(n: int) -> dict:
        table = TABLES[n % 2]
        sql = f'SELECT COUNT(*) FROM {table} WHERE "应纳税额（元）" > {n}'
        return {"project_id": projects[n % 3], "slug": table, "sql": sql}

    outcomes = _two_hundred_at_once(lab, query)
    assert len(outcomes) == 200 and outcomes.count("charged") == 120
    with lab.sessions() as s:
        releases = s.execute(select(QueryRelease.budget_id, QueryRelease.cost_micro)).all()
        assert {r.cost_micro for r in releases} == {COST * MICRO} and len(releases) == 120
        for budget in s.scalars(select(PrivacyBudget)):
            charged = sum(r.cost_micro for r in releases if r.budget_id == budget.id)
            assert budget.spent_micro == charged <= budget.limit_micro
        levels = list(s.scalars(select(OrganisationBudget)))
        for level in levels:
            assert level.spent_micro <= level.limit_micro
        unit = [level for level in levels if level.privacy_unit]
        datasets = [level for level in levels if level.dataset_id]
        assert [u.spent_micro for u in unit] == [120 * COST * MICRO]
        assert sum(d.spent_micro for d in datasets) == 120 * COST * MICRO


JOINED = (
    'SELECT COUNT(*) FROM tax t JOIN social s ON t."统一社会信用代码" = s."统一社会信用代码" '
    'WHERE t."应纳税额（元）" > {n}'
)


def test_two_hundred_concurrent_joins_and_queries_never_overspend_any_level(
    lab: LabServices, tmp_path
) -> None:
    """200 concurrent queries, half of them joins of both tables, over three projects: a join
    lands on both datasets' project and organisation rows and once on the unit, or nowhere;
    every level stays within its limit and the binding unit cap (1.2 ε) is spent exactly."""
    shares = ({"tax": 1.0, "social": 1.0}, {"tax": 1.0, "social": 1.0}, SHARES[2])
    projects = _organisation_with_projects(lab, tmp_path, shares)

    def query(n: int) -> dict:
        table = TABLES[(n // 2) % 2]
        single = f'SELECT COUNT(*) FROM {table} WHERE "应纳税额（元）" > {n}'
        if n % 2 == 0:
            return {"project_id": projects[n % 3], "slug": "tax", "sql": JOINED.format(n=n)}
        return {"project_id": projects[n % 3], "slug": table, "sql": single}

    outcomes = _two_hundred_at_once(lab, query)
    assert len(outcomes) == 200 and outcomes.count("charged") == 120
    _assert_join_charges(lab, 120)


def _two_hundred_at_once(lab: LabServices, query) -> list[str]:
    """Run ``query(n)`` (the gateway's keyword arguments) for n < 200 on 200 threads at once;
    each outcome is ``charged`` or ``refused`` (budget exhausted)."""
    gateway = DpGateway(lab)
    outcomes: list[str] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        try:
            gateway.query(**query(n), epsilon=COST, actor="analyst")
            result = "charged"
        except BudgetExhausted:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(200)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        gateway.close()
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _assert_join_charges(lab: LabServices, charged: int) -> None:
    """Each project row spent exactly what its releases charged it (a join: both of its rows);
    each organisation dataset row its projects' rows; the unit row one charge per release."""
    with lab.sessions() as s:
        releases = s.execute(select(QueryRelease.budget_id, QueryRelease.query_text)).all()
        budgets = list(s.scalars(select(PrivacyBudget)))
        slug = {b.id: s.get(Dataset, b.dataset_id).slug for b in budgets}
        by_project: dict[tuple[int, str], int] = {}
        for release in releases:
            project = next(b.project_id for b in budgets if b.id == release.budget_id)
            read = TABLES if " JOIN " in release.query_text else (slug[release.budget_id],)
            for table in read:
                by_project[project, table] = by_project.get((project, table), 0) + 1
        for budget in budgets:
            uses = by_project.get((budget.project_id, slug[budget.id]), 0)
            assert budget.spent_micro == uses * round(COST * MICRO) <= budget.limit_micro
        levels = list(s.scalars(select(OrganisationBudget)))
        for level in levels:
            assert level.spent_micro <= level.limit_micro
            if level.dataset_id:
                rows = [b for b in budgets if b.dataset_id == level.dataset_id]
                assert level.spent_micro == sum(b.spent_micro for b in rows)
        assert [u.spent_micro for u in levels if u.privacy_unit] == [charged * round(COST * MICRO)]
        assert len(releases) == charged


def test_caps_never_drop_below_what_is_granted(lab: LabServices, tmp_path) -> None:
    """A steward cannot lower an organisation's dataset cap under its projects' budgets."""
    _organisation_with_projects(lab, tmp_path)
    with transaction(lab.sessions) as s:
        bank = s.scalar(select(Organisation.id))
        with pytest.raises(Conflict, match="already granted"):
            set_cap(s, lab.audit, row=find_level(s, bank, "dataset:tax"), epsilon=1.0, actor="s")


def test_existing_budgets_migrate_to_consistent_organisation_rows(
    lab: LabServices, tmp_path
) -> None:
    """Budgets approved before 0009 become organisation rows whose caps hold them, the unit
    row sums its datasets, and only the first of repeated releases joins the shared cache."""
    projects = _organisation_with_projects(lab, tmp_path)
    gateway = DpGateway(lab)
    try:
        two_tax_queries = ("SELECT COUNT(*) FROM tax", 'SELECT SUM("应纳税额（元）") FROM tax')
        for project, sql in zip(projects[:2], two_tax_queries, strict=True):
            gateway.query(project_id=project, slug="tax", sql=sql, epsilon=0.05, actor="a")
        gateway.query(
            project_id=projects[0],
            slug="social",
            sql="SELECT COUNT(*) FROM social",
            epsilon=0.05,
            actor="a",
        )
    finally:
        gateway.close()
    with lab.engine.begin() as connection:  # the state before 0009, with a repeat across projects
        connection.execute(text("UPDATE query_releases SET organisation_budget_id = NULL"))
        connection.execute(text("DELETE FROM organisation_budgets"))
        connection.execute(
            text(
                "UPDATE query_releases SET query_key = (SELECT MIN(query_key) FROM query_releases)"
                " WHERE version_id = (SELECT MIN(version_id) FROM query_releases)"
            )
        )
        connection.execute(text("UPDATE privacy_budgets SET limit_micro = 9500000 WHERE id = 1"))
        connection.execute(
            text("UPDATE alembic_version SET version_num = '0008_credit_repair_decisions'")
        )
    with lab.engine.begin() as connection:
        _drop_0009(connection)
    engine = make_engine(lab.engine.url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        with session_factory(engine)() as s:
            rows = {
                (r.dataset_id, r.privacy_unit): r for r in s.scalars(select(OrganisationBudget))
            }
            tax, social = (
                next(r for (d, _), r in rows.items() if d and r.allocated_micro == a)
                for a in (10_100_000, 1_500_000)
            )
            unit = rows[(None, "category:ENTERPRISE_ID")]
            releases = list(s.scalars(select(QueryRelease).order_by(QueryRelease.id)))
    finally:
        engine.dispose()
    assert (tax.limit_micro, tax.spent_micro) == (10_100_000, 100_000)
    assert (social.limit_micro, social.spent_micro) == (10_000_000, 50_000)
    assert unit.spent_micro == 150_000 and unit.limit_micro == 11_600_000
    assert [r.organisation_budget_id for r in releases] == [tax.id, None, social.id]


def _drop_0009(connection) -> None:
    """Undo the schema of 0009 and of the later revisions that change it (newest first) with
    their own downgrades, so upgrade runs them again on the old data."""
    with Operations.context(MigrationContext.configure(connection)):
        for revision in (*reversed(_after_0010()), "0009_organisation_budgets"):
            importlib.import_module(f"lab.db.migrations.versions.{revision}").downgrade()


def _after_0010() -> list[str]:
    """Every revision after 0010 (which only rewrites profile values), oldest first."""
    folder = Path(importlib.import_module("lab.db.migrations.versions").__path__[0])
    return sorted(p.stem for p in folder.glob("0*.py") if p.stem > "0010_value_free_profiles")

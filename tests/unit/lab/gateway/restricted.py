"""Test set-up shared by gateway tests: a published T3 table and an approved sandbox project."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.projects import MAX_EPSILON_PER_DATASET, apply_for_project, approve_project
from lab.gateway.zcdp import Accounting
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.ingest.pipeline import ingest
from lab.services import LabServices
from tests.unit.lab.ingest import tables


def publish_tax_table(
    lab: LabServices, folder, *, units: int = 30, canary: int = 0, slug: str = "tax"
) -> int:
    """Ingest, decide T3, declare DP metadata and publish a monthly tax table as ``slug``."""
    path = tables.monthly_table(folder, units=units, months=4, canary=canary)
    declaration = DpDeclaration(
        "统一社会信用代码", 4, {"应纳税额（元）": (0, 10**9)}, {"所属区": "qingdao_district_name"}
    )
    return publish_restricted(lab, path, declaration, slug=slug)


def publish_restricted(lab: LabServices, path, declaration: DpDeclaration, *, slug: str) -> int:
    """Ingest the CSV at ``path`` as ``slug``, decide T3, declare ``declaration``, publish."""
    meta = DatasetMeta(title=slug, department="税务局", slug=slug)
    with path.open("rb") as stream:
        outcome = ingest(lab, stream, path.name, meta, actor="steward")
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
        set_dp_metadata(s, lab.audit, version=version, declaration=declaration, actor="steward")
    publish(lab, version_id=outcome.version_id, actor="steward")
    return outcome.version_id


def sandbox_token(
    lab: LabServices,
    *,
    epsilon: float = 1.0,
    username: str = "analyst",
    budgets: dict[str, float] | None = None,
    rho: float | None = None,
) -> str:
    """An approved project with ``epsilon`` on ``tax`` (or ``budgets`` by slug) and a sandbox
    token for its analyst; its organisation's caps are raised to hold that much. With ``rho``
    the project is under zCDP accounting with that ρ on ``tax`` (caps raised to the most a
    budget may hold)."""
    budgets = budgets or {"tax": epsilon if rho is None else rho}
    defaults = OrganisationCaps.of(lab.settings)
    most = MAX_EPSILON_PER_DATASET if rho is not None else max(budgets.values())
    caps = replace(
        defaults,
        dataset_epsilon=max(defaults.dataset_epsilon, most),
        unit_epsilon=max(defaults.unit_epsilon, sum(budgets.values()), most),
    )
    accounting = Accounting.PURE if rho is None else Accounting.ZCDP
    with transaction(lab.sessions) as s:
        org = create_organisation(
            s, lab.audit, actor="t", name=f"{username}银行", kind=OrganisationKind.BANK
        )
        user = create_user(
            s, lab.audit, actor="t", username=username, roles=[Role.ANALYST], organisation=org.name
        )
        project = apply_for_project(
            s,
            lab.audit,
            organisation_id=org.id,
            title="基准",
            purpose="district tax benchmark",
            actor=username,
        )
        approve_project(
            s,
            lab.audit,
            project=project,
            budgets=budgets,
            actor="steward",
            caps=caps,
            accounting=accounting,
        )
        return issue_token(
            s,
            lab.audit,
            actor="t",
            user=user,
            kind=TokenKind.SANDBOX,
            name="t",
            scopes=[f"project:{project.id}"],
            lifetime=timedelta(hours=1),
        ).plain

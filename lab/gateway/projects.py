"""Sandbox projects: an enterprise or bank applies, a steward approves with a budget per dataset.

An application names its purpose and the restricted datasets it needs; only published T3/T4
datasets can be named, and a steward grants budgets only on datasets the application named.
Budgets are in ε (stored as micro-ε) with a δ (stored as pico-δ) that only DP partition
selection spends; a steward can raise or lower them, never below what is already spent. Every
project budget is granted out of the organisation's cap on that dataset (``org_budgets``): an
approval or a raise beyond it is refused, naming what is left, so a second project never adds
to what the organisation may spend. Every decision and budget change is written to the audit
log.

The steward also chooses the project's accounting (``zcdp.Accounting``): pure ε (discrete
Laplace, the default) or ρ-zCDP (discrete Gaussian). A zCDP project's budgets are given in ρ;
each is held as micro-ρ beside the (ε, δ) it implies at the project's δ (OpenDP's conversion,
rounded up), and that ε is what is granted out of the organisation's cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Tier
from lab.audit import AuditLog
from lab.catalogue.versions.datasets import current_version, get_dataset
from lab.clock import now
from lab.db import row_of
from lab.db.models import Dataset, Organisation, PrivacyBudget, SandboxProject
from lab.errors import Conflict, InvalidInput, NotFound
from lab.gateway.accounting import MICRO, PICO, delta_units, epsilon_units
from lab.gateway.org_budgets import (
    OrganisationCaps,
    allocate,
    dataset_budget,
    served_unit_budget,
)
from lab.gateway.zcdp import Accounting, implied_epsilon_micro, rho_units
from lab.identity import OrganisationKind

MAX_EPSILON_PER_DATASET = 20.0
MAX_DELTA_PER_DATASET = 1e-5
DEFAULT_DELTA_PER_DATASET = 1e-6


class ProjectState(StrEnum):
    """Where a sandbox project application stands."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


def apply_for_project(
    session: Session,
    audit: AuditLog,
    *,
    organisation_id: int,
    title: str,
    purpose: str,
    actor: str,
    datasets: Sequence[str] = (),
) -> SandboxProject:
    """Record an organisation's application (enterprises and banks only) for ``datasets``."""
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind not in (OrganisationKind.ENTERPRISE, OrganisationKind.BANK):
        raise InvalidInput("sandbox projects are for enterprises and banks")
    if len(purpose.strip()) < 10 or not title.strip():
        raise InvalidInput("a project needs a title and a purpose of at least 10 characters")
    for slug in datasets:
        _restricted_dataset(session, slug)
    project = SandboxProject(
        organisation_id=org.id,
        title=title.strip(),
        purpose=purpose.strip(),
        datasets=list(dict.fromkeys(datasets)),
        state=ProjectState.APPLIED.value,
        applied_by=actor,
        created_at=now(),
    )
    session.add(project)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="project.apply",
        target=f"project:{project.id}",
        details={"organisation": org.name, "title": project.title, "datasets": project.datasets},
    )
    return project


def approve_project(
    session: Session,
    audit: AuditLog,
    *,
    project: SandboxProject,
    budgets: Mapping[str, float],
    actor: str,
    note: str = "",
    delta: float = DEFAULT_DELTA_PER_DATASET,
    caps: OrganisationCaps | None = None,
    accounting: Accounting = Accounting.PURE,
) -> list[PrivacyBudget]:
    """Approve ``project`` with an ε budget per restricted dataset slug, each with ``delta``.

    Under ``Accounting.ZCDP`` the budgets are ρ's (δ must then be above 0: it is the δ the ρ is
    shown and charged at). Each budget is granted out of the organisation's cap on its dataset
    (created with ``caps`` the first time); beyond it the approval is refused, naming what is
    left.
    """
    accounting = Accounting.parse(accounting)
    if project.state != ProjectState.APPLIED:
        raise Conflict(f"project {project.id} is {project.state}, not awaiting a decision")
    if not budgets:
        raise InvalidInput("approve a project with a budget for at least one dataset")
    unasked = sorted(set(budgets) - set(project.datasets)) if project.datasets else []
    if unasked:
        raise InvalidInput(f"the application did not ask for {', '.join(unasked)}")
    delta_pico = _checked_delta(delta)
    if accounting is Accounting.ZCDP:
        rhos = {slug: _checked_rho(rho, delta_pico) for slug, rho in budgets.items()}
        limits = {slug: implied_epsilon_micro(rho, delta_pico) for slug, rho in rhos.items()}
    else:
        rhos = dict.fromkeys(budgets, 0)
        limits = {slug: _checked_limit(eps) for slug, eps in budgets.items()}
    datasets = {slug: _restricted_dataset(session, slug) for slug in budgets}
    _grant(session, project.organisation_id, datasets, limits, delta_pico, caps)
    project.state, project.decided_by = ProjectState.APPROVED.value, actor
    project.decided_at, project.decision_note = now(), note
    project.accounting = accounting.value
    made = [
        _new_budget(session, project, datasets[slug], limit, delta_pico, rhos[slug])
        for slug, limit in limits.items()
    ]
    audit.append_in(
        session,
        actor=actor,
        action="project.approve",
        target=f"project:{project.id}",
        details={
            "budgets": dict(budgets),
            "delta": delta,
            "accounting": accounting.value,
            "note": note,
        },
    )
    return made


def _grant(
    session: Session,
    organisation_id: int,
    datasets: Mapping[str, Dataset],
    limits: Mapping[str, int],
    delta_pico: int,
    caps: OrganisationCaps | None,
) -> None:
    """Allocate each limit out of the organisation's cap on its dataset, rows in id order.

    The organisation's rows on the datasets' privacy units are created too, so a steward can
    set their caps before the first query.
    """
    caps = caps or OrganisationCaps()
    rows = {
        slug: dataset_budget(
            session, organisation_id=organisation_id, dataset_id=dataset.id, caps=caps
        )
        for slug, dataset in datasets.items()
    }
    for dataset in datasets.values():
        served_unit_budget(session, organisation_id=organisation_id, dataset=dataset, caps=caps)
    for slug, row in sorted(rows.items(), key=lambda item: item[1].id):
        allocate(session, row, micro=limits[slug], pico=delta_pico, what=repr(slug))


def reject_project(
    session: Session, audit: AuditLog, *, project: SandboxProject, actor: str, note: str
) -> None:
    """Reject an application, with the reason the applicant will read."""
    if project.state != ProjectState.APPLIED:
        raise Conflict(f"project {project.id} is {project.state}, not awaiting a decision")
    if not note.strip():
        raise InvalidInput("a rejection needs a reason")
    project.state, project.decided_by = ProjectState.REJECTED.value, actor
    project.decided_at, project.decision_note = now(), note.strip()
    audit.append_in(
        session,
        actor=actor,
        action="project.reject",
        target=f"project:{project.id}",
        details={"note": project.decision_note},
    )


def list_projects(session: Session, *, organisation_id: int | None = None) -> list[SandboxProject]:
    """Projects, newest first: all of them, or one organisation's."""
    query = select(SandboxProject).order_by(SandboxProject.id.desc())
    if organisation_id is not None:
        query = query.where(SandboxProject.organisation_id == organisation_id)
    return list(session.scalars(query))


def get_project(session: Session, project_id: int) -> SandboxProject:
    """One project; NotFound otherwise."""
    project = session.get(SandboxProject, project_id)
    if project is None:
        raise NotFound(f"no sandbox project {project_id}")
    return project


def project_budgets(session: Session, project_id: int) -> list[tuple[str, PrivacyBudget]]:
    """A project's budgets with their dataset slugs."""
    rows = session.execute(
        select(Dataset.slug, PrivacyBudget)
        .join(Dataset, Dataset.id == PrivacyBudget.dataset_id)
        .where(PrivacyBudget.project_id == project_id)
        .order_by(Dataset.slug)
    )
    return [(slug, budget) for slug, budget in rows]


def set_budget(
    session: Session,
    audit: AuditLog,
    *,
    budget: PrivacyBudget,
    epsilon: float | None = None,
    actor: str,
    delta: float | None = None,
    rho: float | None = None,
) -> None:
    """Change a budget's limits (δ kept unless given); neither may drop below what is spent,
    and a raise must fit in what is left of the organisation's cap on the dataset.

    A zCDP project's budget is changed in ``rho`` (its ε follows), a pure one's in ``epsilon``.
    """
    delta_limit = budget.delta_limit_pico if delta is None else _checked_delta(delta)
    project = row_of(session, SandboxProject, budget.project_id)
    old_rho = budget.rho_limit_micro
    if project.accounting == Accounting.ZCDP:
        limit = _zcdp_limit(budget, rho, epsilon, delta_limit)
    elif rho is not None or epsilon is None:
        raise InvalidInput("this project is accounted in pure ε: change its budget in ε")
    else:
        limit = _checked_limit(epsilon)
    if limit < budget.spent_micro:
        raise Conflict(
            f"{budget.spent_micro / MICRO} ε is already spent; the limit cannot be lower"
        )
    if delta_limit < budget.delta_spent_pico:
        raise Conflict(
            f"δ = {budget.delta_spent_pico / PICO} is already spent; the limit cannot be lower"
        )
    old, old_delta = budget.limit_micro, budget.delta_limit_pico
    organisation_id = project.organisation_id
    row = dataset_budget(
        session,
        organisation_id=organisation_id,
        dataset_id=budget.dataset_id,
        caps=OrganisationCaps(),
    )
    slug = row_of(session, Dataset, budget.dataset_id).slug
    allocate(session, row, micro=limit - old, pico=delta_limit - old_delta, what=repr(slug))
    budget.limit_micro, budget.delta_limit_pico, budget.updated_at = limit, delta_limit, now()
    audit.append_in(
        session,
        actor=actor,
        action="budget.set",
        target=f"budget:{budget.id}",
        details={
            "from": old / MICRO,
            "to": limit / MICRO,
            "delta_from": old_delta / PICO,
            "delta_to": delta_limit / PICO,
            **(
                {"rho_from": old_rho / MICRO, "rho_to": budget.rho_limit_micro / MICRO}
                if project.accounting == Accounting.ZCDP
                else {}
            ),
        },
    )


def _zcdp_limit(
    budget: PrivacyBudget, rho: float | None, epsilon: float | None, delta_limit: int
) -> int:
    """Set a zCDP budget's ρ limit; return the ε limit it implies at the (new) δ.

    The δ cannot change once ρ is spent: the ε already charged was computed at the old one.
    """
    if rho is None or epsilon is not None:
        raise InvalidInput("this project is accounted in ρ-zCDP: change its budget in ρ")
    rho_limit = _checked_rho(rho, delta_limit)
    if rho_limit < budget.rho_spent_micro:
        raise Conflict(
            f"ρ = {budget.rho_spent_micro / MICRO} is already spent; the limit cannot be lower"
        )
    if budget.rho_spent_micro and delta_limit != budget.delta_limit_pico:
        raise Conflict("the δ of a zCDP budget cannot change once some of its ρ is spent")
    budget.rho_limit_micro = rho_limit
    return implied_epsilon_micro(rho_limit, delta_limit)


def _checked_rho(rho: float, delta_pico: int) -> int:
    """ρ in micro-ρ, if the ε it implies at δ is a budget a steward may grant."""
    if delta_pico == 0:
        raise InvalidInput("a zCDP budget needs δ > 0: its ρ is shown and charged as (ε, δ)")
    units = rho_units(rho)
    if implied_epsilon_micro(units, delta_pico) > epsilon_units(MAX_EPSILON_PER_DATASET):
        raise InvalidInput(
            f"ρ = {rho:g} implies more than ε = {MAX_EPSILON_PER_DATASET:g} at "
            f"δ = {delta_pico / PICO:g}, the most a budget may hold"
        )
    return units


def _checked_limit(epsilon: float) -> int:
    if not 0 < epsilon <= MAX_EPSILON_PER_DATASET:
        raise InvalidInput(f"a budget is an ε in (0, {MAX_EPSILON_PER_DATASET}]")
    return epsilon_units(epsilon)


def _checked_delta(delta: float) -> int:
    if not 0 <= delta <= MAX_DELTA_PER_DATASET:
        raise InvalidInput(f"a budget's δ is in [0, {MAX_DELTA_PER_DATASET}]")
    return delta_units(delta)


def _restricted_dataset(session: Session, slug: str) -> Dataset:
    dataset = get_dataset(session, slug)
    version = current_version(session, dataset)
    if version is None or version.tier is None or Tier(version.tier) < Tier.T3:
        raise InvalidInput(f"{slug!r} is not a published restricted (T3/T4) dataset")
    return dataset


def _new_budget(
    session: Session,
    project: SandboxProject,
    dataset: Dataset,
    limit: int,
    delta_pico: int,
    rho_micro: int = 0,
) -> PrivacyBudget:
    budget = PrivacyBudget(
        project_id=project.id,
        dataset_id=dataset.id,
        limit_micro=limit,
        spent_micro=0,
        delta_limit_pico=delta_pico,
        delta_spent_pico=0,
        rho_limit_micro=rho_micro,
        rho_spent_micro=0,
        updated_at=now(),
    )
    session.add(budget)
    session.flush()
    return budget


def budget_for(session: Session, *, project_id: int, dataset_id: int) -> PrivacyBudget:
    """The budget of an approved project on a dataset; NotFound otherwise."""
    budget = session.scalar(
        select(PrivacyBudget)
        .join(SandboxProject, SandboxProject.id == PrivacyBudget.project_id)
        .where(
            PrivacyBudget.project_id == project_id,
            PrivacyBudget.dataset_id == dataset_id,
            SandboxProject.state == ProjectState.APPROVED.value,
        )
    )
    if budget is None:
        raise NotFound("no approved budget for this project and dataset")
    return budget

"""An organisation's caps: per (organisation, dataset) and per (organisation, privacy unit).

Project budgets alone let an organisation multiply its ε by opening more projects. Two caps stop
that, both set by a steward (defaults from settings) and audited when changed:

* **organisation × dataset** — the project budgets an organisation holds on one dataset are
  *allocated* against this cap at approval (an approval beyond it is refused, naming what is
  left), and every query on the dataset is also charged to it;
* **organisation × privacy unit** — every query on any dataset protecting the same kind of unit
  (``units``: the credit code, the resident ID…) is charged to it, so spending on the tax table
  leaves less for the social-insurance table about the same enterprises.

Rows are created on first need with the default caps. Rows are always locked in ascending id
order (and before any project budget), so concurrent charges and approvals cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, bindparam, select, update
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import now
from lab.db import row_of, rows_matched
from lab.db.models import Dataset, DatasetVersion, DpMetadata, Organisation, OrganisationBudget
from lab.errors import Conflict, InvalidInput, NotFound
from lab.gateway.accounting import MICRO, PICO, delta_units, epsilon_units
from lab.gateway.ledger import BudgetState
from lab.gateway.units import privacy_unit_kind
from lab.settings import LabSettings

_DEFAULTS = LabSettings.model_fields


@dataclass(frozen=True)
class OrganisationCaps:
    """The caps a new organisation-level budget row starts with, in ε and δ."""

    dataset_epsilon: float = _DEFAULTS["org_dataset_epsilon"].default
    dataset_delta: float = _DEFAULTS["org_dataset_delta"].default
    unit_epsilon: float = _DEFAULTS["org_unit_epsilon"].default
    unit_delta: float = _DEFAULTS["org_unit_delta"].default

    @classmethod
    def of(cls, settings: LabSettings) -> OrganisationCaps:
        return cls(
            settings.org_dataset_epsilon,
            settings.org_dataset_delta,
            settings.org_unit_epsilon,
            settings.org_unit_delta,
        )


class CapExceeded(Conflict):
    """An approval or budget change would pass the organisation's cap on a dataset."""

    code = "organisation_cap_exceeded"


def dataset_budget(
    session: Session, *, organisation_id: int, dataset_id: int, caps: OrganisationCaps
) -> OrganisationBudget:
    """The organisation's budget row on a dataset, created with the default cap if missing."""
    cap = (caps.dataset_epsilon, caps.dataset_delta)
    return _found_or_new(session, organisation_id, cap, dataset_id=dataset_id)


def unit_budget(
    session: Session, *, organisation_id: int, unit: str, caps: OrganisationCaps
) -> OrganisationBudget:
    """The organisation's budget row on a privacy-unit kind, created with the default cap."""
    cap = (caps.unit_epsilon, caps.unit_delta)
    return _found_or_new(session, organisation_id, cap, privacy_unit=unit)


def served_unit_budget(
    session: Session, *, organisation_id: int, dataset: Dataset, caps: OrganisationCaps
) -> OrganisationBudget | None:
    """The organisation's row on the privacy unit of ``dataset``'s served version (created with
    the default cap if missing); None while no version with DP metadata is served."""
    version = session.get(DatasetVersion, dataset.current_version_id or 0)
    dp = session.get(DpMetadata, version.id) if version else None
    if dp is None or version is None:
        return None
    unit = privacy_unit_kind(version.classification, dp.privacy_unit)
    return unit_budget(session, organisation_id=organisation_id, unit=unit, caps=caps)


def _found_or_new(
    session: Session, organisation_id: int, cap: tuple[float, float], **scope: int | str
) -> OrganisationBudget:
    found = session.scalar(
        select(OrganisationBudget).filter_by(organisation_id=organisation_id, **scope)
    )
    if found is not None:
        return found
    row = OrganisationBudget(
        organisation_id=organisation_id,
        limit_micro=epsilon_units(cap[0]),
        allocated_micro=0,
        spent_micro=0,
        delta_limit_pico=delta_units(cap[1]),
        delta_allocated_pico=0,
        delta_spent_pico=0,
        updated_at=now(),
        **scope,
    )
    session.add(row)
    session.flush()
    return row


def charge_rows(
    session: Session,
    *,
    organisation_id: int,
    dataset_id: int,
    unit: str,
    caps: OrganisationCaps,
) -> tuple[int, int]:
    """The ids of the (dataset, unit) rows a query charges, committing any it had to create.

    ``session`` must hold no other pending work. A concurrent creation of the same row wins and
    is read back.
    """
    try:
        found = _charge_rows(session, organisation_id, dataset_id, unit, caps)
        session.commit()
    except DbIntegrityError:  # a concurrent first query created a row: it exists now
        session.rollback()
        found = _charge_rows(session, organisation_id, dataset_id, unit, caps)
        session.commit()
    return found


def _charge_rows(
    session: Session, organisation_id: int, dataset_id: int, unit: str, caps: OrganisationCaps
) -> tuple[int, int]:
    on_dataset = dataset_budget(
        session, organisation_id=organisation_id, dataset_id=dataset_id, caps=caps
    )
    on_unit = unit_budget(session, organisation_id=organisation_id, unit=unit, caps=caps)
    return on_dataset.id, on_unit.id


_ALLOCATE = (
    update(OrganisationBudget)
    .where(
        OrganisationBudget.id == bindparam("row"),
        OrganisationBudget.allocated_micro + bindparam("eps", type_=BigInteger)
        <= OrganisationBudget.limit_micro,
        OrganisationBudget.delta_allocated_pico + bindparam("delta", type_=BigInteger)
        <= OrganisationBudget.delta_limit_pico,
    )
    .values(
        allocated_micro=OrganisationBudget.allocated_micro + bindparam("eps", type_=BigInteger),
        delta_allocated_pico=OrganisationBudget.delta_allocated_pico
        + bindparam("delta", type_=BigInteger),
        updated_at=bindparam("at", type_=OrganisationBudget.updated_at.type),
    )
    .execution_options(synchronize_session="fetch")
)


def allocate(
    session: Session, row: OrganisationBudget, *, micro: int, pico: int, what: str
) -> None:
    """Grant ``micro``/``pico`` (negative: give back) of ``row``'s cap, or CapExceeded.

    One conditional update: concurrent approvals can never allocate past the cap.
    """
    done = session.execute(_ALLOCATE, {"row": row.id, "eps": micro, "delta": pico, "at": now()})
    if rows_matched(done) == 1:
        return
    session.refresh(row)
    raise CapExceeded(
        f"the organisation may hold at most {row.limit_micro / MICRO:g} ε "
        f"(δ = {row.delta_limit_pico / PICO:g}) on {what}; "
        f"{(row.limit_micro - row.allocated_micro) / MICRO:g} ε "
        f"(δ = {(row.delta_limit_pico - row.delta_allocated_pico) / PICO:g}) is left to grant"
    )


def set_cap(
    session: Session,
    audit: AuditLog,
    *,
    row: OrganisationBudget,
    epsilon: float,
    actor: str,
    delta: float | None = None,
) -> None:
    """Change an organisation-level cap (δ kept unless given); never below what is held."""
    if not epsilon > 0:
        raise InvalidInput("a cap is a positive ε")
    limit = epsilon_units(epsilon)
    delta_limit = row.delta_limit_pico if delta is None else delta_units(delta)
    held = max(row.allocated_micro, row.spent_micro)
    delta_held = max(row.delta_allocated_pico, row.delta_spent_pico)
    if limit < held or delta_limit < delta_held:
        raise Conflict(
            f"{held / MICRO:g} ε (δ = {delta_held / PICO:g}) is already granted or spent; "
            "the cap cannot be lower"
        )
    old, old_delta = row.limit_micro, row.delta_limit_pico
    row.limit_micro, row.delta_limit_pico, row.updated_at = limit, delta_limit, now()
    audit.append_in(
        session,
        actor=actor,
        action="org_budget.set",
        target=f"org_budget:{row.id}",
        details={
            "organisation": row.organisation_id,
            "scope": scope_label(session, row),
            "from": old / MICRO,
            "to": limit / MICRO,
            "delta_from": old_delta / PICO,
            "delta_to": delta_limit / PICO,
        },
    )


def scope_label(session: Session, row: OrganisationBudget) -> str:
    """``dataset:<slug>`` or ``unit:<kind>`` — how stewards and analysts name a row."""
    if row.dataset_id is not None:
        return f"dataset:{row_of(session, Dataset, row.dataset_id).slug}"
    return f"unit:{row.privacy_unit}"


@dataclass(frozen=True)
class OrganisationLevel:
    """One organisation-level budget as shown: its scope, cap, what is granted and spent."""

    id: int
    scope: str
    state: BudgetState
    allocated: float
    delta_allocated: float


def organisation_levels(session: Session, organisation_id: int) -> list[OrganisationLevel]:
    """Every organisation-level budget of ``organisation_id``, datasets then units."""
    rows = session.scalars(
        select(OrganisationBudget)
        .where(OrganisationBudget.organisation_id == organisation_id)
        .order_by(OrganisationBudget.privacy_unit.is_not(None), OrganisationBudget.id)
    )
    return [level_of(session, row) for row in rows]


def level_of(session: Session, row: OrganisationBudget) -> OrganisationLevel:
    """An organisation budget's standing: scope, state, ε and δ allocated."""
    return OrganisationLevel(
        row.id,
        scope_label(session, row),
        BudgetState.of(row),
        row.allocated_micro / MICRO,
        row.delta_allocated_pico / PICO,
    )


def find_level(session: Session, organisation_id: int, scope: str) -> OrganisationBudget:
    """One of an organisation's rows by ``dataset:<slug>`` or ``unit:<kind>``; else NotFound."""
    if session.get(Organisation, organisation_id) is None:
        raise NotFound(f"no organisation {organisation_id}")
    for row in session.scalars(
        select(OrganisationBudget).where(OrganisationBudget.organisation_id == organisation_id)
    ):
        if scope_label(session, row) == scope:
            return row
    raise NotFound(f"organisation {organisation_id} has no budget on {scope!r}")

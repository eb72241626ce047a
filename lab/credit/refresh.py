"""Recomputing every enterprise's derived features from the published sources, in one commit.

Run by ``datalab credit refresh`` (and by the demo after loading its catalogue) whenever a
source is (re)published. The new features replace the old ones in one transaction, so banks are
served either the previous or the new features, never a mixture.

Both refuse to run on a source mapping the catalogue does not satisfy (``MappingError`` lists
every problem, as ``datalab credit sources check`` does), so a broken mapping never silently
empties a scope.

Penalties whose credit repair (信用修复) a steward approved are left out of every aggregate;
``refresh_enterprise`` recomputes one enterprise at once when such a decision is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lab.clock import now
from lab.credit.aggregates import Selection, aggregate, data_as_of
from lab.credit.features import derive_all, held_scopes
from lab.credit.mapping import SourceMapping
from lab.credit.mapping_check import require_valid
from lab.credit.mapping_store import current_mapping
from lab.credit.sources import opened_sources
from lab.credit.vocabulary import RepairState
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, CreditRepairRequest
from lab.services import LabServices

BATCH = 5000


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh read and wrote."""

    enterprises: int
    sources: tuple[str, ...]
    data_as_of: str


def refresh_profiles(lab: LabServices, *, actor: str) -> RefreshReport:
    """Derive features for every enterprise in the sources and store them (audited)."""
    with lab.sessions() as session:
        repaired = approved_repairs(session)
        mapping = valid_mapping(session)
    with opened_sources(lab, mapping) as paths:
        as_of = data_as_of(paths, now().date())
        frame = aggregate(paths, as_of, Selection(repaired=repaired))
        rows = derive_all(frame, as_of, held_scopes(set(paths))) if len(frame) else iter(())
        count = store_features(lab, rows, as_of, actor=actor, sources=sorted(paths))
    return RefreshReport(count, tuple(sorted(paths)), as_of.isoformat())


def refresh_enterprise(lab: LabServices, credit_code: str, *, actor: str) -> bool:
    """Recompute one enterprise's stored features from the sources now (audited).

    False when the sources hold nothing about it (its stored row, if any, is left as it was).
    """
    with lab.sessions() as session:
        repaired = approved_repairs(session, credit_code)
        mapping = valid_mapping(session)
    with opened_sources(lab, mapping) as paths:
        as_of = data_as_of(paths, now().date())
        selection = Selection(codes=frozenset({credit_code}), repaired=repaired)
        frame = aggregate(paths, as_of, selection)
        rows = list(derive_all(frame, as_of, held_scopes(set(paths)))) if len(frame) else []
    if not rows:
        return False
    ((code, features),) = rows
    with transaction(lab.sessions) as session:
        session.execute(
            delete(CreditProfileFeatures).where(CreditProfileFeatures.credit_code == code)
        )
        session.add(
            CreditProfileFeatures(
                credit_code=code,
                features=features,
                data_as_of=as_of.isoformat(),
                refreshed_at=now(),
            )
        )
        lab.audit.append_in(
            session,
            actor=actor,
            action="credit.refresh.enterprise",
            target=f"enterprise:{code}",
            details={"data_as_of": as_of.isoformat(), "repaired_penalties": len(repaired)},
        )
    return True


def valid_mapping(session: Session) -> SourceMapping:
    """The source mapping in force, refused with every problem listed if the catalogue does
    not satisfy it."""
    mapping = current_mapping(session)
    require_valid(session, mapping)
    return mapping


def approved_repairs(
    session: Session, credit_code: str | None = None
) -> frozenset[tuple[str, str]]:
    """(credit code, penalty 文号) of every approved credit repair (of one enterprise if given)."""
    query = select(CreditRepairRequest.credit_code, CreditRepairRequest.penalty_reference).where(
        CreditRepairRequest.state == RepairState.APPROVED.value
    )
    if credit_code is not None:
        query = query.where(CreditRepairRequest.credit_code == credit_code)
    return frozenset((code, ref) for code, ref in session.execute(query))


def store_features(
    lab: LabServices,
    rows: Iterable[tuple[str, dict[str, Any]]],
    as_of: date,
    *,
    actor: str,
    sources: list[str],
) -> int:
    """Replace every stored feature row with ``rows``; returns how many were written."""
    moment = now()
    count = 0
    with transaction(lab.sessions) as session:
        session.execute(delete(CreditProfileFeatures))
        batch: list[dict[str, Any]] = []
        for code, features in rows:
            batch.append(
                {
                    "credit_code": code,
                    "features": features,
                    "data_as_of": as_of.isoformat(),
                    "refreshed_at": moment,
                }
            )
            if len(batch) == BATCH:
                session.execute(insert(CreditProfileFeatures), batch)
                count, batch = count + len(batch), []
        if batch:
            session.execute(insert(CreditProfileFeatures), batch)
            count += len(batch)
        lab.audit.append_in(
            session,
            actor=actor,
            action="credit.refresh",
            target="credit:profiles",
            details={"enterprises": count, "sources": sources, "data_as_of": as_of.isoformat()},
        )
    return count

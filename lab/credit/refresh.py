"""Recomputing every enterprise's derived features from the published sources, in one commit.

Run by ``datalab credit refresh`` (and by the demo after loading its catalogue) whenever a
source is (re)published. The new features replace the old ones in one transaction, so banks are
served either the previous or the new features, never a mixture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert

from lab.credit.aggregates import aggregate, data_as_of
from lab.credit.features import derive_all, held_scopes
from lab.credit.sources import opened_sources
from lab.db import transaction
from lab.db.models import CreditProfileFeatures
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
    with opened_sources(lab) as paths:
        as_of = data_as_of(paths, datetime.now(UTC).date())
        frame = aggregate(paths, as_of)
        rows = derive_all(frame, as_of, held_scopes(set(paths))) if len(frame) else iter(())
        count = store_features(lab, rows, as_of, actor=actor, sources=sorted(paths))
    return RefreshReport(count, tuple(sorted(paths)), as_of.isoformat())


def store_features(
    lab: LabServices,
    rows: Iterable[tuple[str, dict[str, Any]]],
    as_of: date,
    *,
    actor: str,
    sources: list[str],
) -> int:
    """Replace every stored feature row with ``rows``; returns how many were written."""
    moment = datetime.now(UTC)
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

"""Monitoring the active scorecard: how far today's population has moved from development.

``check_stability`` reads every enterprise's stored model inputs (as of the last refresh), bins
them with the active version, and compares the shares with the development sample stored with
that version: PSI per input and for the score bands. Each check is recorded; one whose score or
any input exceeds ``PSI_ALARM`` raises a ``scorecard_drift`` alarm in the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lab.clock import now
from lab.credit import validation
from lab.credit.model_card import PSI_ALARM
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, CreditScorecard, CreditScorecardCheck
from lab.errors import Conflict
from lab.services import LabServices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StabilityCheck:
    """One recorded check: the version, the population size, the PSI figures, the alarm."""

    version: str
    population: int
    psi: dict[str, Any]
    alarm: bool

    def drifted(self) -> list[str]:
        """The inputs (and ``score``) whose PSI exceeds the alarm level."""
        names = [n for n, v in sorted(self.psi["inputs"].items()) if v > PSI_ALARM]
        return (["score"] if self.psi["score"] > PSI_ALARM else []) + names


def check_stability(lab: LabServices, *, actor: str) -> StabilityCheck:
    """PSI of the current population against the active version's development sample;
    recorded, and audited as an alarm above ``PSI_ALARM``."""
    with transaction(lab.sessions) as session:
        model = session.scalar(select(CreditScorecard).where(CreditScorecard.active))
        if model is None:
            raise Conflict("no active scorecard: run `datalab credit train` first")
        if "development" not in model.validation:
            raise Conflict(f"scorecard {model.version} has no development sample: retrain it")
        rows = session.scalars(select(CreditProfileFeatures.features)).all()
        if not rows:
            raise Conflict("no enterprise has features: run `datalab credit refresh` first")
        current = validation.distribution(model.model, [f["model"] for f in rows])
        psi = validation.stability(model.validation["development"], current)
        check = StabilityCheck(model.version, len(rows), psi, False)
        check = StabilityCheck(model.version, len(rows), psi, bool(check.drifted()))
        session.add(
            CreditScorecardCheck(
                at=now(),
                version=check.version,
                population=check.population,
                psi=psi,
                alarm=check.alarm,
            )
        )
        if check.alarm:
            log.warning("scorecard %s drifted: %s", check.version, ", ".join(check.drifted()))
            lab.audit.append_in(
                session,
                actor=actor,
                action="credit.alarm",
                target=f"scorecard:{check.version}",
                details={"kind": "scorecard_drift", "drifted": check.drifted(), "psi": psi},
            )
    return check


def recent_checks(session, limit: int = 20) -> list[CreditScorecardCheck]:
    """The latest stability checks, newest first."""
    query = select(CreditScorecardCheck).order_by(CreditScorecardCheck.id.desc()).limit(limit)
    return list(session.scalars(query))

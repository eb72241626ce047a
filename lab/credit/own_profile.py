"""The enterprise's own profile: exactly what a bank would be served at ``report`` level with
every scope over the longest window, so the firm sees its data and score before it disputes.

It is built by the bank's own builder (``profiles.build_profile``, which scores with
``scorecard.score``) from the same stored features, open disputes and active scorecard; no
consent is claimed and no bank query is logged, but each view is in the audit log (a credit
read like any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.credit.disputes import OPEN
from lab.credit.profiles import Grant, build_profile
from lab.credit.terms import WINDOW_CHOICES
from lab.credit.vocabulary import Level, Purpose, Scope
from lab.db.models import CreditDispute, CreditProfileFeatures, CreditScorecard

OWN_VIEW = "own-view"
"""The consent id an own profile carries: it is served under no bank's consent."""
FULL_WINDOW = max(WINDOW_CHOICES)


@dataclass(frozen=True)
class OwnProfile:
    """The profile as a bank at ``report`` level would get it, and when its data was stored."""

    profile: dict[str, Any]
    data_as_of: str


def own_grant(credit_code: str) -> Grant:
    """The widest grant a bank can hold: every scope, ``report`` level, the longest window.
    (A profile's content does not depend on the purpose; it is echoed only.)"""
    return Grant(
        credit_code,
        OWN_VIEW,
        Purpose.LOAN_APPLICATION,
        frozenset(Scope),
        Level.REPORT,
        FULL_WINDOW,
    )


def own_profile(
    session: Session, audit: AuditLog, *, credit_code: str, actor: str
) -> OwnProfile | None:
    """The enterprise's profile (None while no features are stored for it); the view is
    audited in the caller's transaction."""
    stored = session.get(CreditProfileFeatures, credit_code)
    audit.append_in(
        session,
        actor=actor,
        action="credit.own_profile.view",
        target=f"enterprise:{credit_code}",
        details={"served": stored is not None},
    )
    if stored is None:
        return None
    disputed = session.scalars(
        select(CreditDispute.item).where(
            CreditDispute.credit_code == credit_code, CreditDispute.state == OPEN
        )
    )
    model = session.scalar(select(CreditScorecard.model).where(CreditScorecard.active))
    profile = build_profile(
        stored.features, stored.data_as_of, own_grant(credit_code), list(disputed), model
    )
    return OwnProfile(profile, stored.data_as_of)

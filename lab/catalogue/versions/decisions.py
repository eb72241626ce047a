"""The steward's decision on a proposed tier: confirm, raise, or lower with a justification.

Raising is always allowed. Lowering needs a written justification (at least
``MIN_JUSTIFICATION`` characters) and is refused where the guide says only de-identification
can lower: a proposal of T3 or stricter may go down to T2 (whose publication builds a
de-identified extract that must pass its k-anonymity gate) or by one step from T4 to T3, never
straight to T1. T5 proposals are rejected at ingest and never reach a decision. Every decision
is in the audit log with the proposal, the tier chosen and the justification. Deciding T3 or
above empties the stored profile of every value (ranges, top values), for good.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from classification import Tier
from lab.audit import AuditLog
from lab.db.engine import forget_overwritten_on_commit
from lab.db.models import DatasetVersion
from lab.errors import Conflict, InvalidInput, PermissionDenied

MIN_JUSTIFICATION = 10


def value_free(entry: dict) -> dict:
    """A stored profile entry (``ColumnProfile.to_json``) with every value-bearing field empty."""
    return {**entry, "min": None, "max": None, "top_values": []}


class VersionState(StrEnum):
    """Where a dataset version is in its life."""

    PROPOSED = "proposed"
    DECIDED = "decided"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    """How the steward's tier relates to the proposed one: confirmed, raised or lowered."""

    CONFIRM = "confirm"
    RAISE = "raise"
    LOWER = "lower"


def decision_for(proposed: Tier, chosen: Tier) -> Decision:
    """The decision that choosing ``chosen`` over ``proposed`` amounts to."""
    if chosen == proposed:
        return Decision.CONFIRM
    return Decision.RAISE if chosen > proposed else Decision.LOWER


def check_lowering(proposed: Tier, chosen: Tier, justification: str) -> None:
    """Refuse a lowering the guide does not allow, or one without a real justification."""
    if len(justification.strip()) < MIN_JUSTIFICATION:
        raise InvalidInput(
            f"lowering {proposed} to {chosen} needs a written justification "
            f"of at least {MIN_JUSTIFICATION} characters"
        )
    if proposed >= Tier.T3 and chosen == Tier.T1:
        raise PermissionDenied(
            f"{proposed} cannot be lowered to T1 by decision: lower it to T2, whose publication "
            "de-identifies the data and must pass the k-anonymity gate"
        )


def decide(
    session: Session,
    audit: AuditLog,
    *,
    version: DatasetVersion,
    tier: Tier,
    justification: str,
    actor: str,
) -> Decision:
    """Record the steward's tier for a proposed (or already decided) version."""
    if version.state not in (VersionState.PROPOSED, VersionState.DECIDED):
        raise Conflict(f"version {version.id} is {version.state}; only proposals can be decided")
    if tier == Tier.T5:
        raise InvalidInput("T5 data is never stored: discard the file instead of deciding T5")
    proposed = Tier(version.proposed_tier)
    decision = decision_for(proposed, tier)
    if decision is Decision.LOWER:
        check_lowering(proposed, tier, justification)
    version.tier, version.justification = tier.value, justification.strip()
    version.deidentification = None  # a new decision needs a new de-identification choice
    if tier >= Tier.T3:
        version.profile = [value_free(entry) for entry in version.profile]
        forget_overwritten_on_commit(session)
    version.decided_by, version.state = actor, VersionState.DECIDED.value
    audit.append_in(
        session,
        actor=actor,
        action=f"classification.{decision.value}",
        target=f"dataset-version:{version.id}",
        details={
            "proposed": proposed.value,
            "tier": tier.value,
            "justification": justification.strip(),
            "guide": version.guide_version,
        },
    )
    return decision

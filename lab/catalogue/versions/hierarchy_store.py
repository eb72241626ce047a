"""The generalisation hierarchies in force: the packaged file, or the newest steward revision.

Stored like the guide's revisions (``guide_store``): each edit is the whole TOML text, validated
before it is kept, audited with the steward's note; the newest wins.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import GuideError
from classification.hierarchies import HierarchySet, load_hierarchies
from lab.audit import AuditLog
from lab.clock import now
from lab.db.models import HierarchyRevision
from lab.errors import InvalidInput


def current_hierarchies(session: Session) -> HierarchySet:
    """The newest steward-edited hierarchies, else the ones shipped beside the guide."""
    latest = session.scalar(
        select(HierarchyRevision).order_by(HierarchyRevision.id.desc()).limit(1)
    )
    return load_hierarchies(latest.text if latest else None)


def save_hierarchies(
    session: Session, audit: AuditLog, *, text: str, actor: str, note: str
) -> HierarchySet:
    """Validate ``text`` and store it as the newest revision (audited with ``note``)."""
    try:
        hierarchies = load_hierarchies(text)
    except GuideError as exc:
        raise InvalidInput(str(exc)) from None
    session.add(
        HierarchyRevision(
            hierarchies_version=hierarchies.version,
            text=text,
            note=note.strip(),
            created_by=actor,
            created_at=now(),
        )
    )
    audit.append_in(
        session,
        actor=actor,
        action="hierarchies.revise",
        target=f"hierarchies:{hierarchies.version}",
        details={"note": note.strip()},
    )
    return hierarchies

"""The classification guide in force: the packaged guide, or the newest steward revision.

Stewards revise it by editing the negative list (``list_negative``, ``unlist_negative``); each
edit is stored as a new revision and audited with the steward's note. The API's routes and the
steward's pages both call these functions.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Category, Guide, GuideError, NegativeEntry, load_guide
from lab.audit import AuditLog
from lab.clock import now
from lab.db import transaction
from lab.db.models import GuideRevision
from lab.errors import InvalidInput
from lab.services import LabServices


def current_guide(session: Session) -> Guide:
    """The newest steward-edited guide, else the one shipped with the product."""
    latest = session.scalar(select(GuideRevision).order_by(GuideRevision.id.desc()).limit(1))
    return load_guide(latest.text if latest else None)


def save_guide(session: Session, audit: AuditLog, *, guide: Guide, actor: str, note: str) -> None:
    """Store ``guide`` as the newest revision (audited with the steward's note)."""
    session.add(
        GuideRevision(
            guide_version=guide.version,
            text=guide.to_toml(),
            note=note,
            created_by=actor,
            created_at=now(),
        )
    )
    audit.append_in(
        session,
        actor=actor,
        action="guide.revise",
        target=f"guide:{guide.version}",
        details={"note": note},
    )


def known_category(guide: Guide, code: str) -> Category | None:
    """``code``'s category in ``guide``, or None (UNMATCHED, or a category it no longer has)."""
    try:
        return guide.category(code)
    except KeyError:
        return None


def revise_guide(lab: LabServices, edit: Callable[[Guide], Guide], note: str, actor: str) -> Guide:
    """Apply ``edit`` to the guide in force and store the result as the newest revision."""
    with transaction(lab.sessions) as session:
        try:
            guide = edit(current_guide(session))
        except GuideError as exc:
            raise InvalidInput(str(exc)) from None
        save_guide(session, lab.audit, guide=guide, actor=actor, note=note)
    return guide


def _audit_note(change: str, note: str) -> str:
    return f"{change}: {note.strip()}" if note.strip() else change


def list_negative(
    lab: LabServices, *, kind: str, value: str, reason: str, note: str, actor: str
) -> Guide:
    """Put a category code or header cue on the negative list (audited with ``note``)."""
    return revise_guide(
        lab,
        lambda guide: guide.with_negative_entry(NegativeEntry(kind, value.strip(), reason.strip())),
        _audit_note(f"negative list + {kind} {value.strip()!r}", note),
        actor,
    )


def unlist_negative(lab: LabServices, *, value: str, note: str, actor: str) -> Guide:
    """Take every entry with ``value`` off the negative list (audited with ``note``)."""
    return revise_guide(
        lab,
        lambda guide: guide.without_negative_entry(value),
        _audit_note(f"negative list - {value!r}", note),
        actor,
    )

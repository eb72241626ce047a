"""The classification guide in force: the packaged guide, or the newest steward revision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Category, Guide, load_guide
from lab.audit import AuditLog
from lab.db.models import GuideRevision
from lab.identity.accounts import now


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

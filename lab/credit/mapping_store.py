"""The credit source mapping in force: the shipped mapping, or the newest steward revision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import now
from lab.credit.mapping import SourceMapping, parse_mapping, shipped_mapping
from lab.db.models import CreditSourceMappingRevision


def current_mapping(session: Session) -> SourceMapping:
    """The newest steward-edited mapping, else the one shipped with the product."""
    latest = session.scalar(
        select(CreditSourceMappingRevision).order_by(CreditSourceMappingRevision.id.desc()).limit(1)
    )
    return parse_mapping(latest.text) if latest else shipped_mapping()


def save_mapping(
    session: Session, audit: AuditLog, *, mapping: SourceMapping, actor: str, note: str
) -> None:
    """Store ``mapping`` as the newest revision (audited with the steward's note)."""
    session.add(
        CreditSourceMappingRevision(
            mapping_version=mapping.version,
            text=mapping.text,
            note=note,
            created_by=actor,
            created_at=now(),
        )
    )
    audit.append_in(
        session,
        actor=actor,
        action="credit.sources.revise",
        target=f"credit-sources:{mapping.version}",
        details={"note": note, "datasets": list(mapping.datasets())},
    )

"""What an enterprise sees of the requests about it: who asked, why, when, for what level."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.db.models import CreditQuery, Organisation

LIMIT = 500


def queries_about(session: Session, credit_code: str, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The latest bank requests naming ``credit_code``, served or denied, newest first."""
    rows = session.execute(
        select(CreditQuery, Organisation.name)
        .join(Organisation, Organisation.id == CreditQuery.bank_org_id)
        .where(CreditQuery.credit_code == credit_code)
        .order_by(CreditQuery.at.desc(), CreditQuery.id.desc())
        .limit(limit)
    )
    return [
        {
            "at": query.at,
            "bank": bank,
            "operator": query.operator,
            "purpose": query.purpose,
            "level": query.level,
            "served": query.served,
        }
        for query, bank in rows
    ]

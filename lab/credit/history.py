"""The credit query log as its parties see it: an enterprise, the requests about it (who asked,
why, when, for what level); a bank, its own requests and whether each was served."""

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


def requests_of_bank(session: Session, bank_id: int, limit: int = LIMIT) -> list[CreditQuery]:
    """The bank's own latest profile requests, served or denied, newest first."""
    query = (
        select(CreditQuery)
        .where(CreditQuery.bank_org_id == bank_id)
        .order_by(CreditQuery.at.desc(), CreditQuery.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))

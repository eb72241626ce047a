"""Who acts in a credit flow: the enterprise admin for their firm, the operator for their bank."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.db.models import Organisation
from lab.errors import InternalError, InvalidInput, PermissionDenied
from lab.identity import OrganisationKind, Principal, Role


def acting_enterprise(session: Session, principal: Principal) -> Organisation:
    """The enterprise a signed-in enterprise admin speaks for; refused for anyone else."""
    principal.require_role(Role.ENTERPRISE_ADMIN)
    org = (
        session.get(Organisation, principal.organisation_id) if principal.organisation_id else None
    )
    if org is None or org.kind != OrganisationKind.ENTERPRISE or not org.credit_code:
        raise PermissionDenied("this account does not belong to an enterprise with a credit code")
    return org


def credit_code_of(enterprise: Organisation) -> str:
    """The credit code of an enterprise ``acting_enterprise`` admitted; InternalError if none."""
    if not enterprise.credit_code:
        raise InternalError(f"enterprise {enterprise.id} acts without a credit code")
    return enterprise.credit_code


def acting_bank(session: Session, principal: Principal) -> Organisation:
    """The bank a bank operator works for; refused for anyone else."""
    principal.require_role(Role.BANK_OPERATOR)
    org = (
        session.get(Organisation, principal.organisation_id) if principal.organisation_id else None
    )
    if org is None or org.kind != OrganisationKind.BANK:
        raise PermissionDenied("this account does not belong to a bank")
    return org


def bank_named(session: Session, name: str) -> Organisation:
    """A bank by its registered name, for an enterprise granting it a consent."""
    org = session.scalar(select(Organisation).where(Organisation.name == name.strip()))
    if org is None or org.kind != OrganisationKind.BANK:
        raise InvalidInput(f"no bank named {name.strip()!r} is registered with the lab")
    return org


def registered_banks(session: Session) -> list[Organisation]:
    """Banks an enterprise may choose from (banks are public parties, unlike enterprises)."""
    query = select(Organisation).where(Organisation.kind == OrganisationKind.BANK.value)
    return list(session.scalars(query.order_by(Organisation.name)))

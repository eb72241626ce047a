"""Roles and organisation kinds: the closed vocabularies of who may do what."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do in the lab."""

    PUBLIC = "public"
    APPLICANT = "applicant"
    ANALYST = "analyst"
    BANK_OPERATOR = "bank_operator"
    ENTERPRISE_ADMIN = "enterprise_admin"
    STEWARD = "steward"
    AUDITOR = "auditor"
    ADMIN = "admin"


class OrganisationKind(StrEnum):
    """The kinds of organisation a user may belong to."""

    ENTERPRISE = "enterprise"
    BANK = "bank"
    DEPARTMENT = "department"
    BUREAU = "bureau"


class TokenKind(StrEnum):
    """Why a token exists: scripted API use, a browser session, or a sandbox kernel."""

    API = "api"
    SESSION = "session"
    SANDBOX = "sandbox"


def parse_role(text: str) -> Role:
    """The role named ``text``; InvalidInput listing the roles otherwise."""
    try:
        return Role(text)
    except ValueError:
        from lab.errors import InvalidInput

        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {text!r}; expected one of: {choices}") from None

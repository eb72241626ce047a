"""Who is who: users, organisations, roles, hashed tokens and password logins.

* ``roles``          — Role, OrganisationKind, TokenKind.
* ``passwords``      — argon2id hashing.
* ``tokens``         — minting and checking ``cdl_<prefix>_<secret>`` tokens.
* ``accounts``       — creating organisations, users and tokens (audited).
* ``authentication`` — credentials → Principal; password sign-in in short steps.
* ``signin``         — signing in and out, each step in a short transaction of its own.
* ``throttle``       — sign-in attempts limited per address and account, slowed per username.
* ``refusals``       — refused sign-ins audited as counts per time window.
* ``signin_guard``   — the policy every password form shares: throttle first, count refusals.
"""

from lab.identity.authentication import (
    Principal,
    StoredPassword,
    authenticate_token,
    is_sandbox_token,
    open_web_session,
    password_accepted,
    stored_password,
)
from lab.identity.roles import OrganisationKind, Role, TokenKind

__all__ = [
    "OrganisationKind",
    "Principal",
    "Role",
    "StoredPassword",
    "TokenKind",
    "authenticate_token",
    "is_sandbox_token",
    "open_web_session",
    "password_accepted",
    "stored_password",
]

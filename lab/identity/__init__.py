"""Who is who: users, organisations, roles, hashed tokens and password logins.

* ``roles``          — Role, OrganisationKind, TokenKind.
* ``passwords``      — argon2id hashing.
* ``tokens``         — minting and checking ``cdl_<prefix>_<secret>`` tokens.
* ``accounts``       — creating organisations, users and tokens (audited).
* ``authentication`` — credentials → Principal.
"""

from lab.identity.authentication import Principal, authenticate_token, login
from lab.identity.roles import OrganisationKind, Role, TokenKind

__all__ = ["OrganisationKind", "Principal", "Role", "TokenKind", "authenticate_token", "login"]

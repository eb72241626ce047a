"""API tokens: minted once, stored as a lookup prefix plus a SHA-256 hash of the secret.

A token reads ``cdl_<prefix>_<secret>``: the prefix (8 hex chars) finds the row, the secret
(32 random bytes, URL-safe) is compared by hash in constant time. Tokens are high-entropy, so a
fast hash is enough; the plain token is shown once to its owner and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

TOKEN_PATTERN = re.compile(r"cdl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")
_PARSE = re.compile(r"^cdl_(?P<prefix>[0-9a-f]{8})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class MintedToken:
    """A freshly minted token: ``plain`` goes to its owner, the rest to the database."""

    plain: str
    prefix: str
    secret_hash: str

    def __repr__(self) -> str:
        return f"MintedToken(prefix={self.prefix!r}, plain=<hidden>)"


def mint_token() -> MintedToken:
    """A new API token: its plain text (shown once), lookup prefix and hash."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return MintedToken(f"cdl_{prefix}_{secret}", prefix, hash_secret(secret))


def hash_secret(secret: str) -> str:
    """The stored SHA-256 of a token's secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(plain: str) -> tuple[str, str] | None:
    """(prefix, secret) if ``plain`` is shaped like a token, else None."""
    match = _PARSE.match(plain.strip())
    return (match["prefix"], match["secret"]) if match else None


def secret_matches(secret: str, stored_hash: str) -> bool:
    """True if ``secret`` hashes to ``stored_hash`` (constant-time compare)."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)

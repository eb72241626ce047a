"""Signed, expiring URLs for objects of the local store, served by ``GET /objects/{key}``.

A URL carries ``expires`` (unix seconds) and ``signature``: HMAC-SHA256 over the key and the
expiry, under a key derived from the lab's secret for this one purpose. Verification compares in
constant time and answers every failure with the same generic message.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from lab.clock import timestamp
from lab.errors import ConfigurationError, InvalidInput, PermissionDenied

MAX_EXPIRES_SECONDS = 7 * 24 * 3600
_PURPOSE = b"datalab/object-url/v1"
_REFUSED = "this download link is invalid or has expired"


def check_expiry(expires_seconds: int) -> int:
    """Return ``expires_seconds`` if it is a usable link lifetime (1 s to 7 days)."""
    if not 1 <= expires_seconds <= MAX_EXPIRES_SECONDS:
        raise InvalidInput(
            f"a link lifetime must be 1 to {MAX_EXPIRES_SECONDS} seconds, got {expires_seconds}"
        )
    return expires_seconds


@dataclass(frozen=True)
class ObjectUrlSigner:
    """Makes and checks the signed URLs of local objects."""

    secret: bytes = field(repr=False)
    base_url: str

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ConfigurationError("signed object URLs need a secret key of at least 16 bytes")

    def sign(self, key: str, expires: int) -> str:
        """The hex signature that lets ``key`` be fetched until unix time ``expires``."""
        purpose_key = hmac.new(self.secret, _PURPOSE, hashlib.sha256).digest()
        message = f"{key}\n{expires}".encode()
        return hmac.new(purpose_key, message, hashlib.sha256).hexdigest()

    def url_for(self, key: str, expires_seconds: int, *, now: float | None = None) -> str:
        """A URL that fetches ``key`` for the next ``expires_seconds`` seconds."""
        issued = timestamp() if now is None else now
        expires = int(issued) + check_expiry(expires_seconds)
        query = urlencode({"expires": expires, "signature": self.sign(key, expires)})
        return f"{self.base_url.rstrip('/')}/objects/{quote(key, safe='/')}?{query}"

    def verify(self, key: str, expires: int, signature: str, now: float | None = None) -> None:
        """Raise PermissionDenied unless ``signature`` is valid for ``key`` and not yet expired."""
        checked_at = timestamp() if now is None else now
        expected = self.sign(key, expires)
        valid = hmac.compare_digest(expected.encode(), signature.encode())
        if not valid or expires < checked_at:
            raise PermissionDenied(_REFUSED)

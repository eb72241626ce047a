"""Named Ed25519 signing keys with key ids, and the set of them the lab publishes.

Every key has a ``name`` saying what it signs (``extract-manifest``, ``credit-consent``,
``audit-checkpoint``), a key
id (``kid``: the first 16 hex digits of the SHA-256 of its raw public key) and a status. Each name
has exactly one ``active`` key, which signs; ``retired`` keys hold no private part and stay in the
set only so that what they signed still verifies. ``KeySet.to_jwks`` is the public view (RFC 7517
key set, RFC 8037 ``OKP``/``Ed25519`` keys) that outsiders verify against.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lab.errors import ConfigurationError, IntegrityError

MANIFEST_KEY = "extract-manifest"
CONSENT_KEY = "credit-consent"
AUDIT_KEY = "audit-checkpoint"
KEY_NAMES = (MANIFEST_KEY, CONSENT_KEY, AUDIT_KEY)
ACTIVE = "active"
RETIRED = "retired"
ALGORITHM = "Ed25519"


def raw_public(private: Ed25519PrivateKey) -> bytes:
    """The 32 raw bytes of ``private``'s public key."""
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(public_raw: bytes) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def b64url(raw: bytes) -> str:
    """Unpadded base64url, as JWK ``x`` values are written."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True, repr=False)
class SigningKey:
    """One named key; ``private`` is None once it is retired (verification only)."""

    name: str
    public_raw: bytes
    status: str
    created_at: str
    origin: str
    private: Ed25519PrivateKey | None = None
    retired_at: str | None = None

    def __post_init__(self) -> None:
        if self.status not in (ACTIVE, RETIRED) or len(self.public_raw) != 32:
            raise ConfigurationError(f"signing key {self.name!r} is malformed")
        if (self.status == ACTIVE) != (self.private is not None):
            raise ConfigurationError(
                f"signing key {self.kid} of {self.name!r}: an active key "
                "must hold its private part and a retired one must not"
            )
        if self.private is not None and raw_public(self.private) != self.public_raw:
            raise ConfigurationError(f"signing key {self.kid}: private and public parts differ")

    def __repr__(self) -> str:
        return f"SigningKey(name={self.name!r}, kid={self.kid!r}, status={self.status!r})"

    @property
    def kid(self) -> str:
        """The key id."""
        return key_id_of(self.public_raw)

    def to_jwk(self) -> dict[str, Any]:
        """The public key as a JWK, with the lab's name and status for it."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.kid,
            "x": b64url(self.public_raw),
            "name": self.name,
            "status": self.status,
            "created_at": self.created_at,
            "retired_at": self.retired_at,
        }


@dataclass(frozen=True)
class Signature:
    """Which key signed, and the raw Ed25519 signature."""

    kid: str
    value: bytes


@dataclass(frozen=True)
class KeySet:
    """Every signing key the lab has had, active and retired."""

    keys: tuple[SigningKey, ...]

    def __post_init__(self) -> None:
        kids = [k.kid for k in self.keys]
        if len(set(kids)) != len(kids):
            raise ConfigurationError("the signing key set repeats a key id")
        for name in {k.name for k in self.keys}:
            if sum(k.name == name and k.status == ACTIVE for k in self.keys) != 1:
                raise ConfigurationError(f"signing key {name!r} must have exactly one active key")

    def active(self, name: str) -> SigningKey:
        """The key that signs for ``name`` now."""
        for key in self.keys:
            if key.name == name and key.status == ACTIVE:
                return key
        raise ConfigurationError(f"no active signing key {name!r}: run `datalab keys signing`")

    def find(self, name: str, kid: str) -> SigningKey:
        """The key ``kid`` of ``name``, active or retired; IntegrityError if the lab has none."""
        for key in self.keys:
            if key.name == name and key.kid == kid:
                return key
        raise IntegrityError(f"key {kid!r} is not one of the lab's {name} keys")

    def sign(self, name: str, body: bytes) -> Signature:
        """Sign ``body`` with the active key of ``name``."""
        key = self.active(name)
        assert key.private is not None  # an active key always holds it (checked on creation)
        return Signature(key.kid, key.private.sign(body))

    def verify(self, name: str, kid: str, body: bytes, signature: bytes) -> SigningKey:
        """The key that made ``signature`` over ``body``; IntegrityError if it does not hold."""
        key = self.find(name, kid)
        try:
            Ed25519PublicKey.from_public_bytes(key.public_raw).verify(signature, body)
        except InvalidSignature:
            raise IntegrityError(f"the signature does not verify under {name} key {kid}") from None
        return key

    def to_jwks(self) -> dict[str, Any]:
        """The public key set, oldest first, as published at ``/.well-known/jwks.json``."""
        return {"keys": [key.to_jwk() for key in self.keys]}

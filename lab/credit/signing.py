"""Consent signatures: Ed25519 over canonical JSON, and receipts an enterprise verifies offline.

The lab holds one Ed25519 key (a 0600 PEM file made on first use, or the file a setting names).
A receipt carries the signed consent fields, the signature and the lab's public key with its id;
``verify_receipt`` needs nothing but the receipt (and, to pin the signer, the lab's published
public key), so any edited field — a scope added, a date moved, the bank swapped — fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lab.audit.chain import canonical_details
from lab.crypto.signing_keys import load_or_create_ed25519_key
from lab.errors import IntegrityError, InvalidInput

ALGORITHM = "Ed25519"
RECEIPT_FIELDS = ("algorithm", "consent", "key_id", "public_key", "signature")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise IntegrityError(f"the receipt's {what} is not base64") from None


def key_id_of(public_raw: bytes) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def canonical_bytes(consent: Mapping[str, Any]) -> bytes:
    """The exact bytes signed: sorted keys, no spaces, UTF-8."""
    return canonical_details(consent).encode()


@dataclass(frozen=True)
class ConsentReceipt:
    """What the enterprise keeps: the signed consent fields and how to check them."""

    consent: dict[str, Any]
    signature: str
    key_id: str
    public_key: str
    algorithm: str = ALGORITHM

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "consent": self.consent,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }


class ConsentSigner:
    """Signs consents with the lab's private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = key_id_of(self.public_raw)

    @property
    def public_key(self) -> str:
        return _b64(self.public_raw)

    def sign(self, consent: Mapping[str, Any]) -> ConsentReceipt:
        signature = self._key.sign(canonical_bytes(consent))
        return ConsentReceipt(dict(consent), _b64(signature), self.key_id, self.public_key)


def load_signer(path: Path) -> ConsentSigner:
    """The signer whose key is at ``path``; a new key is written there (0600) the first time."""
    return ConsentSigner(load_or_create_ed25519_key(path))


def parse_receipt(raw: str | bytes | Mapping[str, Any]) -> ConsentReceipt:
    """A receipt from its JSON form; malformed receipts are refused with what is wrong."""
    data = json.loads(raw) if isinstance(raw, str | bytes) else dict(raw)
    if not isinstance(data, dict) or sorted(data) != sorted(RECEIPT_FIELDS):
        raise InvalidInput(f"a receipt is a JSON object with exactly: {', '.join(RECEIPT_FIELDS)}")
    if not isinstance(data["consent"], dict):
        raise InvalidInput("the receipt's consent must be a JSON object")
    return ConsentReceipt(
        data["consent"],
        str(data["signature"]),
        str(data["key_id"]),
        str(data["public_key"]),
        str(data["algorithm"]),
    )


def verify_receipt(receipt: ConsentReceipt, trusted_public_key: str | None = None) -> None:
    """Raise IntegrityError unless the receipt's signature holds for exactly its fields.

    With ``trusted_public_key`` (base64, as ``GET /api/credit/signing-key`` publishes it) the
    receipt must also have been signed by that key, not by any key it carries itself.
    """
    if receipt.algorithm != ALGORITHM:
        raise IntegrityError(f"unsupported signature algorithm {receipt.algorithm!r}")
    public_raw = _unb64(receipt.public_key, "public key")
    if trusted_public_key is not None and public_raw != _unb64(trusted_public_key, "trusted key"):
        raise IntegrityError("the receipt was not signed by the trusted lab key")
    if key_id_of(public_raw) != receipt.key_id:
        raise IntegrityError("the receipt's key id does not match its public key")
    try:
        public = Ed25519PublicKey.from_public_bytes(public_raw)
        public.verify(_unb64(receipt.signature, "signature"), canonical_bytes(receipt.consent))
    except (InvalidSignature, ValueError):
        raise IntegrityError("the receipt's signature does not match its fields") from None


_signers: dict[Path, ConsentSigner] = {}


def lab_signer(path: Path) -> ConsentSigner:
    """The process's signer for the key at ``path`` (loaded, or created, once)."""
    if path not in _signers:
        _signers[path] = load_signer(path)
    return _signers[path]

"""Consent receipts: the signed consent fields an enterprise keeps and verifies offline.

A consent is signed as RFC 8785 canonical JSON with the lab's active ``credit-consent`` key
(``lab.signing``). A receipt carries the signed fields, the signature and the signing key's id and
public key, so ``verify_receipt`` needs nothing but the receipt — and, to pin the signer, the
lab's published key set (``/.well-known/jwks.json``, which keeps rotated keys) or one public key.
Any edited field — a scope added, a date moved, the bank swapped — fails.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lab.audit.chain import canonical_details
from lab.errors import IntegrityError, InvalidInput
from lab.signing import ALGORITHM, CONSENT_KEY, KeySet, SigningKeyStore, canonical_json, key_id_of

RECEIPT_FIELDS = ("algorithm", "consent", "key_id", "public_key", "signature")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError(f"the receipt's {what} is not base64") from None


def canonical_bytes(consent: Mapping[str, Any]) -> bytes:
    """The exact bytes signed: the consent fields as RFC 8785 canonical JSON."""
    return canonical_json(dict(consent))


def _signed_forms(consent: Mapping[str, Any]) -> list[bytes]:
    """The byte forms a receipt may be signed over: RFC 8785, then (older receipts) the form
    earlier versions signed — sorted keys, no spaces — where that differs."""
    forms = [canonical_bytes(consent)]
    earlier = canonical_details(consent).encode()
    return forms if earlier in forms else [*forms, earlier]


@dataclass(frozen=True)
class ConsentReceipt:
    """What the enterprise keeps: the signed consent fields and how to check them."""

    consent: dict[str, Any]
    signature: str
    key_id: str
    public_key: str
    algorithm: str = ALGORITHM

    def to_json(self) -> dict[str, Any]:
        """The receipt as the JSON object an enterprise downloads."""
        return {
            "algorithm": self.algorithm,
            "consent": self.consent,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }


class ConsentSigner:
    """Signs consents with the lab's active consent key; knows the retired ones' public keys."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.key_id = keys.active(CONSENT_KEY).kid

    @property
    def public_key(self) -> str:
        """The active consent key, base64."""
        return _b64(self.keys.active(CONSENT_KEY).public_raw)

    def public_key_of(self, key_id: str) -> str:
        """The consent key ``key_id`` (active or retired), base64; IntegrityError if unknown."""
        return _b64(self.keys.find(CONSENT_KEY, key_id).public_raw)

    def sign(self, consent: Mapping[str, Any]) -> ConsentReceipt:
        """The receipt of ``consent`` signed now."""
        signature = self.keys.sign(CONSENT_KEY, canonical_bytes(consent))
        return ConsentReceipt(
            dict(consent), _b64(signature.value), signature.kid, self.public_key_of(signature.kid)
        )


def lab_signer(store: SigningKeyStore) -> ConsentSigner:
    """The signer over the lab's current signing keys."""
    return ConsentSigner(store.current())


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


def verify_receipt(receipt: ConsentReceipt, trusted: KeySet | str | None = None) -> None:
    """Raise IntegrityError unless the receipt's signature holds for exactly its fields.

    With ``trusted`` the receipt must also have been signed by a key the lab vouches for: one of
    the consent keys of its key set (rotated ones included), or the one base64 public key given
    (as ``GET /api/credit/signing-key`` publishes the active one) — not by any key it carries.
    """
    if receipt.algorithm != ALGORITHM:
        raise IntegrityError(f"unsupported signature algorithm {receipt.algorithm!r}")
    public_raw = _unb64(receipt.public_key, "public key")
    if key_id_of(public_raw) != receipt.key_id:
        raise IntegrityError("the receipt's key id does not match its public key")
    if isinstance(trusted, KeySet):
        trusted = _b64(trusted.find(CONSENT_KEY, receipt.key_id).public_raw)
    if trusted is not None and public_raw != _unb64(trusted, "trusted key"):
        raise IntegrityError("the receipt was not signed by the trusted lab key")
    signature = _unb64(receipt.signature, "signature")
    try:
        public = Ed25519PublicKey.from_public_bytes(public_raw)
    except ValueError:
        raise IntegrityError("the receipt's public key is not an Ed25519 key") from None
    for body in _signed_forms(receipt.consent):
        try:
            public.verify(signature, body)
            return
        except InvalidSignature:
            continue
    raise IntegrityError("the receipt's signature does not match its fields")

"""The signed manifest that travels with every T2 extract copy.

The manifest names the download record, recipient, dataset version and the data file's
SHA-256; it is signed with Ed25519 under a key derived from the lab's secret for this one
purpose, so anyone holding the public key (shown on the portal's API page) can check that a
manifest is the lab's, and nobody can forge one naming another recipient.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lab.errors import IntegrityError

MANIFEST_NAME = "MANIFEST.json"
SIGNATURE_NAME = "MANIFEST.sig"
MANIFEST_FORMAT = "datalab-extract-manifest/1"
_PURPOSE = b"datalab/extract-manifest-signing/v1"


def signing_key(secret_key: bytes) -> Ed25519PrivateKey:
    seed = hmac.new(secret_key, _PURPOSE, hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(secret_key: bytes) -> str:
    """The manifest-signing public key, hex-encoded, for publishing."""
    raw = signing_key(secret_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return raw.hex()


def canonical(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode()


def sign(secret_key: bytes, manifest: dict) -> tuple[bytes, bytes]:
    """(manifest bytes, base64 signature) for ``manifest``."""
    body = canonical({"format": MANIFEST_FORMAT, **manifest})
    return body, base64.b64encode(signing_key(secret_key).sign(body))


def verify(public_key: str, body: bytes, signature: bytes) -> dict:
    """The manifest if ``signature`` is valid under ``public_key``; IntegrityError otherwise."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(base64.b64decode(signature.strip(), validate=True), body)
    except (InvalidSignature, ValueError):
        raise IntegrityError("the manifest's signature does not verify") from None
    return json.loads(body)

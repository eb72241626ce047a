"""Keys from before the signing key file, imported once when the file is made (or, for a name
a file of an earlier version lacks, when that name is added).

* The extract-manifest key used to be derived from ``DATALAB_SECRET_KEY`` (HMAC-SHA256 of a fixed
  label as the Ed25519 seed). Its public half is imported as a *retired* key, so every manifest
  signed before the upgrade still verifies; its private half is never stored, and the lab stops
  signing with it — rotating the secret key no longer touches manifest keys.
* The credit-consent key was a PEM file (``DATALAB_CREDIT_SIGNING_KEY_FILE``). It is imported as
  the *active* consent key, so receipts keep their key id until the first rotation.
* The audit-checkpoint key was a PEM file too (``DATALAB_AUDIT_SIGNING_KEY_FILE``). It is imported
  as the *active* audit key, so checkpoints signed before the upgrade still verify and new ones
  are signed by the same key until the first rotation.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.errors import IntegrityError
from lab.signing.keys import ACTIVE, AUDIT_KEY, CONSENT_KEY, MANIFEST_KEY, SigningKey, raw_public
from lab.signing.store import retire, utc_stamp

_MANIFEST_PURPOSE = b"datalab/extract-manifest-signing/v1"
DERIVED_ORIGIN = "derived from DATALAB_SECRET_KEY (before signing keys); verification only"


def derived_manifest_key(secret_key: bytes) -> Ed25519PrivateKey:
    """The manifest key as versions before the signing key file derived it from the secret."""
    seed = hmac.new(secret_key, _MANIFEST_PURPOSE, hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def legacy_keys(secret_key: bytes, consent_pem: Path, audit_pem: Path) -> list[SigningKey]:
    """The keys to import: the derived manifest key, the consent PEM, the audit PEM."""
    derived = derived_manifest_key(secret_key)
    stamp = utc_stamp()
    keys = [
        retire(
            SigningKey(MANIFEST_KEY, raw_public(derived), ACTIVE, stamp, DERIVED_ORIGIN, derived)
        )
    ]
    for name, pem_file in ((CONSENT_KEY, consent_pem), (AUDIT_KEY, audit_pem)):
        if pem_file.exists():
            pem = _pem_key(pem_file)
            origin = f"imported from {pem_file}"
            keys.append(SigningKey(name, raw_public(pem), ACTIVE, stamp, origin, pem))
    return keys


def _pem_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError(f"{path} does not hold an Ed25519 private key")
    return key

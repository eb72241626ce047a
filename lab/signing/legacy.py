"""Keys from before the signing key file, imported once when the file is made.

* The extract-manifest key used to be derived from ``DATALAB_SECRET_KEY`` (HMAC-SHA256 of a fixed
  label as the Ed25519 seed). Its public half is imported as a *retired* key, so every manifest
  signed before the upgrade still verifies; its private half is never stored, and the lab stops
  signing with it — rotating the secret key no longer touches manifest keys.
* The credit-consent key was a PEM file (``DATALAB_CREDIT_SIGNING_KEY_FILE``). It is imported as
  the *active* consent key, so receipts keep their key id until the first rotation.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.errors import IntegrityError
from lab.signing.keys import ACTIVE, CONSENT_KEY, MANIFEST_KEY, SigningKey, raw_public
from lab.signing.store import retire, utc_stamp

_MANIFEST_PURPOSE = b"datalab/extract-manifest-signing/v1"
DERIVED_ORIGIN = "derived from DATALAB_SECRET_KEY (before signing keys); verification only"


def derived_manifest_key(secret_key: bytes) -> Ed25519PrivateKey:
    """The manifest key as versions before the signing key file derived it from the secret."""
    seed = hmac.new(secret_key, _MANIFEST_PURPOSE, hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def legacy_keys(secret_key: bytes, consent_pem: Path) -> list[SigningKey]:
    """The keys to import into a new key file: the derived manifest key, the consent PEM."""
    derived = derived_manifest_key(secret_key)
    stamp = utc_stamp()
    keys = [
        retire(
            SigningKey(MANIFEST_KEY, raw_public(derived), ACTIVE, stamp, DERIVED_ORIGIN, derived)
        )
    ]
    if consent_pem.exists():
        pem = serialization.load_pem_private_key(consent_pem.read_bytes(), password=None)
        if not isinstance(pem, Ed25519PrivateKey):
            raise IntegrityError(f"{consent_pem} does not hold an Ed25519 private key")
        origin = f"imported from {consent_pem}"
        keys.append(SigningKey(CONSENT_KEY, raw_public(pem), ACTIVE, stamp, origin, pem))
    return keys

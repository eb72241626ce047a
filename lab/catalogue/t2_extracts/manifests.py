"""The signed manifest that travels with every T2 extract copy.

The manifest names the download record, recipient, dataset version and the data file's
SHA-256. Its bytes are RFC 8785 canonical JSON signed with the lab's active ``extract-manifest``
key (``lab.signing``); the manifest names that key's id (``kid``), and the lab publishes every
manifest key it has had at ``/.well-known/jwks.json``, so anyone can check that a manifest is the
lab's, and nobody can forge one naming another recipient. Manifests of earlier versions
(``…/1``: indented JSON, no ``kid``) are checked under the key their ``public_key`` names.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from lab.errors import IntegrityError
from lab.signing import MANIFEST_KEY, KeySet, canonical_json, key_id_of

MANIFEST_NAME = "MANIFEST.json"
SIGNATURE_NAME = "MANIFEST.sig"
MANIFEST_FORMAT = "datalab-extract-manifest/2"
KEYS_PATH = "/.well-known/jwks.json"


def public_key_hex(keys: KeySet) -> str:
    """The active manifest-signing public key, hex-encoded, for publishing."""
    return keys.active(MANIFEST_KEY).public_raw.hex()


def sign(keys: KeySet, manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    """(manifest bytes, base64 signature) for ``manifest``, under the active manifest key."""
    key = keys.active(MANIFEST_KEY)
    body = canonical_json(
        {
            "format": MANIFEST_FORMAT,
            **manifest,
            "kid": key.kid,
            "public_key": key.public_raw.hex(),
            "keys": KEYS_PATH,
        }
    )
    return body, base64.b64encode(keys.sign(MANIFEST_KEY, body).value)


def verify(keys: KeySet, body: bytes, signature: bytes) -> dict[str, Any]:
    """The manifest if ``signature`` holds under one of the lab's manifest keys.

    IntegrityError if it does not, or if the key it names is not one the lab has published.
    """
    manifest = _parse(body)
    try:
        raw_signature = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError("the manifest's signature is not base64") from None
    keys.verify(MANIFEST_KEY, _kid(manifest), body, raw_signature)
    return manifest


def _parse(body: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(body)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        raise IntegrityError("the manifest is not a JSON object")
    return manifest


def _kid(manifest: dict[str, Any]) -> str:
    """The signing key's id: named by the manifest, or (format 1) derived from its public key."""
    if isinstance(manifest.get("kid"), str):
        return manifest["kid"]
    try:
        return key_id_of(bytes.fromhex(str(manifest["public_key"])))
    except (KeyError, ValueError):
        raise IntegrityError("the manifest names no signing key") from None

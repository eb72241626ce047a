"""One signing story: named Ed25519 keys with key ids, RFC 8785 JSON, rotation, a public key set.

* ``canonical``: ``canonical_json``, the RFC 8785 (JCS) bytes every signed document is made of;
* ``keys``: ``SigningKey`` and ``KeySet`` (sign with the active key of a name, verify by key id,
  publish as a JWKS);
* ``store``: ``SigningKeyStore``, the 0600 key file in the secrets folder, created on first use
  and rotated (``datalab keys rotate-signing NAME``, under a file lock); retired keys keep only
  their public half;
* ``legacy``: the keys of earlier versions (the derived manifest key, the consent and audit
  PEM files), imported once when the key file is made or given a name it lacked.

Extract manifests (``lab.catalogue.t2_extracts.manifests``), credit-consent receipts
(``lab.credit.signing``) and audit checkpoints (``lab.audit.checkpoints``) are all signed here;
``GET /.well-known/jwks.json`` publishes the set.
"""

from lab.signing.canonical import canonical_json
from lab.signing.keys import (
    ALGORITHM,
    AUDIT_KEY,
    CONSENT_KEY,
    KEY_NAMES,
    MANIFEST_KEY,
    KeySet,
    Signature,
    SigningKey,
    key_id_of,
)
from lab.signing.store import SigningKeyStore

__all__ = [
    "ALGORITHM",
    "AUDIT_KEY",
    "CONSENT_KEY",
    "KEY_NAMES",
    "MANIFEST_KEY",
    "KeySet",
    "Signature",
    "SigningKey",
    "SigningKeyStore",
    "canonical_json",
    "key_id_of",
]

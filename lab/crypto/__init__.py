"""Encryption at rest for restricted objects: AES-256-GCM envelope encryption with rotatable keys.

* ``envelope``: the chunked stream format (one data key per object version, each chunk
  authenticated and bound to its position);
* ``keyring``: key-encryption keys from ``DATALAB_KEK`` or the 0600 keyring file; wraps data keys;
* ``sealed_store``: ``SealedObjectStore``, an object store wrapper that seals objects, publishes
  them, decrypts into an in-memory file, and rotates (re-wraps) without rewriting data.
* ``kms``, ``kms_server``, ``kms_client``, ``kms_jar``: the key service of Parquet modular
  encryption for Spark (KEKs wrap Parquet's keys for table-scoped tokens, over loopback HTTP),
  its pyarrow client, and the build of its JVM client; imported where used, not from here.
"""

from lab.crypto.envelope import ciphertext_length, decrypt_stream, encrypt_stream, new_data_key
from lab.crypto.keyring import (
    Keyring,
    WrappedKey,
    add_active_key,
    init_keyring_file,
    load_keyring,
)
from lab.crypto.sealed_store import RotationReport, SealedObjectStore

__all__ = [
    "Keyring",
    "RotationReport",
    "SealedObjectStore",
    "WrappedKey",
    "add_active_key",
    "ciphertext_length",
    "decrypt_stream",
    "encrypt_stream",
    "init_keyring_file",
    "load_keyring",
    "new_data_key",
]

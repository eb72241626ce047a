"""Keys as versions before the signing key file kept them: one PEM file per key."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.private_files import make_private_dir


def write_pem(path: Path, key: Ed25519PrivateKey) -> None:
    """``key`` as an unencrypted PKCS#8 PEM file, 0600 in a 0700 folder."""
    make_private_dir(path.parent)
    body = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(body)
    path.chmod(0o600)

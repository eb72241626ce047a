"""Ed25519 private keys kept in 0600 PEM files, made on first use (audit checkpoints, consents)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.errors import IntegrityError
from lab.private_files import make_private_dir


def load_or_create_ed25519_key(path: Path) -> Ed25519PrivateKey:
    """The key in the PEM file at ``path``; a new key is written there (0600) the first time."""
    if not path.exists():
        _create(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError(f"{path} does not hold an Ed25519 private key")
    return key


def _create(path: Path) -> None:
    make_private_dir(path.parent)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first; use theirs
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)

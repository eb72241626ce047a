"""The signing key file: named keys kept 0600 in the lab's secrets folder, created and rotated.

The file is JSON ``{"format": …, "keys": [{name, status, public, private?, created_at, …}]}``,
private parts as base64 Ed25519 seeds; it is written atomically through a 0600 temp file, never
logged or printed. ``SigningKeyStore`` rereads it whenever it changes on disk, so a running server
signs with a key rotated by ``datalab keys rotate-signing`` without a restart.

Every read-modify-write of the file (making it, adding a key name it lacks, a rotation) holds an
exclusive ``flock`` on a lock file beside it, so two rotations at once (two ``datalab`` commands,
or a command and a server) both land: neither overwrites the other's key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.clock import now
from lab.durability import sync_folder
from lab.errors import ConfigurationError, InvalidInput
from lab.private_files import make_private_dir
from lab.signing.keys import ACTIVE, KEY_NAMES, RETIRED, KeySet, SigningKey, raw_public

FILE_FORMAT = "datalab-signing-keys/1"


def utc_stamp() -> str:
    """Now, in UTC, to the second, as key files record it."""
    return now().isoformat(timespec="seconds")


def new_key(name: str, origin: str = "generated") -> SigningKey:
    """A fresh active key for ``name``."""
    private = Ed25519PrivateKey.generate()
    return SigningKey(name, raw_public(private), ACTIVE, utc_stamp(), origin, private)


def retire(key: SigningKey) -> SigningKey:
    """``key`` kept for verification only: its private part is dropped."""
    stamp = utc_stamp()
    return SigningKey(key.name, key.public_raw, RETIRED, key.created_at, key.origin, None, stamp)


def rotated(keys: KeySet, name: str) -> KeySet:
    """``keys`` with a fresh active key for ``name`` and the one before it retired."""
    old = keys.active(name)
    fresh = new_key(name)
    return KeySet((*(retire(k) if k is old else k for k in keys.keys), fresh))


def _encode(key: SigningKey) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": key.name,
        "kid": key.kid,
        "status": key.status,
        "public": base64.b64encode(key.public_raw).decode(),
        "created_at": key.created_at,
        "retired_at": key.retired_at,
        "origin": key.origin,
    }
    if key.private is not None:
        seed = key.private.private_bytes_raw()
        entry["private"] = base64.b64encode(seed).decode()
    return entry


def _decode(entry: dict[str, Any], path: Path) -> SigningKey:
    try:
        private = None
        if entry.get("private") is not None:
            seed = base64.b64decode(entry["private"], validate=True)
            private = Ed25519PrivateKey.from_private_bytes(seed)
        return SigningKey(
            name=str(entry["name"]),
            public_raw=base64.b64decode(entry["public"], validate=True),
            status=str(entry["status"]),
            created_at=str(entry["created_at"]),
            origin=str(entry.get("origin", "")),
            private=private,
            retired_at=entry.get("retired_at"),
        )
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ConfigurationError(f"signing key file {path} holds a malformed key entry") from None


def read_key_file(path: Path) -> KeySet:
    """The key set stored at ``path``, which must be private to its owner."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigurationError(
            f"signing key file {path} is open to other users (mode {mode:o}); "
            f"run `chmod 600 {path}`"
        )
    try:
        document = json.loads(path.read_bytes())
        entries = document["keys"]
        ok = document.get("format") == FILE_FORMAT and isinstance(entries, list)
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise ConfigurationError(f"signing key file {path} is not a {FILE_FORMAT} document")
    try:
        return KeySet(tuple(_decode(entry, path) for entry in entries))
    except ConfigurationError as problem:
        raise ConfigurationError(f"signing key file {path}: {problem.message}") from None


def write_key_file(path: Path, keys: KeySet, *, replace: bool) -> bool:
    """Write ``keys`` atomically; without ``replace`` an existing file wins (returns False)."""
    make_private_dir(path.parent)
    body = json.dumps({"format": FILE_FORMAT, "keys": [_encode(k) for k in keys.keys]}, indent=2)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as sink:
            sink.write(body.encode())
            sink.flush()
            os.fsync(sink.fileno())
        if replace:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)
            except FileExistsError:
                return False
    finally:
        temp.unlink(missing_ok=True)
    sync_folder(path.parent)
    return True


@contextlib.contextmanager
def key_file_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of the key file at ``path`` (across threads and processes)."""
    make_private_dir(path.parent)
    descriptor = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def with_every_name(keys: Iterable[SigningKey], imported: Iterable[SigningKey]) -> list[SigningKey]:
    """``keys`` plus, for each name without an active key, that name's ``imported`` keys (or a
    fresh key if none of them is active)."""
    keys = list(keys)
    missing = set(KEY_NAMES) - {k.name for k in keys if k.status == ACTIVE}
    keys += [k for k in imported if k.name in missing]
    have_active = {k.name for k in keys if k.status == ACTIVE}
    return keys + [new_key(name) for name in KEY_NAMES if name not in have_active]


def create_key_file(path: Path, imported: Iterable[SigningKey] = ()) -> KeySet:
    """The key set at ``path``, made the first time with ``imported`` keys and one per name.

    A name without an active imported key gets a freshly generated one. If another process
    made the file first, its keys are used.
    """
    write_key_file(path, KeySet(tuple(with_every_name((), imported))), replace=False)
    return read_key_file(path)


def complete_key_file(path: Path, imported: Callable[[], Iterable[SigningKey]]) -> None:
    """Make the file, or add the names a file of an earlier version lacks (under the lock)."""
    with key_file_lock(path):
        if not path.exists():
            create_key_file(path, imported())
            return
        keys = read_key_file(path)
        if {k.name for k in keys.keys} >= set(KEY_NAMES):
            return
        completed = KeySet(tuple(with_every_name(keys.keys, imported())))
        write_key_file(path, completed, replace=True)


class SigningKeyStore:
    """The lab's signing keys at one path, reread when the file changes (thread-safe)."""

    def __init__(self, path: Path, imported: Callable[[], Iterable[SigningKey]] = tuple) -> None:
        self.path = path
        self._imported = imported
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._keys: KeySet | None = None

    def current(self) -> KeySet:
        """The key set as the file holds it now (made, or given a key per name, on first use)."""
        with self._lock:
            if self._keys is None or not self.path.exists():
                complete_key_file(self.path, self._imported)
            stat = self.path.stat()
            seen = (stat.st_mtime_ns, stat.st_ino)
            if self._keys is None or seen != self._seen:
                self._keys, self._seen = read_key_file(self.path), seen
            return self._keys

    def rotate(self, name: str) -> SigningKey:
        """Make a fresh active key for ``name``, keeping the old one for verification only."""
        if name not in KEY_NAMES:
            raise InvalidInput(f"no signing key named {name!r}: one of {', '.join(KEY_NAMES)}")
        self.current()
        with key_file_lock(self.path):
            keys = rotated(read_key_file(self.path), name)
            write_key_file(self.path, keys, replace=True)
        return keys.active(name)

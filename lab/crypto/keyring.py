"""Key-encryption keys (KEKs): load them from settings, wrap and unwrap data keys, add new ones.

A keyring holds one active KEK, which wraps every new data key, and older KEKs kept only to
unwrap data keys sealed before a rotation. The keys come from ``DATALAB_KEK`` when it is set, else
from the keyring file: JSON ``{"active": id, "keys": {id: base64key}}``, mode 0600 in folders
created 0700 — the only place a key is ever written in plain text. Nothing here logs or prints a
key or puts one (or any part of a malformed one) in an error message.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lab.clock import now
from lab.durability import sync_folder
from lab.errors import ConfigurationError, Conflict, IntegrityError
from lab.settings import LabSettings

KEK_SIZE = 32
WRAP_NONCE_SIZE = 12
_KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_WRAP_LABEL = b"cdl-wrap/1\x00"
KEK_SETTING = "DATALAB_KEK"
KEK_FORM = (
    "`id:base64key[,id:base64key…]`: ids of up to 64 letters, digits, '.', '_' or '-', "
    f"each key {KEK_SIZE} random bytes in standard base64 (44 characters)"
)
KEYRING_FILE_FORM = '{"active": id, "keys": {id: base64key}}'


@dataclass(frozen=True)
class WrappedKey:
    """A data key sealed under the KEK ``kek_id``; safe to store beside the object."""

    kek_id: str
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True, repr=False, eq=False)
class Keyring:
    """The KEKs by id; ``active_id`` wraps new data keys. Its repr shows ids, never keys."""

    active_id: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))
        if self.active_id not in self.keys:
            raise ConfigurationError("the active key id is not one of the keyring's key ids")
        for key_id, key in self.keys.items():
            if not _KEY_ID.fullmatch(key_id) or len(key) != KEK_SIZE:
                raise ConfigurationError(f"every keyring entry must match {KEK_FORM}")

    def __repr__(self) -> str:
        return f"Keyring(active_id={self.active_id!r}, key_ids={sorted(self.keys)!r})"

    def wrap(self, data_key: bytes, binding: bytes) -> WrappedKey:
        """Seal ``data_key`` under the active KEK, bound to ``binding`` (what the key is for)."""
        nonce = os.urandom(WRAP_NONCE_SIZE)
        aad = _wrap_aad(self.active_id, binding)
        ciphertext = AESGCM(self.keys[self.active_id]).encrypt(nonce, data_key, aad)
        return WrappedKey(self.active_id, nonce, ciphertext)

    def unwrap(self, wrapped: WrappedKey, binding: bytes) -> bytes:
        """The data key inside ``wrapped``; IntegrityError if the KEK or the binding differ."""
        kek = self.keys.get(wrapped.kek_id)
        if kek is None:
            raise IntegrityError(
                f"the data key is wrapped under key-encryption key {wrapped.kek_id!r}, which "
                f"the keyring does not hold (add it to {KEK_SETTING} or the keyring file)"
            )
        try:
            aad = _wrap_aad(wrapped.kek_id, binding)
            return AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, aad)
        except InvalidTag:
            raise IntegrityError(
                f"the data key wrapped under key-encryption key {wrapped.kek_id!r} failed "
                "authentication: it is not the key that wrapped it, or the envelope was altered"
            ) from None


def _wrap_aad(kek_id: str, binding: bytes) -> bytes:
    """Bind a wrap to its KEK id (ids never hold NUL, so the join is unambiguous)."""
    return _WRAP_LABEL + kek_id.encode() + b"\x00" + binding


def load_keyring(settings: LabSettings) -> Keyring:
    """The keyring from ``DATALAB_KEK`` if set, else from the keyring file."""
    configured = settings.kek.get_secret_value()
    if configured:
        return parse_kek_setting(configured)
    return read_keyring_file(settings.resolved_keyring_file)


def parse_kek_setting(value: str) -> Keyring:
    """Parse ``DATALAB_KEK``; errors name the setting and the entry, never its content."""
    keys: dict[str, bytes] = {}
    for number, entry in enumerate(value.split(","), start=1):
        key_id, colon, encoded = entry.strip().partition(":")
        where = f"{KEK_SETTING} entry {number}"
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise ConfigurationError(f"{where} is not of the form {KEK_FORM}")
        if key_id in keys:
            raise ConfigurationError(f"{where} repeats the key id {key_id!r}")
        keys[key_id] = _decode_key(encoded, where)
    return Keyring(next(iter(keys)), keys)


def _decode_key(encoded: str, where: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEK_SIZE:
        raise ConfigurationError(f"{where} is not of the form {KEK_FORM}")
    return key


def read_keyring_file(path: Path) -> Keyring:
    """The keyring stored at ``path``, which must exist and be private to its owner."""
    if not path.is_file():
        raise ConfigurationError(
            f"no key-encryption key: set {KEK_SETTING} or create the keyring file {path} "
            "with `datalab init`"
        )
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigurationError(
            f"keyring file {path} is open to other users (mode {mode:o}); run `chmod 600 {path}`"
        )
    document = _parse_keyring_document(path.read_bytes())
    if document is None:
        raise ConfigurationError(f"keyring file {path} is not JSON of the form {KEYRING_FILE_FORM}")
    active, encoded = document
    keys = {key_id: _decode_key(text, f"keyring file {path}") for key_id, text in encoded.items()}
    try:
        return Keyring(active, keys)
    except ConfigurationError as exc:
        raise ConfigurationError(f"keyring file {path}: {exc.message}") from None


def _parse_keyring_document(raw: bytes) -> tuple[str, dict[str, str]] | None:
    """``(active id, {id: base64})``, or None if the file does not have that shape."""
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    active, keys = document.get("active"), document.get("keys")
    if not isinstance(active, str) or not isinstance(keys, dict) or not keys:
        return None
    if not all(isinstance(text, str) for text in keys.values()):
        return None
    return active, keys


def new_key_id(taken: Iterable[str] = ()) -> str:
    """A fresh KEK id such as ``k20261122-ab12``: the day it was made and a random tag."""
    used = set(taken)
    while True:
        key_id = f"k{now():%Y%m%d}-{secrets.token_hex(2)}"
        if key_id not in used:
            return key_id


def init_keyring_file(path: Path) -> str:
    """Create the keyring file with one fresh active KEK and return its id.

    Missing folders are created 0700 and the file 0600. An existing file is never overwritten
    (Conflict): it may hold the only copy of keys that existing objects need.
    """
    key_id = new_key_id()
    _write_private(path, Keyring(key_id, {key_id: os.urandom(KEK_SIZE)}), replace=False)
    return key_id


def add_active_key(path: Path) -> str:
    """Add a fresh KEK to the keyring file and make it active; older keys stay for reading."""
    current = read_keyring_file(path)
    key_id = new_key_id(current.keys)
    keys = {**current.keys, key_id: os.urandom(KEK_SIZE)}
    _write_private(path, Keyring(key_id, keys), replace=True)
    return key_id


def _write_private(path: Path, keyring: Keyring, *, replace: bool) -> None:
    """Write ``keyring`` to ``path`` atomically through a 0600 temp file beside it."""
    _make_private_folders(path.parent)
    encoded = {key_id: base64.b64encode(key).decode() for key_id, key in keyring.keys.items()}
    body = json.dumps({"active": keyring.active_id, "keys": encoded}, indent=2).encode()
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as sink:
            sink.write(body)
            sink.flush()
            os.fsync(sink.fileno())
        _install(temp, path, replace=replace)
    finally:
        temp.unlink(missing_ok=True)
    sync_folder(path.parent)


def _install(temp: Path, path: Path, *, replace: bool) -> None:
    if replace:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)
    except FileExistsError:
        raise Conflict(
            f"keyring file {path} already exists and is never overwritten; "
            "add a key with `datalab keys rotate`"
        ) from None


def _make_private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each 0700 whatever the umask."""
    missing = [each for each in (folder, *folder.parents) if not each.exists()]
    for each in reversed(missing):
        try:
            each.mkdir(mode=0o700)
        except FileExistsError:
            continue
        each.chmod(0o700)

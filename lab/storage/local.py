"""The default object store: one file per object under a local directory.

A put streams into a temporary file beside its target (``.partial-*``, never listed), fsyncs it
and renames it over the target, so an object appears whole or not at all. The etag is derived
from the file's identity (inode, size, modification time): every put makes a new file, so the
etag changes exactly when the object does, without hashing gigabytes on the write path.
Folders are created 0700 and files 0600. Unlike S3, a key cannot be both an object and a
folder of objects (``a`` and ``a/b``): such a put raises Conflict.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lab.durability import sync_folder
from lab.errors import ConfigurationError, Conflict, InvalidInput, NotFound, ServiceUnavailable
from lab.storage.base import (
    CHUNK_SIZE,
    Chunks,
    ObjectInfo,
    ObjectStore,
    clamp_range,
    iter_chunks,
    validate_key,
)
from lab.storage.signing import ObjectUrlSigner

TEMP_PREFIX = ".partial-"
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``; presigned URLs come from ``url_signer``."""

    def __init__(self, root: Path, *, url_signer: ObjectUrlSigner | None = None) -> None:
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            message = f"local object store {root} cannot be created: {reason}"
            raise ServiceUnavailable(message) from None
        self.root = root.resolve()
        self.url_signer = url_signer

    def put(self, key: str, data: BinaryIO | Chunks, *, length: int | None = None) -> ObjectInfo:
        target = self._path_for(key)
        try:
            descriptor, temp = self._create_temp(target.parent)
            try:
                _write_synced(descriptor, iter_chunks(data, length=length))
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            raise Conflict(f"object key {key!r} clashes with an object or folder") from None
        sync_folder(target.parent)
        return self._info_of(key, target)

    def put_new(self, key: str, data: bytes) -> ObjectInfo:
        """Write-once: the file is linked into place, which fails if anything is there."""
        target = self._path_for(key)
        descriptor, temp = self._create_temp(target.parent)
        try:
            _write_synced(descriptor, iter([data]))
            os.link(temp, target)
        except FileExistsError:
            raise Conflict(f"object {key!r} exists and is write-once") from None
        finally:
            Path(temp).unlink(missing_ok=True)
        sync_folder(target.parent)
        return self._info_of(key, target)

    def get(self, key: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path_for(key)
        try:
            source = path.open("rb")
        except _MISSING:
            raise NotFound(f"no object {key!r}") from None
        try:
            stop = clamp_range(start, end, os.fstat(source.fileno()).st_size)
        except InvalidInput:
            source.close()
            raise
        return _read_span(source, start, stop)

    def stat(self, key: str) -> ObjectInfo:
        return self._info_of(key, self._path_for(key))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        folder, _, _ = prefix.rpartition("/")
        start = self._path_for(folder) if folder else self.root
        for key, path in _walk(start, f"{folder}/" if folder else "", prefix):
            try:
                yield self._info_of(key, path)
            except NotFound:
                continue

    def delete(self, key: str) -> None:
        path = self._path_for(key)
        try:
            path.unlink()
        except _MISSING:
            return
        self._prune_empty_folders(path.parent)

    def presigned_get(self, key: str, *, expires_seconds: int = 3600) -> str:
        validate_key(key)
        if self.url_signer is None:
            raise ConfigurationError("presigned URLs of the local store need a secret key")
        return self.url_signer.url_for(key, expires_seconds)

    def check(self) -> None:
        if not (self.root.is_dir() and os.access(self.root, os.W_OK | os.X_OK)):
            raise ServiceUnavailable(f"local object store {self.root} is not a writable folder")

    def _path_for(self, key: str) -> Path:
        validate_key(key)
        if any(segment.startswith(TEMP_PREFIX) for segment in key.split("/")):
            raise InvalidInput(f"object key {key!r} uses the reserved prefix {TEMP_PREFIX!r}")
        path = self.root / key
        if not path.resolve().is_relative_to(self.root):
            raise InvalidInput(f"object key {key!r} leads outside the object store")
        return path

    def _info_of(self, key: str, path: Path) -> ObjectInfo:
        with contextlib.suppress(*_MISSING):
            status = path.stat()
            if stat.S_ISREG(status.st_mode):
                etag = _etag_of(status)
                modified = datetime.fromtimestamp(status.st_mtime, UTC)
                return ObjectInfo(key, status.st_size, etag, modified)
        raise NotFound(f"no object {key!r}")

    def _create_temp(self, folder: Path) -> tuple[int, str]:
        """Open a new temp file in ``folder``, making folders (again if a delete pruned them)."""
        for _attempt in range(3):
            self._make_folders(folder)
            with contextlib.suppress(FileNotFoundError):
                return tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)
        raise ServiceUnavailable(f"local object store cannot keep folder {folder} in place")

    def _make_folders(self, folder: Path) -> None:
        current = self.root
        for part in folder.relative_to(self.root).parts:
            current = current / part
            current.mkdir(mode=0o700, exist_ok=True)

    def _prune_empty_folders(self, folder: Path) -> None:
        while folder != self.root:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


def _write_synced(descriptor: int, chunks: Iterator[bytes]) -> None:
    """Write ``chunks`` to the open temp file and fsync it."""
    with os.fdopen(descriptor, "wb") as sink:
        for chunk in chunks:
            sink.write(chunk)
        sink.flush()
        os.fsync(sink.fileno())


def _etag_of(status: os.stat_result) -> str:
    identity = f"{status.st_ino}:{status.st_size}:{status.st_mtime_ns}".encode()
    return hashlib.sha256(identity).hexdigest()[:32]


def _read_span(source: BinaryIO, start: int, stop: int) -> Iterator[bytes]:
    """Stream bytes ``[start, stop)`` of the open ``source``, closing it when done."""
    with source:
        source.seek(start)
        remaining = stop - start
        while remaining > 0:
            chunk = source.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def _walk(folder: Path, folder_key: str, prefix: str) -> Iterator[tuple[str, Path]]:
    """Every object file under ``folder`` whose key starts with ``prefix``, in key order."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_key_order)
    except _MISSING:
        return
    for entry in entries:
        key = folder_key + entry.name
        if entry.is_dir(follow_symlinks=False):
            if (key + "/").startswith(prefix) or prefix.startswith(key + "/"):
                yield from _walk(Path(entry.path), key + "/", prefix)
        elif _is_object_file(entry) and key.startswith(prefix):
            yield key, Path(entry.path)


def _key_order(entry: os.DirEntry[str]) -> str:
    """Sort a folder as ``name/`` so a walk yields keys in plain string order, like S3."""
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


def _is_object_file(entry: os.DirEntry[str]) -> bool:
    return entry.is_file(follow_symlinks=False) and not entry.name.startswith(TEMP_PREFIX)

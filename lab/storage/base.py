"""The ObjectStore interface every backend implements, and its value objects.

Keys are ``/``-separated relative paths (``datasets/air-quality/v3/data.csv``); each segment is
non-empty, not ``.`` or ``..``, and free of control characters. Reads and writes stream: no method
holds a whole object in memory.

Publication: a set of objects under a prefix becomes visible all at once. ``publication(prefix)``
writes each object under a fresh version folder ``<prefix>/_v/<version>/``; ``commit`` then writes
one pointer object ``<prefix>/_CURRENT`` naming the version and its objects. A single object PUT is
atomic on every backend, so readers see either the previous version or the whole new one.
"""

from __future__ import annotations

import abc
import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import BinaryIO

from lab.clock import now
from lab.errors import Conflict, InvalidInput, NotFound

CURRENT_POINTER = "_CURRENT"
VERSIONS_FOLDER = "_v"
CHUNK_SIZE = 1024 * 1024
_BAD_SEGMENT = re.compile(r"[\x00-\x1f\x7f\\]")

Chunks = Iterable[bytes]


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe object key, else raise InvalidInput naming the problem."""
    if not key or key.startswith("/") or len(key) > 1024:
        raise InvalidInput(f"object key {key!r} must be a non-empty relative path under 1024 chars")
    for segment in key.split("/"):
        if segment in ("", ".", "..") or _BAD_SEGMENT.search(segment):
            raise InvalidInput(f"object key {key!r} has an unsafe segment {segment!r}")
    return key


def validate_range(start: int, end: int | None) -> None:
    """Raise InvalidInput unless ``start``/``end`` describe a non-empty byte range."""
    if start < 0 or (end is not None and end <= start):
        raise InvalidInput(f"byte range {start}..{end} is malformed: need 0 <= start < end")


def clamp_range(start: int, end: int | None, size: int) -> int:
    """The exclusive end of byte range ``[start, end)`` within an object of ``size`` bytes.

    Raises InvalidInput if the range is malformed or starts past the last byte; reading a whole
    empty object is allowed, and an ``end`` past the last byte is cut to it (as HTTP does).
    """
    validate_range(start, end)
    if start >= size and (start, end) != (0, None):
        raise InvalidInput(f"byte range starting at {start} is outside the object's {size} bytes")
    return size if end is None else min(end, size)


def iter_chunks(data: BinaryIO | Chunks, *, length: int | None = None) -> Iterator[bytes]:
    """The bytes of ``data`` as chunks, checking their total against ``length`` when given."""
    if isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput("pass object data as a binary file object or an iterable of bytes")
    chunks = iter(partial(data.read, CHUNK_SIZE), b"") if hasattr(data, "read") else iter(data)
    total = 0
    for chunk in chunks:
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise InvalidInput(f"object data must be bytes, got {type(chunk).__name__}")
        total += len(chunk)
        if length is not None and total > length:
            raise InvalidInput(f"object data is longer than the declared {length} bytes")
        yield bytes(chunk)
    if length is not None and total != length:
        raise InvalidInput(f"object data is {total} bytes, not the declared {length}")


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows of one stored object."""

    key: str
    size: int
    etag: str
    last_modified: datetime


@dataclass(frozen=True)
class PublishedVersion:
    """One committed publication: its version id and the objects it holds (name → key)."""

    prefix: str
    version: str
    objects: dict[str, str] = field(default_factory=dict)
    committed_at: str = ""

    def key_of(self, name: str) -> str:
        try:
            return self.objects[name]
        except KeyError:
            raise NotFound(
                f"{name!r} is not part of version {self.version} of {self.prefix}"
            ) from None

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "prefix": self.prefix,
                "version": self.version,
                "objects": self.objects,
                "committed_at": self.committed_at,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> PublishedVersion:
        doc = json.loads(raw)
        return cls(doc["prefix"], doc["version"], dict(doc["objects"]), doc["committed_at"])


class ObjectStore(abc.ABC):
    """A place to keep objects: the local directory and S3 both implement it."""

    @abc.abstractmethod
    def put(self, key: str, data: BinaryIO | Chunks, *, length: int | None = None) -> ObjectInfo:
        """Stream ``data`` (a binary file object or an iterable of byte chunks) into ``key``.

        The object appears whole or not at all; an existing object is replaced.
        """

    @abc.abstractmethod
    def get(self, key: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream the bytes of ``key`` from ``start`` up to and excluding ``end``.

        Raises NotFound if there is no such object, InvalidInput if the range is unsatisfiable.
        """

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Describe ``key``; NotFound if it does not exist."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    @abc.abstractmethod
    def presigned_get(self, key: str, *, expires_seconds: int = 3600) -> str:
        """A URL that lets its holder GET ``key`` until it expires, without other credentials."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise ServiceUnavailable with one clear line if the store cannot be used."""

    def prepare(self) -> None:
        """Make the store ready for use at start-up (create what is missing), then ``check``."""
        self.check()

    def put_new(self, key: str, data: bytes) -> ObjectInfo:
        """Write a small object that must never be replaced; Conflict if ``key`` exists.

        This check-then-put is what S3 gets; there the bucket's object lock (compliance mode)
        is what keeps a written object from being overwritten or deleted.
        """
        if self.exists(key):
            raise Conflict(f"object {key!r} exists and is write-once")
        return self.put(key, [data], length=len(data))

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except NotFound:
            return False
        return True

    def read_bytes(self, key: str) -> bytes:
        """Whole small object (pointers, manifests); streaming callers use ``get``."""
        return b"".join(self.get(key))

    def publication(self, prefix: str) -> Publication:
        """Begin a set of objects that becomes visible under ``prefix`` only on commit."""
        return Publication(self, validate_key(prefix))

    def current(self, prefix: str) -> PublishedVersion:
        """The committed version under ``prefix``; NotFound if none was ever committed."""
        return PublishedVersion.from_json(
            self.read_bytes(f"{validate_key(prefix)}/{CURRENT_POINTER}")
        )

    def sweep_unpublished(self, prefix: str) -> int:
        """Delete version folders under ``prefix`` that no commit points to; return objects removed.

        Only for prefixes whose ``_CURRENT`` pointer is the authority; the catalogue keeps its
        versions in the database and sweeps with
        ``lab.catalogue.versions.orphans.sweep_orphans``.
        Only call this when no publication under ``prefix`` is in flight.
        """
        validate_key(prefix)
        try:
            live = self.current(prefix).version
        except NotFound:
            live = None
        removed = 0
        for info in list(self.list(f"{prefix}/{VERSIONS_FOLDER}/")):
            version = info.key[len(prefix) + len(VERSIONS_FOLDER) + 2 :].split("/", 1)[0]
            if version != live:
                self.delete(info.key)
                removed += 1
        return removed


class Publication:
    """Objects written for one version of a prefix; invisible until ``commit``.

    Use as a context manager: leaving the block normally commits, an exception leaves the
    previous version current (the half-written folder is swept later).
    """

    def __init__(self, store: ObjectStore, prefix: str) -> None:
        self.store = store
        self.prefix = prefix
        stamp = now().strftime("%Y%m%dT%H%M%S")
        self.version = f"{stamp}-{secrets.token_hex(4)}"
        self.objects: dict[str, str] = {}
        self.committed: PublishedVersion | None = None

    def key_for(self, name: str) -> str:
        return validate_key(f"{self.prefix}/{VERSIONS_FOLDER}/{self.version}/{name}")

    def put(self, name: str, data: BinaryIO | Chunks, *, length: int | None = None) -> ObjectInfo:
        info = self.store.put(self.key_for(name), data, length=length)
        self.objects[name] = info.key
        return info

    def commit(self) -> PublishedVersion:
        version = PublishedVersion(self.prefix, self.version, dict(self.objects), now().isoformat())
        pointer = version.to_json()
        self.store.put(f"{self.prefix}/{CURRENT_POINTER}", [pointer], length=len(pointer))
        self.committed = version
        return version

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None and self.committed is None:
            self.commit()

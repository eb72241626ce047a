"""The production object store: one S3 bucket, reached through the minio SDK.

Uploads stream with an unknown length in 16 MiB parts, so memory stays bounded whatever the
object size; downloads stream 1 MiB chunks and always release their connection. Every SDK or
network failure becomes a lab error with one line that names the endpoint and the cause, never
the credentials.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, BinaryIO, cast

import urllib3
from minio import Minio
from minio.datatypes import Object
from minio.error import MinioException, S3Error

from lab.errors import ConfigurationError, InvalidInput, LabError, NotFound, ServiceUnavailable
from lab.storage.base import (
    CHUNK_SIZE,
    Chunks,
    ObjectInfo,
    ObjectStore,
    iter_chunks,
    validate_key,
    validate_range,
)
from lab.storage.signing import check_expiry

if TYPE_CHECKING:
    from urllib3.response import BaseHTTPResponse

    from lab.settings import LabSettings

PART_SIZE = 16 * 1024 * 1024
_CREDENTIAL_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
)


def s3_client(
    endpoint: str,
    access_key: str,
    secret_key: str,
    *,
    secure: bool = False,
    region: str = "us-east-1",
) -> Minio:
    """A minio client that gives up on an unreachable endpoint within seconds, not minutes."""
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=120),
        maxsize=10,
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )
    try:
        return Minio(
            endpoint, access_key, secret_key, secure=secure, region=region, http_client=http
        )
    except ValueError as exc:
        raise ConfigurationError(
            f"DATALAB_S3_ENDPOINT {endpoint!r} is not host:port: {exc}"
        ) from None


class S3ObjectStore(ObjectStore):
    """Objects in one S3 bucket; ``endpoint`` names the server in error messages."""

    def __init__(self, client: Minio, bucket: str, *, endpoint: str = "the S3 endpoint") -> None:
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint

    @classmethod
    def from_settings(cls, settings: LabSettings) -> S3ObjectStore:
        """The store the settings describe (the bucket is not contacted yet)."""
        client = s3_client(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
        return cls(client, settings.s3_bucket, endpoint=settings.s3_endpoint)

    def put(self, key: str, data: BinaryIO | Chunks, *, length: int | None = None) -> ObjectInfo:
        validate_key(key)
        reader = _ChunkReader(iter_chunks(data, length=length))
        try:
            with self._translated(key):
                self.client.put_object(
                    self.bucket, key, cast(BinaryIO, reader), length=-1, part_size=PART_SIZE
                )
        except _SourceFailed as failed:
            raise failed.source from None
        return self.stat(key)

    def get(self, key: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        validate_key(key)
        validate_range(start, end)
        length = 0 if end is None else end - start
        with self._translated(key):
            response = self.client.get_object(self.bucket, key, offset=start, length=length)
        return self._stream(key, response)

    def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        with self._translated(key):
            return _info_of(self.client.stat_object(self.bucket, key))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        # Sorted here because not every S3 server lists in key order: SeaweedFS lists folder
        # by folder, so ``a/x`` comes before ``a-c``. The listing (not the data) is held.
        with self._translated():
            found = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            listing = sorted((_info_of(item) for item in found), key=lambda info: info.key)
        yield from listing

    def delete(self, key: str) -> None:
        validate_key(key)
        with self._translated(key):
            self.client.remove_object(self.bucket, key)

    def presigned_get(self, key: str, *, expires_seconds: int = 3600) -> str:
        validate_key(key)
        lifetime = timedelta(seconds=check_expiry(expires_seconds))
        with self._translated(key):
            return self.client.presigned_get_object(self.bucket, key, expires=lifetime)

    def check(self) -> None:
        with self._translated():
            found = self.client.bucket_exists(self.bucket)
        if not found:
            raise ServiceUnavailable(self._no_bucket())

    def prepare(self) -> None:
        self.ensure_bucket()

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (the lab's set-up step calls this)."""
        with self._translated():
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)

    def _stream(self, key: str, response: BaseHTTPResponse) -> Iterator[bytes]:
        try:
            with self._translated(key):
                yield from response.stream(CHUNK_SIZE)
        finally:
            response.close()
            response.release_conn()

    @contextlib.contextmanager
    def _translated(self, key: str | None = None) -> Iterator[None]:
        """Turn SDK and network failures into lab errors of one line."""
        try:
            yield
        except S3Error as exc:
            raise self._error_of(exc, key) from None
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            cause = _root_cause(exc)
            raise ServiceUnavailable(
                f"S3 endpoint {self.endpoint} is unreachable: {cause}"
            ) from None

    def _error_of(self, exc: S3Error, key: str | None) -> LabError:
        if exc.code == "NoSuchKey":
            return NotFound(f"no object {key!r}")
        if exc.code == "InvalidRange":
            return InvalidInput(f"the byte range asked of {key!r} starts past its last byte")
        if exc.code == "NoSuchBucket":
            return ServiceUnavailable(self._no_bucket())
        if exc.code in _CREDENTIAL_CODES:
            return ServiceUnavailable(
                f"S3 endpoint {self.endpoint} refused the lab's credentials ({exc.code}): "
                "check DATALAB_S3_ACCESS_KEY and DATALAB_S3_SECRET_KEY"
            )
        return ServiceUnavailable(f"S3 endpoint {self.endpoint} failed: {exc.code}")

    def _no_bucket(self) -> str:
        return (
            f"S3 bucket {self.bucket!r} does not exist at {self.endpoint} "
            "(the lab's storage set-up creates it)"
        )


class _SourceFailed(Exception):
    """The caller's data source raised: re-raised as is, not mistaken for an S3 failure."""

    def __init__(self, source: Exception) -> None:
        super().__init__(str(source))
        self.source = source


class _ChunkReader:
    """A ``read()``-able view of byte chunks, as the SDK wants for a streaming upload."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left if ``size`` < 0); ``b""`` at the end."""
        while size < 0 or len(self._buffer) < size:
            try:
                chunk = next(self._chunks, None)
            except Exception as exc:
                raise _SourceFailed(exc) from exc
            if chunk is None:
                break
            self._buffer += chunk
        taken = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        answer = bytes(self._buffer[:taken])
        del self._buffer[:taken]
        return answer


def _info_of(found: Object) -> ObjectInfo:
    return ObjectInfo(
        key=str(found.object_name),
        size=int(found.size or 0),
        etag=str(found.etag or "").strip('"'),
        last_modified=found.last_modified,  # type: ignore[arg-type]
    )


def _root_cause(exc: BaseException) -> str:
    """The innermost cause of a network failure, as one short line."""
    inner: BaseException = exc
    for _depth in range(8):
        deeper = getattr(inner, "reason", None) or inner.__cause__ or inner.__context__
        if not isinstance(deeper, BaseException):
            break
        inner = deeper
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return str(inner).splitlines()[0] if str(inner) else type(inner).__name__

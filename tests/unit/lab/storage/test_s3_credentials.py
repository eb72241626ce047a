"""The S3 store's failures are refused cleanly and explained in one line without secrets."""

from __future__ import annotations

import secrets
import time

import pytest

from lab.errors import ServiceUnavailable
from lab.storage import S3ObjectStore
from lab.storage.s3 import s3_client
from tests.fixtures.s3 import S3Server, free_ports


def assert_one_clean_line(message: str, endpoint: str, *hidden: str) -> None:
    assert endpoint in message
    assert "\n" not in message
    assert "Traceback" not in message
    assert " object at 0x" not in message
    for secret in hidden:
        assert secret not in message


@pytest.mark.s3
def test_wrong_secret_is_refused(s3_server: S3Server) -> None:
    """A client with the right access key but a wrong secret can neither check nor write."""
    wrong = secrets.token_urlsafe(24)
    client = s3_client(s3_server.endpoint, s3_server.access_key, wrong)
    store = S3ObjectStore(client, "datalab", endpoint=s3_server.endpoint)
    for attempt in (store.check, lambda: store.put("x", [b"x"])):
        with pytest.raises(ServiceUnavailable) as refused:
            attempt()
        assert "credentials" in refused.value.message
        assert_one_clean_line(refused.value.message, s3_server.endpoint, wrong)


@pytest.mark.s3
def test_unknown_access_key_is_refused(s3_server: S3Server) -> None:
    """An access key the server does not know is refused by check()."""
    store = S3ObjectStore(
        s3_client(s3_server.endpoint, "nobody", s3_server.secret_key),
        "datalab",
        endpoint=s3_server.endpoint,
    )
    with pytest.raises(ServiceUnavailable) as refused:
        store.check()
    assert_one_clean_line(refused.value.message, s3_server.endpoint, s3_server.secret_key)


@pytest.mark.s3
def test_missing_bucket_is_named_and_ensure_bucket_creates_it(s3_server: S3Server) -> None:
    """check() names a missing bucket; ensure_bucket() creates it and is idempotent."""
    client = s3_server.client()
    store = S3ObjectStore(client, f"fresh-{secrets.token_hex(4)}", endpoint=s3_server.endpoint)
    with pytest.raises(ServiceUnavailable, match=store.bucket):
        store.check()
    store.ensure_bucket()
    store.ensure_bucket()
    store.check()
    client.remove_bucket(store.bucket)


def test_unreachable_endpoint_gives_one_clear_line() -> None:
    """A closed port on 127.0.0.1 gives ServiceUnavailable, quickly, in one line."""
    (port,) = free_ports(1)
    endpoint = f"127.0.0.1:{port}"
    store = S3ObjectStore(
        s3_client(endpoint, "key", "not-a-real-secret"), "datalab", endpoint=endpoint
    )
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as unreachable:
        store.check()
    assert time.monotonic() - started < 10
    assert "unreachable" in unreachable.value.message
    assert_one_clean_line(unreachable.value.message, endpoint, "not-a-real-secret")

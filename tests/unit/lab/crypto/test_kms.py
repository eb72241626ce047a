"""The lab's key service for Parquet encryption, attacked through its real HTTP routes: only a
genuine, unexpired token for the right table unwraps, and only a writing token wraps."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request

import pytest

from lab.crypto.keyring import Keyring
from lab.crypto.kms import COLUMNS, FOOTER, LabKms, master_key_id, table_scope
from lab.crypto.kms_client import LabKmsClient
from lab.crypto.kms_server import KmsServer
from lab.errors import ServiceUnavailable

SCOPE = table_scope("restricted/tax/v1/data.parquet")
OTHER = table_scope("restricted/rent/v1/data.parquet")
FOOTER_KEY = master_key_id(SCOPE, FOOTER)
KEY = bytes(range(16))


@pytest.fixture
def kms():
    """A key service on a free loopback port, over a one-key keyring."""
    service = LabKms(Keyring("k1", {"k1": os.urandom(32)}))
    server = KmsServer(service).start()
    yield service, server.url
    server.close()


def _post(url: str, route: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (the test's loopback http URL)
        f"{url}/v1/{route}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _wrapped(service: LabKms, url: str, master_key: str = FOOTER_KEY) -> str:
    writer = service.issue_token(SCOPE, may_wrap=True)
    key = base64.b64encode(KEY).decode()
    status, body = _post(url, "wrap", writer, {"master_key": master_key, "key": key})
    assert status == 200
    return body["wrapped"]


def test_a_reading_token_unwraps_what_a_writing_token_wrapped(kms) -> None:
    """The round trip Parquet relies on, and the wrapped form names the KEK, never the key."""
    service, url = kms
    wrapped = _wrapped(service, url)
    assert wrapped.startswith("k1:") and base64.b64encode(KEY).decode() not in wrapped
    reader = service.issue_token(SCOPE)
    status, body = _post(url, "unwrap", reader, {"master_key": FOOTER_KEY, "wrapped": wrapped})
    assert status == 200 and base64.b64decode(body["key"]) == KEY


@pytest.mark.parametrize("case", ["missing", "forged", "expired", "other process"])
def test_a_wrong_or_expired_token_is_refused(kms, case: str) -> None:
    """No key comes back without a token this very key service issued and that still holds."""
    service, url = kms
    wrapped = _wrapped(service, url)
    genuine = service.issue_token(SCOPE)
    token = {
        "missing": "",
        "forged": genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB"),
        "expired": service.issue_token(SCOPE, seconds=-1),
        "other process": LabKms(Keyring("k1", {"k1": os.urandom(32)})).issue_token(SCOPE),
    }[case]
    status, body = _post(url, "unwrap", token, {"master_key": FOOTER_KEY, "wrapped": wrapped})
    assert status == 401 and body["error"]["code"] == "not_authenticated"
    assert "key" not in body


def test_a_token_opens_only_its_own_table(kms) -> None:
    """A token for another table version cannot unwrap this one's keys."""
    service, url = kms
    wrapped = _wrapped(service, url)
    status, body = _post(
        url, "unwrap", service.issue_token(OTHER), {"master_key": FOOTER_KEY, "wrapped": wrapped}
    )
    assert status == 403 and body["error"]["code"] == "permission_denied"


def test_a_wrapped_key_opens_only_under_its_master_key_identifier(kms) -> None:
    """Moving a wrapped key to another identifier of the same table fails authentication."""
    service, url = kms
    wrapped = _wrapped(service, url)
    columns = master_key_id(SCOPE, COLUMNS)
    status, body = _post(
        url, "unwrap", service.issue_token(SCOPE), {"master_key": columns, "wrapped": wrapped}
    )
    assert status == 500 and body["error"]["code"] == "integrity_error" and "key" not in body


def test_a_reading_token_cannot_wrap(kms) -> None:
    """What Spark holds unwraps only: it cannot make keys the lab would later trust."""
    service, url = kms
    key = base64.b64encode(KEY).decode()
    status, _ = _post(
        url, "wrap", service.issue_token(SCOPE), {"master_key": FOOTER_KEY, "key": key}
    )
    assert status == 403


@pytest.mark.parametrize(
    ("route", "body"),
    [("unwrap", {}), ("unwrap", {"master_key": "k/../x", "wrapped": "a"}), ("keys", {"a": "b"})],
)
def test_malformed_requests_are_refused(kms, route: str, body: dict) -> None:
    """Missing fields, unknown identifiers and unknown routes get a 400, not a key."""
    service, url = kms
    status, answer = _post(url, route, service.issue_token(SCOPE, may_wrap=True), body)
    assert status == 400 and answer["error"]["code"] == "invalid_input"


def test_the_python_client_reports_a_refusal_in_one_line(kms) -> None:
    """pyarrow's KMS client surfaces the key service's message, not a stack of HTTP detail."""
    service, url = kms
    wrapped = _wrapped(service, url)
    client = LabKmsClient(url, service.issue_token(SCOPE, seconds=-1))
    with pytest.raises(ServiceUnavailable, match=r"refused to unwrap: .*expired"):
        client.unwrap_key(wrapped, FOOTER_KEY)

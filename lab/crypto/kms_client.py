"""The Python side of Parquet's KMS client interface: pyarrow's writer calls the lab's key service.

``pyarrow.parquet.encryption`` asks a ``KmsClient`` to wrap the keys it generates (and to unwrap
them when it reads or rotates); this one forwards each call over HTTP to ``kms_server`` with the
token of the connection configuration, so the writer holds no master key either. The JVM twin,
for Spark, is ``java/kms-client`` (``LabKmsClient``); both speak the same two routes.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request

import pyarrow.parquet.encryption as pe

from lab.errors import ServiceUnavailable

TIMEOUT_SECONDS = 30


class LabKmsClient(pe.KmsClient):
    """Calls ``POST {url}/v1/wrap`` and ``/v1/unwrap`` with a Bearer token (over HTTPS
    trusting the PEM CA file ``ca`` when given, else the system's trust store)."""

    def __init__(self, url: str, token: str, ca: str | None = None) -> None:
        super().__init__()
        self._url = url.rstrip("/")
        self._token = token
        self._tls = ssl.create_default_context(cafile=ca) if ca else None

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
        """``key_bytes`` wrapped by the lab for ``master_key_identifier``."""
        body = {"master_key": master_key_identifier, "key": base64.b64encode(key_bytes).decode()}
        return self._call("wrap", body)["wrapped"]

    def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
        """The key inside ``wrapped_key``, unwrapped by the lab."""
        body = {"master_key": master_key_identifier, "wrapped": wrapped_key}
        return base64.b64decode(self._call("unwrap", body)["key"])

    def _call(self, route: str, body: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 (the lab's own http URL, from settings)
            f"{self._url}/v1/{route}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=TIMEOUT_SECONDS, context=self._tls
            ) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            message = json.loads(refused.read() or b"{}").get("error", {}).get("message", "")
            raise ServiceUnavailable(
                f"the lab's key service refused to {route}: {message}"
            ) from None


def connection(
    url: str, token: str, ca: str | None = None
) -> tuple[pe.CryptoFactory, pe.KmsConnectionConfig]:
    """A crypto factory whose KMS client is ``LabKmsClient`` (trusting ``ca``) and a
    connection for ``token``."""
    factory = pe.CryptoFactory(
        lambda config: LabKmsClient(config.kms_instance_url, config.key_access_token, ca)
    )
    return factory, pe.KmsConnectionConfig(kms_instance_url=url, key_access_token=token)

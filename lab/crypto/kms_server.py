"""The lab's key service over HTTP: what Parquet's KMS clients (Python and JVM) call.

Two routes, JSON in and out, the token as ``Authorization: Bearer``::

    POST /v1/wrap    {"master_key": id, "key": base64}      -> {"wrapped": text}
    POST /v1/unwrap  {"master_key": id, "wrapped": text}    -> {"key": base64}

Errors use the lab's one error shape, ``{"error": {"code", "message"}}``, with its status (401
bad or expired token, 403 another table's key or a reading token that tries to wrap, 400
malformed request). The server binds loopback by default; a cluster's executors reach it on the
address ``DATALAB_GATEWAY_SPARK_KMS_BIND`` names, over HTTPS when a certificate and key are set
(``server_tls``; required off-machine: docs/scale.md). That
address may name a range of ports, ``host:9550-9553``: each process of ``datalab serve --workers
N`` runs its own key service (its tokens are signed with a secret of that process) on the first
free port of the range, and hands its own URL to its Spark session with each lease.
"""

from __future__ import annotations

import base64
import binascii
import errno
import json
import logging
import re
import socket
import ssl
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lab.crypto.kms import LabKms
from lab.errors import ConfigurationError, InvalidInput, LabError

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024
_EVERY_INTERFACE = ("0.0.0.0", "::", "")  # noqa: S104 (recognised, not bound here)
_BIND = re.compile(r"(?P<host>[\w.-]+):(?P<first>\d{1,5})(?:-(?P<last>\d{1,5}))?")


def parse_bind(bind: str) -> tuple[str, range]:
    """The host and the ports of ``host:port`` or ``host:first-last`` (port 0: any free one)."""
    found = _BIND.fullmatch(bind)
    first = int(found["first"]) if found else -1
    last = int(found["last"] or first) if found else -1
    if found is None or not 0 <= first <= last <= 65535 or (first == 0 and last != 0):
        raise ConfigurationError(
            f"DATALAB_GATEWAY_SPARK_KMS_BIND={bind!r} is not host:port or host:first-last"
        )
    return found["host"], range(first, last + 1)


def serve_on_first_free(kms: LabKms, bind: str, tls: ssl.SSLContext | None = None) -> KmsServer:
    """A started key service on the first free port of ``bind`` (``parse_bind``);
    ConfigurationError when every port of the range is taken."""
    host, ports = parse_bind(bind)
    for port in ports:
        try:
            return KmsServer(kms, host, port, tls).start()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
    raise ConfigurationError(
        f"every port of DATALAB_GATEWAY_SPARK_KMS_BIND={bind} is taken: give each server "
        "process one (a range as long as `datalab serve --workers`), or port 0"
    )


class KmsServer:
    """A ``LabKms`` served on ``host:port`` (port 0 picks a free one) from a daemon thread, over
    HTTPS when given a server ``tls`` context."""

    def __init__(
        self,
        kms: LabKms,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.kms = kms
        self._server = ThreadingHTTPServer((host, port), _handler_for(kms))
        self._server.daemon_threads = True
        self._scheme = "http" if tls is None else "https"
        if tls is not None:  # the handshake happens in the request's thread, not in accept
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="datalab-kms", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL clients call: the bound host, or this machine's name when bound to every
        interface (executors elsewhere cannot call 0.0.0.0)."""
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        if host in _EVERY_INTERFACE:
            host = socket.gethostname()
        return f"{self._scheme}://{host}:{port}"

    def start(self) -> KmsServer:
        """Serve in the background; returns self."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


def server_tls(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """The key service's TLS context from a PEM certificate and key, or None for plain HTTP;
    ConfigurationError when only one is given or they do not load."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigurationError(
            "set both DATALAB_GATEWAY_SPARK_KMS_TLS_CERT and DATALAB_GATEWAY_SPARK_KMS_TLS_KEY"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise ConfigurationError(
            f"the key service's TLS certificate or key does not load: {error.strerror or error}"
        ) from None
    return context


def _handler_for(kms: LabKms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                status, body = HTTPStatus.OK, _answer(kms, self.path, self._token(), self._json())
            except LabError as error:
                status = HTTPStatus(error.http_status)
                body = {"error": {"code": error.code, "message": error.message}}
            encoded = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(encoded)

        def _token(self) -> str:
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""

        def _json(self) -> dict:
            declared = self.headers.get("Content-Length") or "0"
            length = int(declared) if declared.isdigit() else 0
            if not 0 < length <= MAX_BODY:
                raise InvalidInput("the key-service request needs a small JSON body")
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise InvalidInput("the key-service request body is not a JSON object")
            return body

        def log_message(self, format: str, *args: object) -> None:
            log.debug("kms %s", self.path)  # never the token or the body

    return Handler


def _answer(kms: LabKms, path: str, token: str, body: dict) -> dict:
    """The JSON answer of one route (LabError for anything refused)."""
    master_key = _field(body, "master_key")
    if path == "/v1/wrap":
        key = _decode_key(_field(body, "key"))
        return {"wrapped": kms.wrap(token, master_key, key)}
    if path == "/v1/unwrap":
        key = kms.unwrap(token, master_key, _field(body, "wrapped"))
        return {"key": base64.b64encode(key).decode()}
    raise InvalidInput("the key service has two routes: POST /v1/wrap and /v1/unwrap")


def _field(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"the key-service request needs the text field {name!r}")
    return value


def _decode_key(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the key to wrap is not standard base64") from None

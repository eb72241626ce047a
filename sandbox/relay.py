"""The gateway relay: an HTTP allow-list between sandbox kernels and the lab's DP gateway.

The lab app listens on the host's loopback, which kernels cannot reach; the relay listens on the
bridge address (one of the two host ports the firewall lets kernels reach). It is not a byte pipe:
uvicorn parses every request (keep-alive, pipelining and chunked bodies included), and only the
method-and-path pairs the notebook SDK uses under ``/api/gateway/`` go on to the lab — each with
its Authorization, Accept and Content-Type headers and nothing else (no Cookie, no forwarding
headers), a body of at most ``MAX_BODY`` bytes and a header block of at most ``MAX_HEADER``
bytes. Anything else is answered here, in the lab's one JSON error shape, and never reaches the
lab: so a kernel holding a stolen browser session or an API token still reaches only the gateway,
which serves sandbox session tokens alone (DESIGN §9.5).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import uvicorn

MAX_BODY = 256 * 1024
MAX_HEADER = 16 * 1024
UPSTREAM_TIMEOUT = 120.0
_SEGMENT = r"(?!\.\.?/|\.\.?$)[^/]+"
GATEWAY_ROUTES = (
    ("GET", re.compile(r"/api/gateway/datasets")),
    ("GET", re.compile(rf"/api/gateway/datasets/{_SEGMENT}")),
    ("GET", re.compile(rf"/api/gateway/datasets/{_SEGMENT}/mock")),
    ("POST", re.compile(r"/api/gateway/cost")),
    ("POST", re.compile(r"/api/gateway/query")),
    ("GET", re.compile(r"/api/gateway/budget")),
    ("GET", re.compile(r"/api/gateway/history")),
)
FORWARDED_REQUEST_HEADERS = ("authorization", "accept", "content-type")
RETURNED_RESPONSE_HEADERS = ("content-type", "x-request-id")

Send = Callable[[dict], Awaitable[None]]
Receive = Callable[[], Awaitable[dict]]


class Refused(Exception):
    """A request the relay answers itself, with a status, a code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check_route(method: str, path: str) -> None:
    """Pass a gateway route the SDK uses; refuse every other method and path."""
    matching = [m for m, pattern in GATEWAY_ROUTES if pattern.fullmatch(path)]
    if not matching:
        raise Refused(404, "not_found", "the sandbox reaches only the DP gateway's routes")
    if method not in matching:
        raise Refused(405, "method_not_allowed", f"{method} is not allowed on this route")


def check_header_size(headers: list[tuple[bytes, bytes]]) -> None:
    """Refuse header blocks past ``MAX_HEADER`` bytes (h11 bounds only partly received ones)."""
    if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER:
        raise Refused(431, "too_large", f"request headers are limited to {MAX_HEADER} bytes")


@dataclass(frozen=True)
class GatewayRelay:
    """The relay as an ASGI app forwarding allowed requests to the gateway at ``target``."""

    target: str
    client: httpx.AsyncClient

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        try:
            check_route(scope["method"], scope["path"])
            check_header_size(scope["headers"])
            body = await _bounded_body(scope, receive)
            status, headers, content = await self._forward(scope, body)
        except Refused as refusal:
            status, headers, content = _refusal(refusal)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Close the upstream connections when the server stops."""
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await self.client.aclose()
        await send({"type": "lifespan.shutdown.complete"})

    async def _forward(self, scope: dict, body: bytes) -> tuple[int, list, bytes]:
        raw = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
        url = httpx.URL(self.target).copy_with(raw_path=raw)
        wanted = {name.encode() for name in FORWARDED_REQUEST_HEADERS}
        headers = [(k, v) for k, v in scope["headers"] if k.lower() in wanted]
        content = body if scope["method"] == "POST" else None
        try:
            answer = await self.client.request(
                scope["method"], url, headers=headers, content=content
            )
        except httpx.HTTPError:
            raise Refused(503, "service_unavailable", "the DP gateway is unavailable") from None
        kept = [
            (name.encode(), answer.headers[name].encode())
            for name in RETURNED_RESPONSE_HEADERS
            if name in answer.headers
        ]
        return answer.status_code, kept, answer.content


async def _bounded_body(scope: dict, receive: Receive) -> bytes:
    """The request body, refused with 413 once it passes ``MAX_BODY`` bytes."""
    declared = dict(scope["headers"]).get(b"content-length", b"0")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        raise Refused(413, "too_large", f"request bodies are limited to {MAX_BODY} bytes")
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "invalid_input", "the request ended early")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "too_large", f"request bodies are limited to {MAX_BODY} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _refusal(refusal: Refused) -> tuple[int, list, bytes]:
    error = {"code": refusal.code, "message": refusal.message, "request_id": uuid.uuid4().hex}
    body = json.dumps({"error": error}).encode()
    return refusal.status, [(b"content-type", b"application/json")], body


def make_server(listen: tuple[str, int], target: tuple[str, int]) -> uvicorn.Server:
    """The relay's HTTP server: strict parsing (h11), bounded headers, no server banner."""
    no_cookies = CookieJar(DefaultCookiePolicy(allowed_domains=[]))  # shared by all kernels
    client = httpx.AsyncClient(
        timeout=UPSTREAM_TIMEOUT, trust_env=False, follow_redirects=False, cookies=no_cookies
    )
    app = GatewayRelay(f"http://{target[0]}:{target[1]}", client)
    config = uvicorn.Config(
        app,
        host=listen[0],
        port=listen[1],
        http="h11",
        h11_max_incomplete_event_size=MAX_HEADER,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_keep_alive=5,
        limit_concurrency=64,
        log_config=None,
        access_log=False,
    )
    return uvicorn.Server(config)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main() -> None:
    """Run the relay from the command line (``--listen``, ``--target``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_address, required=True, help="host:port to listen on")
    parser.add_argument("--target", type=_address, required=True, help="the gateway's host:port")
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        make_server(arguments.listen, arguments.target).run()


if __name__ == "__main__":
    main()

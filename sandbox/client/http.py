"""A tiny JSON-over-HTTP caller for the DP gateway, built on the standard library alone.

Every request carries ``Authorization: Bearer <token>`` (a header, never the URL: DESIGN §5) and a
timeout. The lab's one error shape ``{"error": {"code", "message", "request_id"}}`` becomes a
:class:`LabError`; so do an unreachable gateway, a timeout and an answer that is not JSON.

Redirects are not followed (urllib would forward the token to wherever they point) and proxy
settings from the environment are ignored: a sandbox reaches the gateway directly or not at all.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, ProxyHandler, Request, build_opener


class LabError(Exception):
    """What the gateway (or the SDK on its behalf) refused, with a code to branch on.

    ``status`` is the HTTP status when the gateway answered, ``None`` when it never did (not
    configured, unreachable, timed out). ``request_id`` ties the error to the gateway's log.
    """

    def __init__(
        self, code: str, message: str, status: int | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id


class _RefuseRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = build_opener(ProxyHandler({}), _RefuseRedirects)


class GatewayCaller:
    """Sends JSON requests to one gateway with one token and returns the decoded JSON object."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LabError(
                "not_configured", f"the gateway URL must be http(s)://host[:port], got {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"GatewayCaller({self.base_url!r})"

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``path`` (with ``params`` as its query string)."""
        return self._call("GET", path + (f"?{urlencode(params)}" if params else ""))

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` as JSON to ``path``."""
        return self._call("POST", path, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _call(self, method: str, path: str, data: bytes | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        # base_url was checked to be http(s) in __init__: no file:// or custom schemes.
        request = Request(self.base_url + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                payload = response.read()
        except HTTPError as exc:
            with exc:
                raise _error_from_answer(exc.code, exc.read()) from None
        except (URLError, OSError) as exc:
            raise self._unreachable(exc) from None
        return _decode(payload)

    def _unreachable(self, exc: OSError) -> LabError:
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, TimeoutError):
            return LabError(
                "timeout", f"the gateway at {self.base_url} did not answer in {self._timeout} s"
            )
        return LabError(
            "gateway_unreachable", f"cannot reach the gateway at {self.base_url}: {reason}"
        )


def _error_from_answer(status: int, payload: bytes) -> LabError:
    try:
        error = json.loads(payload)["error"]
        return LabError(str(error["code"]), str(error["message"]), status, error.get("request_id"))
    except (ValueError, TypeError, KeyError, AttributeError):
        return LabError(
            "http_error", f"the gateway answered HTTP {status} without an error body", status
        )


def _decode(payload: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise LabError("bad_answer", "the gateway answered with something other than a JSON object")
    return answer

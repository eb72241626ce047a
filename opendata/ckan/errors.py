"""CKAN's error types, their status codes, and the envelope every action answer is wrapped in.

Success: ``{"help", "success": true, "result"}``. Failure: ``{"help", "success": false,
"error": {"__type", "message", …}}`` with 404 "Not Found Error", 403 "Authorization Error",
409 "Validation Error" (field → messages), 400 "Search Query Error" — the types the ``ckanapi``
client turns back into its exceptions. Lab errors raised underneath are mapped here.
"""

from __future__ import annotations

from lab.errors import InvalidInput, LabError, NotAuthenticated, NotFound, PermissionDenied
from opendata.portal.ratelimit import RateLimited


class CkanError(Exception):
    """An action failure as CKAN reports it."""

    type_name = "Bad request"
    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message, self.fields = message, fields or {}
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, object]:
        return {"__type": self.type_name, "message": self.message, **self.fields}


class BadRequest(CkanError):
    """A request CKAN could not read."""

    type_name, status = "Bad request", 400


class NotFoundError(CkanError):
    """No such dataset, resource, organization or group."""

    type_name, status = "Not Found Error", 404


class AuthorizationError(CkanError):
    """Something the caller may not do or read (a write action, conditional data)."""

    type_name, status = "Authorization Error", 403


class ValidationError(CkanError):
    """A parameter with a wrong or missing value."""

    type_name, status = "Validation Error", 409


class SearchQueryError(CkanError):
    """A search query that cannot be run."""

    type_name, status = "Search Query Error", 400


class TooManyRequests(CkanError):
    """The caller is over the portal's rate limit."""

    type_name, status = "Too Many Requests", 429


class InternalServerError(CkanError):
    """A fault of the portal; the caller is told to quote the request id."""

    type_name, status = "Internal Server Error", 500


def validation(field: str, message: str) -> ValidationError:
    """A validation error about one field, in CKAN's shape."""
    return ValidationError(f"{field}: {message}", {field: [message]})


def from_lab_error(exc: LabError) -> CkanError:
    """The CKAN error a lab error stands for."""
    if isinstance(exc, NotFound):
        return NotFoundError(f"Not found: {exc.message}")
    if isinstance(exc, NotAuthenticated | PermissionDenied):
        return AuthorizationError(f"Access denied: {exc.message}")
    if isinstance(exc, RateLimited):
        error = TooManyRequests(exc.message)
        error.headers = dict(exc.headers)
        return error
    if isinstance(exc, InvalidInput):
        field = exc.message.split(":", 1)[0].strip() if ":" in exc.message else "input"
        return ValidationError(exc.message, {field: [exc.message]})
    return InternalServerError("internal error; quote the request id")


def envelope(help_url: str, result: object) -> dict[str, object]:
    """CKAN's success envelope around an action's result."""
    return {"help": help_url, "success": True, "result": result}


def failure(help_url: str, error: CkanError) -> dict[str, object]:
    """CKAN's failure envelope around an error."""
    return {"help": help_url, "success": False, "error": error.body()}

"""The lab's one error hierarchy; the HTTP edge maps it to one JSON error shape.

Caller errors carry a message that says what to fix. ``InternalError`` means a broken invariant:
its message says "this is a bug" and never carries data.
"""

from __future__ import annotations


class LabError(Exception):
    """Base of every error the lab raises on purpose."""

    code = "lab_error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(LabError):
    """A setting is missing or malformed; the message names it and the expected form."""

    code = "configuration_error"
    http_status = 500


class ServiceUnavailable(LabError):
    """A backing service (database, object store) cannot be reached."""

    code = "service_unavailable"
    http_status = 503


class InvalidInput(LabError):
    """The caller sent something malformed; the message says what and how to fix it."""

    code = "invalid_input"
    http_status = 400


class NotAuthenticated(LabError):
    """No valid credentials were presented."""

    code = "not_authenticated"
    http_status = 401


class PermissionDenied(LabError):
    """The caller is known but may not do this."""

    code = "permission_denied"
    http_status = 403


class NotFound(LabError):
    """The named thing does not exist (or the caller may not know it does)."""

    code = "not_found"
    http_status = 404


class Conflict(LabError):
    """The request clashes with the current state (duplicate name, stale version)."""

    code = "conflict"
    http_status = 409


class RateLimited(LabError):
    """The caller made more requests than its limit allows; the message says which limit."""

    code = "rate_limited"
    http_status = 429


class IntegrityError(LabError):
    """Stored data failed an authenticity or integrity check (tampering, wrong key)."""

    code = "integrity_error"
    http_status = 500


class InternalError(LabError):
    """A broken invariant. This is a bug; the message never carries data."""

    code = "internal_error"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(f"{message} — this is a bug in City Data Lab, please report it")

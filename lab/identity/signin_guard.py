"""The sign-in policy every password form shares: throttle first, count refusals per window.

Used by the lab's HTTP sign-in (``lab.http.signin``) and by the sandbox hub's authenticator, so
that both limit guessing the same way and neither writes one audit entry per wrong password.
Its methods may write the audit log (once per window): call them with no database connection
held, from a worker thread when on an event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.audit import AuditLog
from lab.identity.refusals import RefusalTally
from lab.identity.throttle import SignInLimits, SignInThrottle, SignInThrottled
from lab.settings import LabSettings


@dataclass(frozen=True)
class SignInGuard:
    """A throttle and the tally of refusals of one sign-in surface (``web`` or ``hub``)."""

    throttle: SignInThrottle
    refusals: RefusalTally

    @classmethod
    def from_settings(cls, settings: LabSettings, audit: AuditLog, *, target: str) -> SignInGuard:
        limits = SignInLimits(
            window_seconds=settings.signin_window_seconds,
            per_address=settings.signin_per_address,
            per_account=settings.signin_per_account,
            username_failures=settings.signin_username_failures,
            username_delay=settings.signin_username_delay,
        )
        tally = RefusalTally(
            audit, window_seconds=settings.signin_audit_window_seconds, target=target
        )
        return cls(SignInThrottle(limits), tally)

    def admit(self, address: str, username: str) -> float:
        """Seconds to wait before checking the password; SignInThrottled (counted) if refused."""
        try:
            return self.throttle.admit(address, username)
        except SignInThrottled:
            self.refusals.throttled(address, username)
            raise

    def settle(self, address: str, username: str, *, accepted: bool) -> None:
        """Record the password check's outcome."""
        if accepted:
            self.throttle.succeeded(address, username)
        else:
            self.throttle.failed(username)
            self.refusals.refused(address, username)

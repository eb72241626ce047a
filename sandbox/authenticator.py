"""Logging in to the hub with lab credentials; only approved project members get a server.

The hub's user names are the lab's usernames. Any active lab user may sign in (so that one without
an approved project is told why, rather than shown a bare refusal); starting a server is refused
by the spawner with a clear message unless the user's organisation holds an approved project.
"""

from __future__ import annotations

import asyncio

from jupyterhub.auth import Authenticator
from traitlets import default

from lab.identity.signin_guard import SignInGuard
from lab.identity.throttle import SignInThrottled
from sandbox.identity import check_login
from sandbox.runtime import hub_lab


class LabAuthenticator(Authenticator):
    """Checks a username and password against the lab's accounts (argon2id hashes).

    Attempts pass the lab's sign-in guard first (per address and account, slowed per username,
    refusals audited per window), as the lab's own sign-in forms do.
    """

    _guard: SignInGuard | None = None

    @default("allow_all")
    def _default_allow_all(self) -> bool:
        return True  # lab accounts are the allow-list; projects gate servers, not logins

    async def authenticate(self, handler, data):
        username = (data or {}).get("username", "").strip()
        password = (data or {}).get("password", "")
        if not username or not password:
            return None
        lab = hub_lab()
        if self._guard is None:
            self._guard = SignInGuard.from_settings(lab.settings, lab.audit, target="hub")
        address = handler.request.remote_ip or "unknown"
        try:
            await asyncio.sleep(await asyncio.to_thread(self._guard.admit, address, username))
        except SignInThrottled:
            return None
        accepted = await asyncio.to_thread(check_login, lab, username, password)
        await asyncio.to_thread(self._guard.settle, address, username, accepted=accepted)
        return username if accepted else None

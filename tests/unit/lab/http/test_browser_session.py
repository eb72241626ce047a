"""The one browser-session module, attacked through the real pages that use it.

Every kind of page (the steward's, the enterprise's, the auditor's, the portal's) reads its
session through ``lab.http.browser_session``; these tests forge cookies and swap CSRF tokens
between sessions and expect each page to refuse.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.errors import PermissionDenied
from lab.http.browser_session import SESSION_COOKIE, csrf_token_for, require_form_token
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, post, sign_in

FORGED = "cdl_deadbeef_" + "A" * 43


def test_form_token_must_be_the_sessions_own() -> None:
    """Equal tokens pass; a wrong, empty or other session's token is refused."""
    key = b"k" * 32
    mine, theirs = csrf_token_for(key, "cookie-a"), csrf_token_for(key, "cookie-b")
    assert mine != theirs and len(mine) == 64
    require_form_token(mine, mine)
    for submitted in (theirs, "", mine[:-1], mine.upper()):
        with pytest.raises(PermissionDenied):
            require_form_token(mine, submitted)


@pytest.mark.parametrize(
    ("page", "sign_in_at"),
    [
        ("/steward/", "/steward/login"),
        ("/steward/negative-list", "/steward/login"),
        ("/enterprise/", "/enterprise/login"),
        ("/auditor/", "/auditor/login"),
        ("/account/applications", "/account/login?next=%2Faccount%2Fapplications"),
    ],
)
def test_forged_cookie_is_sent_to_sign_in(sqlite_lab: LabServices, page, sign_in_at) -> None:
    """A cookie that names nobody is no session on any kind of page: 303 to its sign-in."""
    with TestClient(create_app(sqlite_lab)) as browser:
        browser.cookies.set(SESSION_COOKIE, FORGED)
        answer = browser.get(page, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == sign_in_at


def test_another_sessions_csrf_token_is_refused(sqlite_lab: LabServices) -> None:
    """Steward B's form token does not carry steward A's form; A's own token does."""
    add_user(sqlite_lab, "steward", Role.STEWARD)
    add_user(sqlite_lab, "other", Role.STEWARD)
    app = create_app(sqlite_lab)
    with TestClient(app) as victim, TestClient(app) as attacker:
        assert sign_in(victim).status_code == 303
        assert sign_in(attacker, "other").status_code == 303
        stolen = csrf_of(attacker, "/steward/negative-list")
        form = {"kind": "header", "value": "银行卡号", "reason": "test", "note": ""}
        refused = post(victim, "/steward/negative-list", {**form, "csrf_token": stolen})
        assert refused.status_code == 403
        assert "银行卡号" not in victim.get("/steward/negative-list").text
        own = csrf_of(victim, "/steward/negative-list")
        done = post(victim, "/steward/negative-list", {**form, "csrf_token": own})
    assert done.status_code == 303
    assert done.headers["location"] == "/steward/negative-list?done=listed"

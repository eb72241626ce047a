"""The enterprise's pages: sign in, grant with CSRF, revoke, see queries, dispute, repair."""

from __future__ import annotations

import re

import pytest

from lab.credit.disputes import REASON_RULE
from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from tests.unit.lab.credit.conftest import BANK, CreditWorld, ask

PASSWORD = "enterprise-pages-2026"


@pytest.fixture
def database_url(tmp_path) -> str:
    """The pages are not about the database: SQLite only (the API tests run on PostgreSQL too)."""
    return f"sqlite:///{tmp_path / 'lab.db'}"


def signed_in(world: CreditWorld) -> str:
    """Sign the enterprise admin in through the form; returns the page's CSRF token."""
    with transaction(world.lab.sessions) as session:
        create_user(
            session,
            world.lab.audit,
            actor="test",
            username="ent-web",
            roles=[Role.ENTERPRISE_ADMIN],
            password=PASSWORD,
            organisation="测试企业",
        )
    world.client.headers.pop("Authorization", None)
    signed = world.client.post(
        "/enterprise/login", data={"username": "ent-web", "password": PASSWORD}
    )
    assert signed.status_code == 200 and "我的信用授权" in signed.text
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', signed.text).group(1)


def form(world: CreditWorld, path: str, **fields):
    return world.client.post(path, data=fields)


def test_grant_revoke_and_receipt_through_pages(world: CreditWorld) -> None:
    """A grant from the page is signed and listed; revoking it from the page stops service."""
    csrf = signed_in(world)
    granted = form(
        world,
        "/enterprise/consents",
        csrf_token=csrf,
        bank=BANK,
        purpose="loan_application",
        level="indicators",
        scopes=["tax", "utilities"],
        window_months="24",
        validity_days="90",
        query_cap="5",
    )
    assert granted.status_code == 200 and "授权已生效并已签名" in granted.text
    consent_id = re.search(r'id="consent-(cst_[0-9a-f]+)"', granted.text).group(1)
    receipt = world.client.get(f"/enterprise/consents/{consent_id}/receipt.json")
    assert receipt.json()["consent"]["scopes"] == ["tax", "utilities"]
    assert ask(world, consent_id, level="indicators").status_code == 200
    page = world.client.get("/enterprise/")
    assert "<td>banker</td>" in page.text and "已返回" in page.text
    revoked = form(world, f"/enterprise/consents/{consent_id}/revoke", csrf_token=csrf)
    assert "授权已撤销" in revoked.text
    assert ask(world, consent_id, level="indicators").status_code == 404


def test_forms_need_the_csrf_token(world: CreditWorld) -> None:
    """A form without the session's CSRF token is refused and changes nothing."""
    signed_in(world)
    refused = form(
        world,
        "/enterprise/consents",
        bank=BANK,
        purpose="renewal",
        level="verify",
        scopes=["tax"],
    )
    assert refused.status_code == 403
    assert "下载授权回执" not in world.client.get("/enterprise/").text


def test_bad_grant_is_explained_inline(world: CreditWorld) -> None:
    """An open-ended validity is refused on the page: the reason in English mode, a Chinese
    explanation (never the English developer message) in Chinese mode."""
    csrf = signed_in(world)
    fields = {
        "csrf_token": csrf,
        "bank": BANK,
        "purpose": "renewal",
        "level": "verify",
        "scopes": ["tax"],
        "validity_days": "4000",
    }
    chinese = form(world, "/enterprise/consents", **fields)
    assert chinese.status_code == 400 and "请求的内容有误" in chinese.text
    assert "at most a year" not in chinese.text
    world.client.cookies.set("portal_lang", "en")
    english = form(world, "/enterprise/consents", **fields)
    assert english.status_code == 400 and "at most a year" in english.text


def test_dispute_is_flagged_at_once_with_its_clock(world: CreditWorld) -> None:
    """A dispute filed on the page shows 20 days left and flags the item in the next profile."""
    csrf = signed_in(world)
    consent = world.client.post(
        "/api/credit/enterprise/consents",
        json={"bank": BANK, "purpose": "renewal", "scopes": ["tax"], "level": "verify"},
        headers=world.enterprise_headers,
    ).json()["consent"]
    filed = form(
        world,
        "/enterprise/disputes",
        csrf_token=csrf,
        item="tax.months_in_arrears",
        reason="欠税已于上月全部缴清，数据未更新。",
    )
    assert "剩余 19 天" in filed.text or "剩余 20 天" in filed.text
    profile = ask(world, consent["consent_id"], purpose="renewal", level="verify").json()
    assert profile["disputed_items"] == ["tax.months_in_arrears"]


def test_unknown_people_are_sent_to_sign_in(world: CreditWorld) -> None:
    """Without a session the page redirects to the sign-in form."""
    world.client.headers.pop("Authorization", None)
    response = world.client.get("/enterprise/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/enterprise/login"


def test_dispute_form_states_the_reason_rule_the_server_checks(world: CreditWorld) -> None:
    """The reason's rule is stated beside the field before submission; a shorter reason is
    refused on the page with the same rule named."""
    csrf = signed_in(world)
    page = world.client.get("/enterprise/").text
    assert f'id="dispute-reason-hint">{REASON_RULE.hint_zh}<' in page
    assert f'minlength="{REASON_RULE.min_chars}"' in page
    short = form(
        world, "/enterprise/disputes", csrf_token=csrf, item="tax.months_in_arrears", reason="不对"
    )
    assert short.status_code == 400 and f"理由：{REASON_RULE.hint_zh}" in short.text


def test_sign_out_needs_the_token_and_ends_the_session(world: CreditWorld) -> None:
    """A sign-out posted without the page's token is refused and the session stays; with it,
    the browser goes back to the sign-in page and the old cookie opens nothing."""
    csrf = signed_in(world)
    cookie = world.client.cookies.get("datalab_session")
    assert form(world, "/enterprise/logout").status_code == 403
    assert world.client.get("/enterprise/", follow_redirects=False).status_code == 200
    out = world.client.post("/enterprise/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/enterprise/login")
    world.client.cookies.set("datalab_session", cookie)  # replaying the old cookie
    again = world.client.get("/enterprise/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/enterprise/login")

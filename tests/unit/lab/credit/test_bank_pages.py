"""The bank officer's page: consent requests from the page, a served profile shown with its
result, the officer's rate-limit use, another bank's consents never shown, CSRF enforced."""

from __future__ import annotations

import re

import pytest

from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from tests.unit.lab.credit.conftest import ALL_SCOPES, BANK, OTHER_BANK, CreditWorld, grant

PASSWORD = "bank-pages-2026"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def database_url(tmp_path) -> str:
    """The pages are not about the database: SQLite only (the API tests run on PostgreSQL too)."""
    return f"sqlite:///{tmp_path / 'lab.db'}"


def officer(world: CreditWorld, username: str = "bank-web", bank: str = BANK) -> str:
    """Sign a new officer of ``bank`` in through the form; returns the page's CSRF token."""
    with transaction(world.lab.sessions) as session:
        create_user(
            session,
            world.lab.audit,
            actor="test",
            username=username,
            roles=[Role.BANK_OPERATOR],
            password=PASSWORD,
            organisation=bank,
        )
    world.client.headers.pop("Authorization", None)
    world.client.cookies.clear()
    signed = world.client.post("/bank/login", data={"username": username, "password": PASSWORD})
    assert signed.status_code == 200 and bank in signed.text
    return CSRF.search(signed.text).group(1)


def test_served_profile_request_and_limits_on_the_page(world: CreditWorld) -> None:
    """A profile requested from the page under a live consent is shown, listed as served, and
    counted in the officer's limits."""
    consent = grant(world)["consent"]
    csrf = officer(world)
    page = world.client.get("/bank/")
    assert consent["consent_id"] in page.text and "已授权" in page.text
    answered = world.client.post(
        "/bank/profiles",
        data={
            "csrf_token": csrf,
            "consent_id": consent["consent_id"],
            "credit_code": world.code,
            "purpose": "loan_application",
            "level": "report",
        },
    )
    assert answered.status_code == 200 and "已提供画像" in answered.text
    assert f"&#34;credit_code&#34;: &#34;{world.code}&#34;" in answered.text
    requests = answered.text.split('id="requests"')[1]
    assert "bank-web" in requests and "已提供" in requests
    limits = answered.text.split('id="limit-operator_day"')[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', limits)[0] == "1"


def test_consent_request_from_the_page_and_other_banks_see_nothing(world: CreditWorld) -> None:
    """The request waits for the enterprise; an officer of another bank does not see it."""
    csrf = officer(world)
    sent = world.client.post(
        "/bank/consent-requests",
        data={
            "csrf_token": csrf,
            "credit_code": world.code,
            "purpose": "post_loan_monitoring",
            "level": "indicators",
            "scopes": ["tax", "utilities"],
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/bank/?done=requested"
    asked = world.client.get("/bank/").text.split('id="asked"')[1].split("</table>")[0]
    assert world.code in asked and "贷后管理" in asked
    officer(world, "other-web", OTHER_BANK)
    assert world.code not in world.client.get("/bank/").text


def test_bad_input_is_shown_inline_and_forms_need_csrf(world: CreditWorld) -> None:
    """A wrong check character is refused on the page (the English detail only on the English
    page); a post without the token is refused."""
    csrf = officer(world)
    form = {"credit_code": world.code[:-1] + "0", "purpose": "loan_application"}
    form |= {"level": "verify", "scopes": ALL_SCOPES}
    refused = world.client.post("/bank/consent-requests", data={"csrf_token": csrf, **form})
    assert refused.status_code == 400 and "请求的内容有误" in refused.text
    assert "check character" not in refused.text
    world.client.cookies.set("portal_lang", "en")
    english = world.client.post("/bank/consent-requests", data={"csrf_token": csrf, **form})
    assert english.status_code == 400 and "check character" in english.text
    assert world.client.post("/bank/consent-requests", data=form).status_code == 403


def test_revoked_consent_is_listed_without_a_request_button(world: CreditWorld) -> None:
    """Once the enterprise revokes a consent the page lists it as revoked, with no request form."""
    consent_id = grant(world)["consent"]["consent_id"]
    revoked = world.client.post(
        f"/api/credit/enterprise/consents/{consent_id}/revoke", headers=world.enterprise_headers
    )
    assert revoked.status_code == 200
    officer(world)
    row = world.client.get("/bank/").text.split(f'id="consent-{consent_id}"')[1].split("</tr>")[0]
    assert "已撤销" in row and "/bank/profiles" not in row

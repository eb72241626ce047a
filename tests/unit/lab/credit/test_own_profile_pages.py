"""The enterprise's own profile page, named dispute items, the revoke confirmation and English
mode — through the real routes, with the enterprise and the bank signed in as users are."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import delete, func, select

from lab.credit.disputes import disputable_items
from lab.credit.item_names import item_name, item_unit, reason_name, value_text
from lab.db import transaction
from lab.db.models import AuditEntry, CreditProfileFeatures, CreditQuery
from tests.unit.lab.credit.conftest import ALL_SCOPES, BANK, CreditWorld, ask, grant
from tests.unit.lab.credit.test_bank_pages import officer
from tests.unit.lab.credit.test_enterprise_pages import form, signed_in

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture
def database_url(tmp_path) -> str:
    """The pages are not about the database: SQLite only (the API tests run on PostgreSQL too)."""
    return f"sqlite:///{tmp_path / 'lab.db'}"


def dispute(world: CreditWorld, csrf: str, item: str, reason: str):
    """File a dispute through the enterprise's form."""
    return form(world, "/enterprise/disputes", csrf_token=csrf, item=item, reason=reason)


def row_of(page: str, key: str) -> str:
    """The profile page's table row of one item."""
    return page.split(f'id="item-{key}"', 1)[1].split("</tr>", 1)[0]


def test_profile_page_shows_what_the_bank_is_served(world: CreditWorld) -> None:
    """Every indicator, check and the score (points, grade, reasons) on the enterprise's page
    equal the bank's report-level profile of the same enterprise, named in Chinese with units
    and the as-of date; the view is audited and is not logged as a bank query."""
    csrf = signed_in(world)
    dispute(world, csrf, "tax.late_filings", "逾期申报系税务系统故障所致，已有证明。")
    consent = grant(world, scopes=ALL_SCOPES, level="report", window_months=24)["consent"]
    served = ask(world, consent["consent_id"])
    assert served.status_code == 200
    bank_view = served.json()
    with world.lab.sessions() as session:
        queries_before = session.scalar(select(func.count()).select_from(CreditQuery))

    page = world.client.get("/enterprise/profile")

    assert page.status_code == 200
    text = page.text
    score = bank_view["score"]
    assert f'id="score-points">{score["points"]}<' in text
    assert f'id="score-grade">{score["grade"]}<' in text
    reasons = text.split('id="score-reasons"')[1].split("</ul>")[0]
    assert re.findall(r"<code>(\w+)</code>", reasons) == [r["code"] for r in score["reasons"]]
    for reason in score["reasons"]:
        assert reason["text"] in reasons  # the scorecard's own Chinese text
    shown = 0
    for scope, block in bank_view["scopes"].items():
        if "status" in block:
            assert f'id="scope-{scope}"' in text
            continue
        for name, value in {**block["checks"], **block["indicators"]}.items():
            key = f"{scope}.{name}"
            row = row_of(text, key)
            assert f">{item_name(key, 'zh')}<" in row
            if key not in ("registration.enterprise_type", "registration.district"):
                assert f">{escape(value_text(value, 'zh'))}<" in row, key
            assert bank_view["data_as_of"] in row
            if item_unit(key, "zh") and not isinstance(value, bool):
                assert f"<td>{item_unit(key, 'zh')}</td>" in row
            shown += 1
        for name, value in block.get("public_items", {}).items():
            if isinstance(value, str) and value:
                assert f">{escape(value)}<" in row_of(text, f"{scope}.{name}"), name
    assert shown >= 30
    assert bank_view["disputed_items"] == ["tax.late_filings"]
    assert "有异议" in row_of(text, "tax.late_filings")
    assert "有异议" not in row_of(text, "tax.months_in_arrears")
    with world.lab.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CreditQuery)) == queries_before
        viewed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "credit.own_profile.view")
        ).all()
    assert [e.actor for e in viewed] == ["ent-web"]


def test_profile_page_without_stored_features_says_so(world: CreditWorld) -> None:
    """An enterprise the lab holds no features for is told so (no score, no rows), not shown
    an error or another firm's profile."""
    signed_in(world)
    with transaction(world.lab.sessions) as session:
        session.execute(
            delete(CreditProfileFeatures).where(CreditProfileFeatures.credit_code == world.code)
        )
    page = world.client.get("/enterprise/profile")
    assert page.status_code == 200 and 'id="no-profile"' in page.text
    assert 'id="score-points"' not in page.text and 'id="item-' not in page.text


def item_rows(page: str) -> dict[str, str]:
    """Every item row of a page showing a profile, by item key."""
    return dict(re.findall(r'<tr id="item-([\w.]+)">(.*?)</tr>', page))


def test_bank_officer_page_shows_the_same_rows_and_score(world: CreditWorld) -> None:
    """The officer's served report, shown by name on the bank page, has the very rows and score
    the enterprise's own profile page has; in English mode neither page says anything in
    Chinese outside marked names."""
    consent_id = grant(world, scopes=ALL_SCOPES, level="report")["consent"]["consent_id"]
    signed_in(world)
    own = world.client.get("/enterprise/profile").text
    csrf = officer(world)
    fields = {
        "csrf_token": csrf,
        "consent_id": consent_id,
        "credit_code": world.code,
        "purpose": "loan_application",
        "level": "report",
    }
    bank = world.client.post("/bank/profiles", data=fields).text
    rows = item_rows(own)
    assert len(rows) >= 30 and item_rows(bank) == rows
    score = own.split('id="score-points"')[1].split("</dl>")[0]
    assert bank.split('id="score-points"')[1].split("</dl>")[0] == score
    world.client.cookies.set("portal_lang", "en")
    english = world.client.post("/bank/profiles", data=fields).text
    assert "Months in tax arrears" in english and 'id="score-reasons"' in english
    shown = visible_text(english)
    assert not CJK.search(shown), sorted(set(CJK.findall(shown)))


def test_every_disputable_item_and_reason_has_names() -> None:
    """Each of the ~50 disputable keys, and each reason and veto code, has a Chinese name and
    an English one without Chinese characters."""
    items = disputable_items()
    assert len(items) > 40
    for key in items:
        chinese, english = item_name(key, "zh"), item_name(key, "en")
        assert chinese != key and CJK.search(chinese), key
        assert english != key and not CJK.search(english), key
    for code in [f"R{n:02d}" for n in range(1, 12)] + ["V01", "V02"]:
        assert CJK.search(reason_name(code, "zh")) and not CJK.search(reason_name(code, "en"))


def test_dispute_form_lists_items_by_name_grouped_by_scope(world: CreditWorld) -> None:
    """The form's options show names, not keys, inside one group per scope (plus the score);
    a dispute filed by key is listed by its name."""
    csrf = signed_in(world)
    page = world.client.get("/enterprise/").text
    select_html = page.split('<select id="item"')[1].split("</select>")[0]
    options = dict(re.findall(r'<option value="([\w.]+)">([^<]+)</option>', select_html))
    assert set(options) == set(disputable_items())
    for key, shown in options.items():
        assert key not in shown and CJK.search(shown), (key, shown)
    groups = re.findall(r'<optgroup label="([^"]+)">', select_html)
    assert groups[0] == "信用评分" and "纳税信用等级与纳税区间" in groups and len(groups) == 9
    tax_group = select_html.split('label="纳税信用等级与纳税区间"')[1].split("</optgroup>")[0]
    assert 'value="tax.months_in_arrears">欠税月数<' in tax_group
    filed = dispute(world, csrf, "tax.months_in_arrears", "欠税已于上月全部缴清，数据未更新。")
    assert "<td>欠税月数 <code>tax.months_in_arrears</code></td>" in filed.text


def test_revoke_asks_to_confirm_and_refuses_a_post_without_csrf(world: CreditWorld) -> None:
    """The home page links to a confirmation naming the bank, consent id, scopes and end; a
    POST without the CSRF token is refused and leaves the consent working; the confirmed POST
    revokes it."""
    consent_id = grant(world, scopes=["tax", "utilities"], level="indicators")["consent"][
        "consent_id"
    ]
    csrf = signed_in(world)
    home = world.client.get("/enterprise/").text
    assert f'href="/enterprise/consents/{consent_id}/revoke"' in home
    assert f'action="/enterprise/consents/{consent_id}/revoke"' not in home

    confirm = world.client.get(f"/enterprise/consents/{consent_id}/revoke")
    assert confirm.status_code == 200
    assert f'id="revoke-bank">{BANK}<' in confirm.text
    assert f"<code>{consent_id}</code>" in confirm.text
    assert "纳税信用等级与纳税区间、水电缴费" in confirm.text
    assert re.search(r"有效期至</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+8\)</dd>", confirm.text)
    assert f'action="/enterprise/consents/{consent_id}/revoke"' in confirm.text

    refused = world.client.post(f"/enterprise/consents/{consent_id}/revoke")
    assert refused.status_code == 403
    assert ask(world, consent_id, level="indicators").status_code == 200

    revoked = form(world, f"/enterprise/consents/{consent_id}/revoke", csrf_token=csrf)
    assert revoked.status_code == 200 and "授权已撤销" in revoked.text
    assert ask(world, consent_id, level="indicators").status_code == 404
    again = world.client.get(f"/enterprise/consents/{consent_id}/revoke")
    assert 'id="not-revocable"' in again.text and "确认撤销" not in again.text


def test_another_enterprises_consent_has_no_confirm_page(world: CreditWorld) -> None:
    """A consent id that is not the enterprise's own answers 404, naming nothing."""
    signed_in(world)
    page = world.client.get("/enterprise/consents/cst_0000000000000000/revoke")
    assert page.status_code == 404 and BANK not in page.text


class _VisibleText(HTMLParser):
    """The text a reader sees, leaving out elements marked ``lang="zh-CN"`` (proper names
    and the register's own words) and the page's style."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if self._skipping or dict(attrs).get("lang") == "zh-CN" or tag in ("style", "script"):
            self._skipping.append(tag)
        for name, value in attrs:
            if name in ("label", "aria-label", "title", "placeholder") and not self._skipping:
                self.parts.append(value or "")

    def handle_endtag(self, tag) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def test_english_mode_pages_hold_no_chinese(world: CreditWorld) -> None:
    """With the switch on English, the enterprise's sign-in, home, profile and revoke pages say
    nothing in Chinese outside marked proper names and register text; Chinese is the default."""
    consent_id = grant(world, scopes=ALL_SCOPES, level="report")["consent"]["consent_id"]
    ask(world, consent_id)
    csrf = signed_in(world)
    sign_in = world.client.get("/enterprise/login?lang=en")
    assert '<html lang="en">' in sign_in.text
    assert not CJK.search(visible_text(sign_in.text)), CJK.findall(visible_text(sign_in.text))
    dispute(world, csrf, "score", "The score ignores our new licences.")
    pages = [
        "/enterprise/",
        "/enterprise/profile",
        f"/enterprise/consents/{consent_id}/revoke",
    ]
    for path in pages:
        page = world.client.get(path)
        assert page.status_code == 200 and '<html lang="en">' in page.text, path
        shown = visible_text(page.text)
        assert not CJK.search(shown), (path, sorted(set(CJK.findall(shown))))
    profile = world.client.get("/enterprise/profile").text
    assert "Months in tax arrears" in profile and "Credit score" in profile
    assert "disputed" in profile
    chinese = world.client.get("/enterprise/profile?lang=zh")
    assert '<html lang="zh-CN">' in chinese.text and "我的信用画像" in chinese.text

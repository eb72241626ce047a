"""The steward's pages in one language each: Chinese by default, English through the switch,
remembered in the cookie. Through the real routes, with the steward signed in by the form.

English pages hold no Chinese outside elements marked ``lang="zh-CN"`` (the data's own words:
titles, departments, column headers, organisations); Chinese pages show no English developer
message; classification reasons and category codes are said in the page's language with the
code beside the name.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from classification import Tier
from classification.engine import classify_frame
from classification.guide import load_guide
from lab.catalogue.portal_workflow.applications import submit_application
from lab.catalogue.portal_workflow.feedback import FeedbackKind, FeedbackNote, submit_feedback
from lab.catalogue.versions.datasets import get_version
from lab.catalogue.versions.decisions import decide
from lab.credit.disputes import open_dispute
from lab.credit.profiles import SCORE_ITEM
from lab.db import transaction
from lab.gateway.projects import apply_for_project
from lab.identity import OrganisationKind, Role
from lab.identity.accounts import create_organisation, get_user
from lab.services import LabServices
from lab.web.classification_reasons import reason_in
from tests.unit.lab.catalogue.conditional import (
    add_applicant,
    complete_form,
    full_pledge,
    publish_conditional,
)
from tests.unit.lab.catalogue.people import write_people
from tests.unit.lab.gateway.restricted import publish_tax_table
from tests.unit.lab.ingest import tables
from tests.unit.lab.web.test_steward_pages import (
    add_user,
    csrf_of,
    ingested,
    pages_app,
    post,
    sign_in,
)

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# Four lower-case English words in a row: a developer sentence, not a code, slug or name.
ENGLISH_SENTENCE = re.compile(r"\b[a-z]{2,}(?: [a-z]{2,}){3}\b")


class _Visible(HTMLParser):
    """The text a reader sees, leaving out elements in ``skipped`` languages, code, style."""

    def __init__(self, skipped: str) -> None:
        super().__init__()
        self.skipped, self.depth, self.parts = skipped, 0, []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("meta", "link", "input", "br", "img", "hr"):
            return
        skip = dict(attrs).get("lang") == self.skipped or tag in ("style", "script", "code")
        if self.depth or skip:
            self.depth += 1

    def handle_endtag(self, tag) -> None:
        if tag in ("meta", "link", "input", "br", "img", "hr"):
            return
        if self.depth:
            self.depth -= 1

    def handle_data(self, data) -> None:
        if not self.depth:
            self.parts.append(data)


def visible(html: str, skipped: str) -> str:
    parser = _Visible(skipped)
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def world(sqlite_lab: LabServices, tmp_path) -> dict[str, int]:
    """A version of each kind to review, an application, a note, a project and a dispute."""
    add_user(sqlite_lab, "steward", Role.STEWARD)
    publish_tax_table(sqlite_lab, tmp_path)
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    add_applicant(sqlite_lab, "alice")
    people = ingested(sqlite_lab, tables.person_table(tmp_path), "people")
    rejected = ingested(sqlite_lab, tables.prohibited_table(tmp_path), "accounts")
    (tmp_path / "t2").mkdir()
    t2 = ingested(sqlite_lab, write_people(tmp_path / "t2"), "people-t2")
    with transaction(sqlite_lab.sessions) as session:
        audit = sqlite_lab.audit
        decide(
            session,
            audit,
            version=get_version(session, t2),
            tier=Tier.T2,
            justification="脱敏后的抽取件用于劳动力研究",
            actor="steward",
        )
        submit_application(
            session,
            audit,
            slug="annual-bands",
            applicant=get_user(session, "alice"),
            form=complete_form(),
            pledge=full_pledge(),
        )
        submit_feedback(
            session,
            audit,
            FeedbackNote(
                FeedbackKind.CORRECTION,
                "张三",
                "zhang@example.com",
                "第 3 行的区划名称有误。",
                "tax",
            ),
        )
        bank = create_organisation(
            session, audit, actor="t", name="青岛测试银行", kind=OrganisationKind.BANK
        )
        apply_for_project(
            session,
            audit,
            organisation_id=bank.id,
            title="区县税收基准",
            purpose="按区县比较纳税情况，用于授信政策研究",
            datasets=["tax"],
            actor="banker",
        )
        open_dispute(
            session,
            audit,
            credit_code="91370202MA3C4F6Y23",
            item=SCORE_ITEM,
            reason="评分与本企业实际经营情况不符，请核实。",
            actor="firm",
        )
    return {"people": people, "t2": t2, "rejected": rejected}


def pages(world: dict[str, int]) -> list[str]:
    return [
        "/steward/",
        "/steward/upload",
        "/steward/datasets",
        f"/steward/versions/{world['people']}",
        f"/steward/versions/{world['t2']}",
        f"/steward/versions/{world['rejected']}",
        "/steward/applications",
        "/steward/applications/1",
        "/steward/feedback",
        "/steward/negative-list",
        "/steward/projects",
        "/steward/credit",
    ]


@pytest.fixture
def steward(sqlite_lab: LabServices, world) -> TestClient:
    with TestClient(pages_app(sqlite_lab)) as client:
        assert sign_in(client).status_code == 303
        yield client


def test_every_steward_page_is_wholly_english_after_the_switch(
    steward: TestClient, world: dict[str, int]
) -> None:
    """``?lang=en`` switches and the cookie keeps it: every page (and the de-identification
    search, a form's answer) is in English but for the data's own words, marked Chinese."""
    steward.get("/steward/?lang=en")
    assert steward.cookies.get("portal_lang") == "en"
    for path in pages(world):
        page = steward.get(path)  # no ?lang: the cookie holds the choice
        assert page.status_code == 200 and '<html lang="en">' in page.text, path
        shown = visible(page.text, "zh-CN")
        assert not CJK.search(shown), (path, sorted(set(CJK.findall(shown))))
        assert 'id="lang-switch"' in page.text and "lang=zh" in page.text, path
    review = steward.get(f"/steward/versions/{world['people']}").text
    assert "Resident ID number <code>RESIDENT_ID</code>" in review
    assert "header cue" in review and f"T4 {Tier.T4.label_en}" in review
    form = {"csrf_token": csrf_of(steward, "/steward/"), "k": "10", "l": "2"}
    searched = post(steward, f"/steward/versions/{world['t2']}/deidentify", form)
    assert searched.status_code == 200 and "Solution 1" in searched.text
    shown = visible(searched.text, "zh-CN")
    assert not CJK.search(shown), sorted(set(CJK.findall(shown)))


def test_every_steward_page_is_chinese_by_default_without_developer_english(
    steward: TestClient, world: dict[str, int]
) -> None:
    """Without a switch every page is Chinese and shows no English sentence outside the
    parts marked English (the model card's own text) and code."""
    for path in pages(world):
        page = steward.get(path)
        assert page.status_code == 200 and '<html lang="zh-CN">' in page.text, path
        shown = visible(page.text, "en")
        assert not ENGLISH_SENTENCE.search(shown), (path, ENGLISH_SENTENCE.findall(shown))
        assert CJK.search(shown), path
    review = steward.get(f"/steward/versions/{world['people']}").text
    assert "居民身份证号码 <code>RESIDENT_ID</code>" in review
    assert "sampled values" not in review and "strictest column" not in review
    assert "就高从严" in review and "列名线索" in review


def test_domain_errors_are_said_in_the_page_language(
    steward: TestClient, world: dict[str, int]
) -> None:
    """A refused form says why in the page's language: the Chinese page never shows the
    domain's English message; the English page never shows Chinese."""
    token = csrf_of(steward, "/steward/datasets")
    short = {"csrf_token": token, "reason": "短"}
    chinese = post(steward, "/steward/datasets/tax/withdraw", short)
    assert chinese.status_code == 400 and "请填写撤回理由" in chinese.text
    assert "say why the dataset" not in chinese.text
    missing = post(
        steward, "/steward/applications/99/answer", {"csrf_token": token, "outcome": "x"}
    )
    assert missing.status_code == 404
    steward.get("/steward/?lang=en")
    english = post(steward, "/steward/datasets/tax/withdraw", short)
    assert english.status_code == 400 and "Say why the dataset is withdrawn" in english.text
    assert not CJK.search(visible(english.text, "zh-CN"))
    action = f"/steward/versions/{world['people']}/decision"
    lowered = post(steward, action, {"tier": "T3", "csrf_token": token})
    assert lowered.status_code == 400 and "Lowering T4 to T3 needs a written" in lowered.text
    assert 'href="/steward/versions/' in lowered.text and "lang=zh" in lowered.text


def test_sign_in_page_follows_the_switch_and_says_a_wrong_password_in_it(
    sqlite_lab: LabServices, world
) -> None:
    """The sign-in form in English, and its refusal too; the Chinese one refuses in Chinese."""
    with TestClient(pages_app(sqlite_lab)) as anonymous:
        page = anonymous.get("/steward/login?lang=en")
        assert '<html lang="en">' in page.text and not CJK.search(visible(page.text, "zh-CN"))
        wrong = anonymous.post("/steward/login", data={"username": "steward", "password": "x"})
        assert "Wrong username or password." in wrong.text
        anonymous.get("/steward/login?lang=zh")
        wrong = anonymous.post("/steward/login", data={"username": "steward", "password": "x"})
        assert "用户名或密码错误" in wrong.text and "Wrong username" not in wrong.text


def test_unknown_reasons_stay_as_stored_and_known_ones_name_the_category() -> None:
    """A reason of a known shape is said in either language with the code beside the name."""
    reason = (
        "联系电话: header cue '电话' + 98.7% of 2,000 sampled values are valid mobile numbers"
        " → MOBILE → T4"
    )
    chinese, english = reason_in("zh", reason, None), reason_in("en", reason, None)
    assert (
        "有效手机号码" in chinese and "<code>MOBILE</code>" in chinese and "header" not in chinese
    )
    assert "Mobile number <code>MOBILE</code>" in english
    assert not CJK.search(visible(str(english), "zh-CN"))
    odd = reason_in("zh", "something new & strange", None)
    assert odd == '<span lang="en">something new &amp; strange</span>'


def _frames(folder) -> dict[str, pd.DataFrame]:
    made = {}
    for name in ("open_table", "monthly_table", "person_table", "prohibited_table"):
        (folder / name).mkdir()
        made[name] = pd.read_csv(getattr(tables, name)(folder / name), dtype=str)
    made["small cells"] = pd.DataFrame({"街道": ["甲", "乙", "丙"], "人数": ["3", "120", "0"]})
    made["no small cells"] = pd.DataFrame({"街道": ["甲", "乙"], "人数": ["30", "0"]})
    made["free text"] = pd.DataFrame({"备注": ["联系 13800000001", "无", "—"] * 5})
    made["wrong values"] = pd.DataFrame({"手机": ["abc", "def", "ghi"]})
    return made


def test_every_reason_the_classifier_writes_is_said_in_both_languages(tmp_path) -> None:
    """Each reason shape the classifier writes (scope, tier, cue, values, free text, a cue the
    values contradict, negative list, small cells, combinations) is read back: none falls back
    to the stored English, English holds no unmarked Chinese, Chinese no English sentence."""
    guide = load_guide()
    said = 0
    for name, frame in _frames(tmp_path).items():
        found = classify_frame(frame, guide=guide)
        for reason in [*found.reasons, *(r for c in found.columns for r in c.reasons)]:
            chinese, english = reason_in("zh", reason, guide), reason_in("en", reason, guide)
            assert 'lang="en"' not in chinese, (name, reason)
            assert not CJK.search(visible(str(english), "zh-CN")), (name, english)
            assert not ENGLISH_SENTENCE.search(visible(str(chinese), "en")), (name, chinese)
            said += 1
    assert said > 30

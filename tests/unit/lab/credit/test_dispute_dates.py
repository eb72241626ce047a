"""Times shown to people are Qingdao's: a dispute filed in the city's evening (UTC afternoon)
has the same answer deadline on the enterprise's page and on the steward's credit page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lab.credit.disputes import ANSWER_DAYS
from lab.db import transaction
from lab.db.models import CreditDispute
from lab.identity import Role
from lab.identity.accounts import create_user
from tests.unit.lab.credit.test_enterprise_pages import form, signed_in

PASSWORD = "steward-dates-2026"
# 17:30 UTC is 01:30 the next day in Qingdao: a UTC date would be a day early.
EVENING = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path) -> str:
    """The pages are not about the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'lab.db'}"


def test_deadline_is_the_same_city_date_on_both_pages(world) -> None:
    """Both pages show 2026-12-24 (the city date of opened + 20 days), not UTC's 12-23."""
    csrf = signed_in(world)
    form(
        world,
        "/enterprise/disputes",
        csrf_token=csrf,
        item="tax.months_in_arrears",
        reason="欠税已于上月全部缴清，数据未更新。",
    )
    with transaction(world.lab.sessions) as session:
        dispute = session.query(CreditDispute).one()
        dispute.opened_at = EVENING
        dispute.answer_due = EVENING + timedelta(days=ANSWER_DAYS)
        create_user(
            session,
            world.lab.audit,
            actor="t",
            username="dates-steward",
            roles=[Role.STEWARD],
            password=PASSWORD,
        )
    enterprise = world.client.get("/enterprise/").text
    world.client.cookies.clear()
    world.client.post("/steward/login", data={"username": "dates-steward", "password": PASSWORD})
    steward = world.client.get("/steward/credit").text
    assert "2026-12-24" in enterprise and "2026-12-23" not in enterprise
    assert "期限 2026-12-24" in steward
    assert "<td>2026-12-04 01:30 (UTC+8)</td>" in enterprise, "opened on the city's 4 December"

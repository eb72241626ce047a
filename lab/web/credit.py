"""The steward's credit page: disputes to answer, credit-repair requests to decide, alarms, and
the active scorecard's model card with its latest stability checks.

The forms call the same domain functions as ``/api/credit/disputes/…`` and
``/api/credit/repairs/…``; each decision is audited there.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from lab.credit.cards import active_card
from lab.credit.disputes import answer_dispute, days_left, open_disputes
from lab.credit.drift import recent_checks
from lab.credit.item_names import item_name
from lab.credit.limits import DENIAL_SHARE, MANY_ENTERPRISES, recent_alarms
from lab.credit.repairs import decide_repair, repairs_awaiting
from lab.db import transaction
from lab.db.models import Organisation
from lab.errors import LabError, NotFound
from lab.http.deps import DbDep, ServicesDep
from lab.http.params import IdPath
from lab.web.language import language_of
from lab.web.pages import SignedIn, StewardFormDep, StewardPageDep, redirect, render

router = APIRouter(prefix="/credit")
PAGE = "/steward/credit"
ALARMS_SHOWN = 50
CHECKS_SHOWN = 10
ALARM_KINDS = {
    DENIAL_SHARE: ("拒绝率过高", "Too many refusals"),
    MANY_ENTERPRISES: ("查询企业过多", "Too many enterprises queried"),
}


def _card(db: Session) -> dict | None:
    try:
        return active_card(db)
    except NotFound:
        return None


def credit_page(request: Request, db: Session, steward: SignedIn, **extra: Any):
    """The steward's credit page: open disputes, repairs awaiting a decision, recent alarms."""
    lang = language_of(request)
    disputes = [(d, days_left(d), item_name(d.item, lang)) for d in open_disputes(db)]

    def item_label(key: str) -> str:
        named = item_name(key, lang)
        return "" if named == key else named

    alarms = [(a, db.get(Organisation, a.bank_org_id)) for a in recent_alarms(db, ALARMS_SHOWN)]
    return render(
        request,
        "credit.html",
        steward,
        page=PAGE,
        alarm_kinds=ALARM_KINDS,
        item_label=item_label,
        disputes=disputes,
        repairs=repairs_awaiting(db),
        alarms=alarms,
        card=_card(db),
        checks=recent_checks(db, CHECKS_SHOWN),
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def show(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """Open disputes (soonest due first), repair requests (oldest first), recent alarms."""
    return credit_page(request, db, steward)


@router.post("/disputes/{dispute_id}/answer", response_class=HTMLResponse)
def answer(
    request: Request,
    dispute_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Answer a dispute; the item stops being flagged in profiles."""
    try:
        with transaction(services.sessions) as session:
            answer_dispute(
                session, services.audit, dispute_id=dispute_id, answer=text, actor=steward.username
            )
    except LabError as exc:
        return credit_page(request, db, steward, failure=exc)
    return redirect(PAGE, "dispute-answered")


@router.post("/repairs/{repair_id}/{verb}", response_class=HTMLResponse)
def decide(
    request: Request,
    repair_id: IdPath,
    verb: str,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    reasons: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """``approve`` (applied to the enterprise's profile at once) or ``reject``, with reasons."""
    if verb not in ("approve", "reject"):
        return credit_page(request, db, steward)
    try:
        decide_repair(
            services,
            repair_id=repair_id,
            approve=verb == "approve",
            reasons=reasons,
            actor=steward.username,
        )
    except LabError as exc:
        return credit_page(request, db, steward, failure=exc)
    return redirect(PAGE, f"repair-{verb}d")

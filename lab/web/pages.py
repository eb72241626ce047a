"""What every steward page shares: templates, the signed-in steward, CSRF, flash and redirects.

Pages sign in with the same HttpOnly, SameSite=Lax session cookie as ``POST /auth/login``. Every
form also carries a CSRF token: an HMAC of that cookie under the lab's secret key, so it changes
with each session and cannot be computed by another site (both in ``lab.http.browser_session``).
Flash messages travel as a fixed code in the redirect's query string (``?done=decided``), never
as free text a link could forge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from classification import Tier
from lab.clock import CITY_ZONE, as_utc, city_day
from lab.errors import LabError
from lab.http.browser_session import require_form_token, signed_in_or_sign_in
from lab.http.deps import ServicesDep
from lab.identity import Principal, Role
from lab.web.error_pages import message_for_page
from lab.web.language import HTML_LANG, language_of, pick, remember_language, switch_url
from lab.web.steward_text import VERSION_STATES

LOGIN_PATH = "/steward/login"

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
TEMPLATES.env.globals["state_labels"] = VERSION_STATES
TEMPLATES.env.filters["day"] = lambda moment: city_day(moment).isoformat() if moment else ""
TEMPLATES.env.filters["city_time"] = lambda moment: city_time(moment) if moment else ""
TEMPLATES.env.globals["decidable_tiers"] = (Tier.T1, Tier.T2, Tier.T3, Tier.T4)

FLASH: dict[str, tuple[str, str]] = {
    "ingested": (
        "文件已接收，系统已给出分级建议，请审核。",
        "File received; the system has proposed a tier. Please review it.",
    ),
    "rejected": (
        "该文件被判定为 T5（禁止·不予开放）：已拒绝，暂存文件已清除，仅保留审计记录。",
        "Classified T5 (prohibited): rejected, the staged file erased; only the audit record kept.",
    ),
    "decided": (
        "分级决定已记录，并已写入审计日志。",
        "The tier decision was recorded and written to the audit log.",
    ),
    "dp-saved": (
        "差分隐私元数据已保存，并已写入审计日志。",
        "The differential-privacy metadata was saved and written to the audit log.",
    ),
    "published": (
        "已按决定的级别发布，原版本已被取代。",
        "Published at the decided tier; the previous version is superseded.",
    ),
    "deidentified": (
        "脱敏方案已选定并写入审计日志；发布时按此方案生成抽取件。",
        "De-identification chosen and audited; publication builds the extract with it.",
    ),
    "listed": (
        "已加入负面清单，新的分级指南版本立即生效。",
        "Added to the negative list; a new guide version is in force at once.",
    ),
    "unlisted": (
        "已从负面清单移除，新的分级指南版本立即生效。",
        "Removed from the negative list; a new guide version is in force at once.",
    ),
    "project-approved": (
        "项目已批准，预算已生效，并已写入审计日志。",
        "Project approved; its budgets are in force and the decision is in the audit log.",
    ),
    "project-rejected": (
        "项目已拒绝，理由已记录并写入审计日志。",
        "Project rejected; the reason is recorded and in the audit log.",
    ),
    "cap-set": (
        "机构级预算上限已调整，并已写入审计日志。",
        "The organisation's budget cap was changed and written to the audit log.",
    ),
    "answered": (
        "答复已记录，并已写入审计日志；申请人可在门户查看。",
        "Answer recorded and audited; the applicant sees it on the portal.",
    ),
    "dispute-answered": (
        "异议答复已记录，该项不再标注为异议，并已写入审计日志。",
        "Dispute answered and audited; the item is no longer flagged.",
    ),
    "repair-approved": (
        "已准予信用修复：该处罚已从该企业的信用画像中移除，并已写入审计日志。",
        "Credit repair granted and audited: the penalty left the enterprise's credit profile.",
    ),
    "repair-rejected": (
        "已不予信用修复，理由已记录并写入审计日志。",
        "Credit repair refused; the reasons are recorded and in the audit log.",
    ),
    "withdrawn": (
        "数据集已撤回：门户、API 和沙箱从此刻起都不再提供，已写入审计日志。",
        "Dataset withdrawn and audited: the portal, API and sandbox stop serving it now.",
    ),
    "other-door": (
        "您的账号是数据管理员，已为您打开数据管理员主页。",
        "Your account is a data steward's; the steward's home was opened for you.",
    ),
}


def city_time(moment: datetime | str) -> str:
    """A moment (or its stored ISO text) as people here read it: Qingdao time to the minute,
    with the zone named."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return as_utc(moment).astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"


@dataclass(frozen=True)
class SignedIn:
    """The steward behind a page request and the CSRF token their forms must carry."""

    principal: Principal
    csrf_token: str

    @property
    def username(self) -> str:
        return self.principal.username


def signed_in_steward(request: Request, services: ServicesDep) -> SignedIn:
    """The steward signed in by cookie; others are sent to the sign-in page (303) or refused."""
    session = signed_in_or_sign_in(request, services, LOGIN_PATH)
    session.principal.require_role(Role.STEWARD)
    return SignedIn(session.principal, session.csrf_token)


StewardPageDep = Annotated[SignedIn, Depends(signed_in_steward)]


def checked_form(steward: StewardPageDep, csrf_token: Annotated[str, Form()] = "") -> SignedIn:
    """The steward, once the submitted form's CSRF token matches their session's."""
    require_form_token(steward.csrf_token, csrf_token)
    return steward


StewardFormDep = Annotated[SignedIn, Depends(checked_form)]


def render(
    request: Request,
    template: str,
    steward: SignedIn | None,
    *,
    failure: LabError | None = None,
    page: str = "/steward/",
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language (Chinese unless switched; the switch is remembered in
    the cookie) with the layout's context: the steward (and CSRF token), a flash, an error.

    ``failure`` is a caller error to show inline, in the page's language, with its status;
    server faults re-raise. ``page`` is where the language switch leads from a form's answer.
    """
    if failure is not None and failure.http_status >= 500:
        raise failure
    lang = language_of(request)
    done = FLASH.get(request.query_params.get("done", ""))
    shared = {
        "steward": steward,
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "tr": lambda chinese, english: pick(lang, chinese, english),
        "switch_url": switch_url(request, lang, page),
        "flash": pick(lang, *done) if done else None,
        "error": message_for_page(lang, failure.http_status, failure.message, failure.code)
        if failure
        else None,
    }
    response = TEMPLATES.TemplateResponse(
        request,
        f"steward/{template}",
        {**shared, **context},
        status_code=failure.http_status if failure else 200,
    )
    remember_language(request, response)
    return response


def redirect(path: str, done: str | None = None) -> RedirectResponse:
    """303 to ``path`` (a page of this site), with a flash code when given."""
    return RedirectResponse(f"{path}?done={done}" if done else path, status_code=303)

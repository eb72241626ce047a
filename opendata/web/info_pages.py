"""The portal's standing pages: about (关于我们), contact (联系我们), privacy (隐私说明) and terms
(使用条款), each a title and a few paragraphs in both languages, linked from every page's foot.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from opendata.portal.catalogue import CONDITIONAL_TIER
from opendata.vocabularies import authority
from opendata.web.rendering import VisitorDep, render

router = APIRouter(include_in_schema=False)

Pair = tuple[str, str]


@dataclass(frozen=True)
class InfoPage:
    """A standing page: its title and paragraphs, each a (中文, English) pair."""

    title: Pair
    paragraphs: tuple[Pair, ...]


PAGES: dict[str, InfoPage] = {
    "about": InfoPage(
        ("关于我们", "About"),
        (
            (
                "城市公共数据开放平台由城市数据实验室运营，按《公共数据分类分级指南》开放各部门的"
                "公共数据。",
                "The City Open Data Portal is run by the City Data Lab and opens the public data "
                "of the city's departments as its classification guide allows.",
            ),
            (
                "无条件开放数据可直接预览、下载和通过 API 调用；"
                "有条件开放数据经申请、签署安全承诺书并获批后，以带接收方标识的脱敏数据提供；其余数据只在实验室内以差分隐私统计的方式使用，"
                "从不以明细形式离开实验室。",
                "Open data can be previewed, downloaded and queried by anyone; conditional data "
                "is released as a de-identified, recipient-marked extract to approved applicants "
                "who sign the security pledge; all other data is used only inside the lab, as "
                "differentially private statistics, and never leaves it row by row.",
            ),
        ),
    ),
    "contact": InfoPage(
        ("联系我们", "Contact"),
        (
            (
                "对某个数据集的疑问或纠错，请在该数据集页面点击“数据纠错”；其他意见建议请使用"
                "“意见建议 / 数据纠错”页面。每条意见都会在 5 个工作日内答复。",
                "For a question or correction about a dataset, use “Report an error” on its page; "
                "for anything else, the suggestions page. Every note is answered within 5 working "
                "days.",
            ),
            (
                "有条件开放数据的申请进度可在“我的申请”中查看；各部门的数据由其提供部门负责，"
                "部门名称列在“数据提供部门”页面。",
                "Follow a conditional-data application under “My applications”; each dataset is "
                "the responsibility of the department named on it (see Departments).",
            ),
        ),
    ),
    "privacy": InfoPage(
        ("隐私说明", "Privacy"),
        (
            (
                "浏览和下载只按数据集计数，不记录是谁浏览或下载；本站不使用第三方统计、字体或脚本，"
                "所有页面资源均由本站提供。",
                "Views and downloads are counted per dataset, never per person; the site uses "
                "no third-party analytics, fonts or scripts — every asset comes from this site.",
            ),
            (
                "本站只使用两个 Cookie：登录会话，以及您选择的语言。注册和申请时填写的信息只用于"
                "审核和联系申请人；意见建议中的联系方式只用于答复。",
                "The site sets two cookies only: your sign-in session and your chosen language. "
                "What you enter when registering or applying is used to review the application "
                "and contact you; a contact left with a suggestion is used only to answer it.",
            ),
            (
                "每一次审批、下载有条件开放数据和信用查询都写入防篡改的审计日志。",
                "Every approval, conditional-data download and credit query is written to a "
                "tamper-evident audit log.",
            ),
        ),
    ),
    "terms": InfoPage(
        ("使用条款", "Terms of use"),
        (
            (
                "无条件开放数据按其数据集页面注明的许可协议提供，可自由使用、复制和再发布，"
                "使用时请注明数据来源（提供部门与本平台）。",
                "Open data is provided under the licence named on each dataset's page: use, copy "
                "and republish it freely, naming the source (the department and this portal).",
            ),
            (
                "有条件开放数据只按批准的用途使用，受申请时签署的安全承诺书约束。",
                "Conditional data may be used only for the approved purpose, under the security "
                "pledge signed with the application.",
            ),
            (
                "数据按现状提供；发现错误请通过“数据纠错”告知。API 调用有频率限制，"
                "超出时请稍后再试。",
                "Data is provided as is; please report errors through “Report an error”. The "
                "APIs are rate-limited; when a limit is reached, retry later.",
            ),
        ),
    ),
}


def _page(request: Request, who, key: str) -> HTMLResponse:
    """The standing page ``key``; the terms also list the licences the data is under."""
    licences = [authority().licence(tier) for tier in ("T1", CONDITIONAL_TIER)]
    shown = licences if key == "terms" else []
    return render(request, "info.html", who=who, page=PAGES[key], licences=shown)


@router.get("/about", response_class=HTMLResponse)
def about(request: Request, who: VisitorDep) -> HTMLResponse:
    """What the portal is and how its data is opened."""
    return _page(request, who, "about")


@router.get("/contact", response_class=HTMLResponse)
def contact(request: Request, who: VisitorDep) -> HTMLResponse:
    """Where to send questions, corrections and suggestions."""
    return _page(request, who, "contact")


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request, who: VisitorDep) -> HTMLResponse:
    """What the portal records about its visitors, and why."""
    return _page(request, who, "privacy")


@router.get("/terms", response_class=HTMLResponse)
def terms(request: Request, who: VisitorDep) -> HTMLResponse:
    """The terms the data is used under, with the licences."""
    return _page(request, who, "terms")

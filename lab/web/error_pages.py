"""Error answers for people: an HTML page in the portal's style and the page's language.

A browser asking for a page (``Accept`` names ``text/html``, the path is not under ``/api/``)
gets a page that says what happened in its language, with the request id to quote and links on
(home, catalogue, sign-in, the visitor's own home). Everyone else — API clients, scripts,
``Accept: application/json`` — keeps the lab's one JSON error shape (``lab.http.errors``).
Chinese pages never show the lab's English developer messages: the status explains itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from lab.web.domain_messages import message_in
from lab.web.language import language_of, pick
from lab.web.site_templates import render_site

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class StatusText:
    """A status's title and explanation, each a (中文, English) pair."""

    title: tuple[str, str]
    text: tuple[str, str]


STATUS_TEXTS: dict[int, StatusText] = {
    400: StatusText(
        ("请求有误", "Bad request"),
        ("请求的内容有误，请检查后重试。", "Something in the request is wrong; check it."),
    ),
    401: StatusText(
        ("需要登录", "Sign-in needed"),
        ("请先登录再访问此页面。", "Please sign in to see this page."),
    ),
    403: StatusText(
        ("无权访问", "Not allowed"),
        (
            "您当前的账号不能访问此页面。请前往与您的角色对应的页面。",
            "Your account may not open this page. Go to the pages for your role.",
        ),
    ),
    404: StatusText(
        ("页面不存在", "Page not found"),
        ("没有这个页面或数据集，链接可能已失效。", "There is no such page or dataset."),
    ),
    405: StatusText(
        ("不支持此访问方式", "Method not allowed"),
        (
            "此地址只接受表单提交，不能直接打开。",
            "This address accepts form submissions only; it cannot be opened directly.",
        ),
    ),
    409: StatusText(
        ("操作与当前状态冲突", "Conflict"),
        (
            "该操作与数据的当前状态冲突，可能已被他人处理。请刷新后重试。",
            "The action clashes with the current state (someone may have acted first). Reload.",
        ),
    ),
    413: StatusText(
        ("内容过大", "Too large"),
        ("提交的文件或内容超过了允许的大小。", "The file or form sent is larger than allowed."),
    ),
    416: StatusText(
        ("请求的范围无效", "Range not satisfiable"),
        ("请求的文件片段超出了文件范围。", "The part of the file asked for is outside the file."),
    ),
    422: StatusText(
        ("表单内容不完整", "Form incomplete"),
        (
            "表单缺少必填项或格式不对，请返回上一页补全后再提交。",
            "The form misses a required item or has one in the wrong form; go back and fix it.",
        ),
    ),
    429: StatusText(
        ("请求过于频繁", "Too many requests"),
        ("请求次数超过了限制，请稍后再试。", "Too many requests in a short time; try again later."),
    ),
    500: StatusText(
        ("系统内部错误", "Internal error"),
        (
            "系统出现了内部错误，已记录。如需帮助，请提供下方的请求编号。",
            "Something went wrong on our side and was logged. Quote the request id for help.",
        ),
    ),
    503: StatusText(
        ("服务暂时不可用", "Service unavailable"),
        ("系统繁忙或正在维护，请稍后再试。", "The service is busy or in maintenance; retry soon."),
    ),
}
_OTHER = StatusText(
    ("出错了", "Something went wrong"),
    ("请求未能完成。", "The request could not be completed."),
)


def shown_detail(lang: str, message: str) -> str | None:
    """The lab's own message, where it suits the page: Chinese pages only when it is written in
    Chinese (developer English never reaches a Chinese page), English pages only when it holds
    no Chinese."""
    if not message:
        return None
    return message if (lang == "en") != bool(_CJK.search(message)) else None


def error_page(
    request: Request,
    status: int,
    message: str,
    request_id: str,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The HTML page for ``status``, in the language the visitor chose."""
    lang = language_of(request)
    texts = STATUS_TEXTS.get(status, _OTHER)
    return render_site(
        request,
        "error.html",
        status=status,
        headers=headers,
        code=status,
        title=pick(lang, *texts.title),
        text=pick(lang, *texts.text),
        detail=shown_detail(lang, message),
        request_id=request_id,
    )


def message_for_page(lang: str, status: int, message: str, code: str = "") -> str:
    """What a page shows inline for a caller error: the domain message in the page's language
    (``lab.web.domain_messages``), else the lab's message where it suits the page
    (``shown_detail``), else the status's explanation in the page's language."""
    return (
        message_in(lang, code, message)
        or shown_detail(lang, message)
        or pick(lang, *STATUS_TEXTS.get(status, _OTHER).text)
    )

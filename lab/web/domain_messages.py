"""The lab's domain messages as people read them: one table from an error's kind and the shape of
its message to a (中文, English) pair, for every page that shows a caller error inline.

The domain raises its errors with one message (mostly English, written for developers and API
clients, some Chinese, written for the portal's visitors). A page in one language must not show
the other: ``message_in`` finds the entry for the error (its ``code`` and a pattern of its
message) and fills the pair's side for the page with the parts the message names (a slug, a
number, a limit). An error the table does not know returns None; the page then explains the
status in its own language (``lab.web.error_pages.message_for_page``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab.errors import LabError


@dataclass(frozen=True)
class DomainMessage:
    """Messages of one error ``code`` matching ``pattern``, said in Chinese and in English;
    ``{name}`` in either text is the pattern's group of that name."""

    code: str
    pattern: re.Pattern[str]
    chinese: str
    english: str

    def said(self, lang: str, message: str) -> str | None:
        """The message in ``lang``, if it is one of these."""
        found = self.pattern.fullmatch(message.strip())
        if found is None:
            return None
        text = self.english if lang == "en" else self.chinese
        return text.format(**found.groupdict())


def _entry(code: str, pattern: str, chinese: str, english: str) -> DomainMessage:
    return DomainMessage(code, re.compile(pattern, re.DOTALL), chinese, english)


_N = r"(?P<n>\d+)"
_SLUG = r"'(?P<slug>[^']*)'"

MESSAGES: tuple[DomainMessage, ...] = (
    # datasets and versions
    _entry("not_found", rf"no dataset {_SLUG}", "没有数据集“{slug}”。", "No dataset '{slug}'."),
    _entry(
        "not_found",
        rf"no open dataset {_SLUG}",
        "没有开放数据集“{slug}”。",
        "No open dataset '{slug}'.",
    ),
    _entry(
        "not_found",
        rf"no dataset version {_N}",
        "没有编号为 {n} 的数据版本。",
        "No dataset version {n}.",
    ),
    _entry(
        "conflict",
        rf"dataset {_SLUG} is not published; nothing to withdraw",
        "数据集“{slug}”未处于发布状态，无需撤回。",
        "Dataset '{slug}' is not published; there is nothing to withdraw.",
    ),
    _entry(
        "invalid_input",
        r"say why the dataset is withdrawn \(at least (?P<n>\d+) characters\)",
        "请填写撤回理由（至少 {n} 个字）。",
        "Say why the dataset is withdrawn (at least {n} characters).",
    ),
    _entry(
        "invalid_input",
        r"lowering (?P<a>T\d) to (?P<b>T\d) needs a written justification of at least (?P<n>\d+)"
        r" characters",
        "将 {a} 降为 {b} 须填写不少于 {n} 个字的书面理由。",
        "Lowering {a} to {b} needs a written justification of at least {n} characters.",
    ),
    _entry(
        "permission_denied",
        r"(?P<a>T\d) cannot be lowered to T1 by decision.*",
        "{a} 不能直接降为 T1：请降为 T2，发布时须通过 k-匿名检查。",
        "{a} cannot be lowered to T1 by decision: lower it to T2, whose publication must pass"
        " the k-anonymity gate.",
    ),
    _entry(
        "conflict",
        rf"version {_N} is (?P<state>\w+); only proposals can be decided",
        "第 {n} 号版本已不是待决定状态，不能再作分级决定。",
        "Version {n} is no longer a proposal; it cannot be decided.",
    ),
    _entry(
        "invalid_input",
        r"T5 data is never stored.*",
        "T5 数据从不保存：请丢弃该文件，而不是决定为 T5。",
        "T5 data is never stored: discard the file instead of deciding T5.",
    ),
    _entry(
        "conflict",
        rf"version {_N} is (?P<state>\w+); decide its tier first",
        "第 {n} 号版本尚未决定级别，请先作分级决定。",
        "Version {n} has no decided tier yet; decide it first.",
    ),
    _entry(
        "conflict",
        rf"version {_N} is (?P<tier>T\d): set its DP metadata first",
        "第 {n} 号版本为 {tier}：请先填写差分隐私元数据。",
        "Version {n} is {tier}: set its DP metadata first.",
    ),
    _entry(
        "conflict",
        rf"version {_N} was published or changed meanwhile",
        "第 {n} 号版本已被他人发布或修改，请刷新后重试。",
        "Version {n} was published or changed meanwhile; reload the page.",
    ),
    _entry(
        "invalid_input",
        r"a dataset needs a title.*",
        "请填写数据集名称。",
        "A dataset needs a title.",
    ),
    _entry(
        "invalid_input",
        r"a dataset needs a department.*",
        "请填写数据提供部门。",
        "A dataset needs a department.",
    ),
    _entry(
        "invalid_input",
        r"slug '(?P<slug>[^']*)': .*",
        "网址标识“{slug}”无效：须为 3–120 个小写字母、数字或连字符，以字母或数字开头和结尾。",
        "Slug '{slug}': 3–120 lower-case letters, digits and '-', starting and ending with a"
        " letter or digit.",
    ),
    # DP metadata
    _entry(
        "invalid_input",
        r"max rows per unit must be (a whole number|1–(?P<n>\d+))",
        "每个单元最多行数须为正整数（不超过上限）。",
        "Max rows per unit must be a whole number within the limit.",
    ),
    _entry(
        "invalid_input",
        r"privacy unit '(?P<c>[^']*)' is not a column",
        "隐私单元“{c}”不是该数据的列。",
        "Privacy unit '{c}' is not a column.",
    ),
    _entry(
        "invalid_input",
        r"bounds of '(?P<c>[^']*)' need both a low and a high value",
        "列“{c}”的截断范围须同时填写下限和上限。",
        "The bounds of '{c}' need both a low and a high value.",
    ),
    _entry(
        "invalid_input",
        r"bounds of '(?P<c>[^']*)' must be finite with low < high",
        "列“{c}”的截断范围须为有限数且下限小于上限。",
        "The bounds of '{c}' must be finite, with low < high.",
    ),
    _entry(
        "invalid_input",
        r"column '(?P<c>[^']*)' is not numeric; it cannot have bounds",
        "列“{c}”不是数值列，不能设定截断范围。",
        "Column '{c}' is not numeric; it cannot have bounds.",
    ),
    _entry(
        "invalid_input",
        r"'(?P<c>[^']*)' has both a code list .*",
        "列“{c}”同时选了公开代码表和生成值域，只能保留一个。",
        "'{c}' has both a code list and a generated domain; keep one.",
    ),
    _entry(
        "invalid_input",
        r"bounds of '(?P<c>[^']*)' \((?P<low>\S+), (?P<high>\S+)\) are not whole numbers: .*",
        "列“{c}”的上下限（{low}，{high}）不是整数：请填写该列的精度（如 0.1 表示一位小数），"
        "数值按定点保存；或给出整数上下限。",
        "The bounds of '{c}' ({low}, {high}) are not whole numbers: declare the column's precision"
        " (e.g. 0.1 for one decimal place) or give whole-number bounds.",
    ),
    _entry(
        "invalid_input",
        r"bounds of '(?P<c>[^']*)' \((?P<low>\S+), (?P<high>\S+)\) are not whole multiples of"
        r" its precision (?P<p>\S+)",
        "列“{c}”的上下限（{low}，{high}）不是其精度 {p} 的整数倍。",
        "The bounds of '{c}' ({low}, {high}) are not whole multiples of its precision {p}.",
    ),
    _entry(
        "invalid_input",
        r"the domain of '(?P<c>[^']*)' \((?P<spec>[^)]*)\) has (?P<n>[\d,]+) groups, more than the"
        r" (?P<max>[\d,]+) a domain may hold.*",
        "列“{c}”的值域（{spec}）有 {n} 组，超过上限 {max} 组：请缩短范围或使用更粗的期间或分箱。",
        "The domain of '{c}' ({spec}) has {n} groups, more than the {max} a domain may hold;"
        " declare a shorter range or coarser periods or bins.",
    ),
    _entry(
        "invalid_input",
        r"precision (?P<p>'[^']*') must be 1, 0\.1, 0\.01, … or 0\.000001",
        "精度 {p} 须为 1、0.1、0.01……或 0.000001。",
        "Precision {p} must be 1, 0.1, 0.01, … or 0.000001.",
    ),
    _entry(
        "invalid_input",
        r"(?P<c>.+) (?P<end>low|high): '(?P<v>[^']*)' is not a number",
        "列“{c}”的截断范围中“{v}”不是数字。",
        "The {end} bound of '{c}', '{v}', is not a number.",
    ),
    _entry(
        "conflict",
        r"DP metadata belongs to versions decided T3 or T4",
        "只有决定为 T3 或 T4 的版本才有差分隐私元数据。",
        "DP metadata belongs to versions decided T3 or T4.",
    ),
    _entry(
        "conflict",
        r"a published version's DP metadata is fixed.*",
        "已发布版本的差分隐私元数据不能修改：请上传新版本。",
        "A published version's DP metadata is fixed; ingest a new version.",
    ),
    # the negative list (the guide's own checks)
    _entry(
        "invalid_input",
        r"'(?P<v>[^']*)' is already on the list",
        "“{v}”已在负面清单中。",
        "'{v}' is already on the negative list.",
    ),
    _entry(
        "invalid_input",
        r"'(?P<v>[^']*)' is not on the negative list",
        "“{v}”不在负面清单中。",
        "'{v}' is not on the negative list.",
    ),
    _entry(
        "invalid_input",
        r"negative-list entry names unknown category '(?P<v>[^']*)'",
        "分级指南中没有类别代码“{v}”。",
        "The guide has no category '{v}'.",
    ),
    _entry(
        "invalid_input",
        r"kind must be one of .*",
        "类型须为表头关键词或类别代码。",
        "The kind is a header keyword or a category code.",
    ),
    _entry("invalid_input", r"value must not be empty", "请填写值。", "Give a value."),
    _entry(
        "invalid_input",
        r"reason must not be empty.*",
        "请填写理由（说明为何禁止）。",
        "Give a reason (say why it is banned).",
    ),
    # de-identification
    _entry(
        "invalid_input",
        r"k and l are whole numbers; the suppression limit is a percentage",
        "k 和 l 须为整数，最多删除比例须为百分数。",
        "k and l are whole numbers; the suppression limit is a percentage.",
    ),
    _entry(
        "invalid_input",
        r"each level is a whole number; search again and pick a solution",
        "泛化层级须为整数：请重新搜索并选择方案。",
        "Each level is a whole number; search again and pick a solution.",
    ),
    # conditional-data applications and feedback
    _entry("not_found", rf"no application {_N}", "没有编号为 {n} 的申请。", "No application {n}."),
    _entry(
        "conflict",
        rf"application {_N} is (?P<state>\w+) \((?P<label>[^)]*)\)",
        "申请 #{n} 当前状态为“{label}”，不能再答复。",
        "Application {n} is already {state}; it cannot be answered again.",
    ),
    _entry(
        "invalid_input",
        r"give the applicant reasons of at least (?P<n>\d+) characters",
        "请填写给申请人的理由（至少 {n} 个字）。",
        "Give the applicant reasons of at least {n} characters.",
    ),
    _entry(
        "invalid_input",
        r"download access lasts 1 to (?P<n>\d+) days",
        "下载有效期须为 1 至 {n} 天。",
        "Download access lasts 1 to {n} days.",
    ),
    _entry(
        "invalid_input",
        r"outcome: approve, reject or return, not .*",
        "请选择审核结果：批准、退回补正或不予批准。",
        "Pick an outcome: approve, return or reject.",
    ),
    _entry("not_found", rf"no feedback {_N}", "没有编号为 {n} 的留言。", "No note {n}."),
    _entry(
        "conflict",
        rf"feedback {_N} is already answered",
        "留言 #{n} 已答复。",
        "Note {n} is already answered.",
    ),
    _entry(
        "invalid_input",
        r"an answer needs at least (?P<n>\d+) characters",
        "答复至少需要 {n} 个字。",
        "An answer needs at least {n} characters.",
    ),
    # credit
    _entry(
        "invalid_input",
        r"say why, in at least (?P<n>\d+) characters",
        "请说明理由，至少 {n} 个字。",
        "Say why, in at least {n} characters.",
    ),
    _entry("not_found", rf"no dispute {_N}", "没有编号为 {n} 的异议。", "No dispute {n}."),
    _entry(
        "conflict",
        rf"dispute {_N} is already \w+",
        "异议 #{n} 已处理。",
        "Dispute {n} is already closed.",
    ),
    _entry(
        "invalid_input",
        r"give the enterprise reasons of at least (?P<n>\d+) characters",
        "请填写给企业的理由（至少 {n} 个字）。",
        "Give the enterprise reasons of at least {n} characters.",
    ),
    _entry(
        "not_found",
        rf"no credit-repair request {_N}",
        "没有编号为 {n} 的信用修复申请。",
        "No credit-repair request {n}.",
    ),
    _entry(
        "conflict",
        rf"credit-repair request {_N} is already \w+",
        "信用修复申请 #{n} 已决定。",
        "Credit-repair request {n} is already decided.",
    ),
    # sandbox projects
    _entry(
        "conflict",
        rf"project {_N} is \w+, not awaiting a decision",
        "项目 #{n} 已处理，不再等待审批。",
        "Project {n} is not awaiting a decision.",
    ),
    _entry(
        "invalid_input",
        r"approve a project with a budget for at least one dataset",
        "批准项目时须至少为一个数据集填写预算 ε。",
        "Approve a project with a budget for at least one dataset.",
    ),
    _entry(
        "invalid_input",
        r"(?P<what>ε|δ) must be a number, got .*",
        "{what} 须为数字。",
        "{what} must be a number.",
    ),
    _entry(
        "organisation_cap_exceeded",
        r"the organisation may hold at most (?P<cap>\S+) ε \(δ = (?P<dcap>\S+)\) on (?P<what>.+);"
        r" (?P<left>\S+) ε \(δ = (?P<dleft>\S+)\) is left to grant",
        "该机构在 {what} 上最多可持有 {cap} ε（δ = {dcap}）；尚可划拨 {left} ε（δ = {dleft}）。",
        "The organisation may hold at most {cap} ε (δ = {dcap}) on {what}; {left} ε"
        " (δ = {dleft}) is left to grant.",
    ),
    _entry(
        "conflict",
        r"(?P<held>\S+) ε \(δ = (?P<dheld>\S+)\) is already granted or spent; the cap cannot be"
        r" lower",
        "已划拨或已用 {held} ε（δ = {dheld}），上限不能低于此数。",
        "{held} ε (δ = {dheld}) is already granted or spent; the cap cannot be lower.",
    ),
    _entry("invalid_input", r"a cap is a positive ε", "上限须为正的 ε。", "A cap is a positive ε."),
    _entry(
        "invalid_input",
        r"a rejection needs a reason",
        "拒绝须填写理由。",
        "A rejection needs a reason.",
    ),
    _entry(
        "invalid_input",
        r"the application did not ask for (?P<slugs>.+)",
        "该申请未申请以下数据集：{slugs}。",
        "The application did not ask for {slugs}.",
    ),
    # messages the portal's domain writes in Chinese
    _entry(
        "invalid_input",
        r"申请材料不完整：.*",
        "申请材料不完整，请见上方“完整性审核”。",
        "The application is incomplete; see the completeness check above.",
    ),
    _entry(
        "rate_limited",
        r"登录尝试过多，请 (?P<n>\d+) 秒后再试.*",
        "登录尝试过多，请 {n} 秒后再试。",
        "Too many sign-in attempts; try again in {n} seconds.",
    ),
)


def message_in(lang: str, code: str, message: str) -> str | None:
    """The domain message ``message`` (of an error with ``code``) in ``lang``, if known."""
    for entry in MESSAGES:
        if entry.code == code:
            said = entry.said(lang, message)
            if said is not None:
                return said
    return None


def error_message_in(lang: str, failure: LabError) -> str | None:
    """``failure``'s message in ``lang``, if the table knows it."""
    return message_in(lang, failure.code, failure.message)

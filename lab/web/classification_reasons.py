"""The classification's reasons as the steward's page shows them, in the page's language.

The classifier (``classification``) writes each reason as one English sentence of a known shape
(``联系电话: header cue '电话' + 98.7% of 2,000 sampled values are valid mobile numbers → MOBILE →
T4``) and the lab stores them so. This module reads a stored reason back into its parts and says
it in Chinese or English: every category named by its name with its code beside it, each column
header and guide text (the data's own words) marked ``lang="zh-CN"``. A reason of a shape it does
not know is shown as stored, marked as English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from classification.detectors import NOUNS
from classification.guide import Guide
from classification.tiers import Tier
from lab.web.steward_text import category_name

NOUNS_ZH = {
    "resident_id": "有效身份证号码",
    "credit_code": "有效统一社会信用代码",
    "org_code": "有效组织机构代码",
    "mobile": "有效手机号码",
    "bank_card": "通过 Luhn 校验的银行卡号",
    "plate": "机动车号牌",
    "passport": "护照号码",
    "hk_macao_permit": "港澳通行证号码",
    "masked_resident_id": "脱敏身份证号码",
    "masked_mobile": "脱敏手机号码",
    "person_name": "自然人姓名",
}
_NOUN_OF = {english: kind for kind, english in NOUNS.items()}
_NOUN = "|".join(re.escape(noun) for noun in sorted(_NOUN_OF, key=len, reverse=True))


def _data(text: str) -> Markup:
    """Words from the data or the guide (a header, a rule's name): marked Chinese."""
    return Markup('<span lang="zh-CN">{}</span>').format(text)


class _Say:
    """The helpers one reason is said with, in one language."""

    def __init__(self, lang: str, guide: Guide | None) -> None:
        self.lang, self.guide = lang, guide

    def __call__(self, chinese: str, english: str) -> str:
        return english if self.lang == "en" else chinese

    def category(self, code: str) -> Markup:
        name = category_name(self.lang, code, self.guide)
        if name == code:
            return Markup("<code>{}</code>").format(code)
        return Markup("{} <code>{}</code>").format(name, code)

    def tier(self, value: str) -> str:
        tier = Tier(value)
        return f"{tier.value} {self(tier.label_zh, tier.label_en)}"

    def sampled(self, share: str, count: str, noun: str, corrupted: str | None) -> Markup:
        kind = _NOUN_OF[noun]
        said = self(
            f"样本中 {count} 个值有 {share} 为{NOUNS_ZH[kind]}",
            f"{share} of {count} sampled values are {noun}",
        )
        if corrupted:
            said += self(
                f"（其中 {corrupted} 个被转成浮点数：科学计数法、末位丢失"
                "——请将该列按文本重新导出）",
                f" ({corrupted} of them float-corrupted: scientific notation, last digits lost —"
                " re-export the column as text)",
            )
        return escape(said)


_SAMPLED = (
    rf"(?P<share>[\d.]+%) of (?P<count>[\d,]+) sampled values are (?P<noun>{_NOUN})"
    r"(?: \((?P<corrupted>[\d,]+) of them float-corrupted:[^)]*\))?"
)


def _evidence(say: _Say, evidence: str) -> Markup | None:
    """The evidence part of a column reason, or None when its shape is unknown."""
    if found := re.fullmatch(r"header cue '(?P<cue>[^']*)'", evidence):
        return Markup("{} {}").format(say("列名线索", "header cue"), _data(found["cue"]))
    if found := re.fullmatch(
        r"header cue '(?P<cue>[^']*)'; no non-empty values in the sample to check", evidence
    ):
        return Markup("{} {}{}").format(
            say("列名线索", "header cue"),
            _data(found["cue"]),
            say("；样本中没有可检查的非空值", "; no non-empty values in the sample to check"),
        )
    if found := re.fullmatch(rf"header cue '(?P<cue>[^']*)' \+ {_SAMPLED}", evidence):
        return Markup("{} {} + {}").format(
            say("列名线索", "header cue"),
            _data(found["cue"]),
            say.sampled(found["share"], found["count"], found["noun"], found["corrupted"]),
        )
    if found := re.fullmatch(
        rf"values alone: {_SAMPLED}(?: \(header cue '(?P<cue>[^']*)'\))?", evidence
    ):
        said = Markup("{}{}").format(
            say("仅凭取值：", "values alone: "),
            say.sampled(found["share"], found["count"], found["noun"], found["corrupted"]),
        )
        if found["cue"]:
            cue = (say("列名线索", "header cue"), _data(found["cue"]))
            english, chinese = Markup(" ({} {})"), Markup("（{} {}）")
            said += (english if say.lang == "en" else chinese).format(*cue)
        return said
    if evidence == "no header cue and no identifier among the sampled values":
        return escape(say("没有列名线索，样本取值中也没有标识符", evidence))
    if found := re.fullmatch(
        rf"(?P<n>[\d,]+) (?P<noun>{_NOUN}) embedded in free text \(first at rows (?P<rows>[\d, ]+);"
        r" all (?P<m>[\d,]+) rows scanned\)",
        evidence,
    ):
        kind = _NOUN_OF[found["noun"]]
        return escape(
            say(
                f"自由文本中嵌有 {found['n']} 个{NOUNS_ZH[kind]}"
                f"（见第 {found['rows']} 行等；"
                f"已扫描全部 {found['m']} 行）",
                evidence,
            )
        )
    return None


Rule = tuple[re.Pattern[str], Callable[[_Say, re.Match[str]], Markup | None]]


def _column(say: _Say, found: re.Match[str]) -> Markup | None:
    evidence = _evidence(say, found["evidence"])
    if evidence is None:
        return None
    parts = (_data(found["header"]), evidence, say.category(found["code"]))
    if say.lang == "en":
        return Markup("{}: {} → {} → {}").format(*parts, say.tier(found["tier"]))
    return Markup("{}：{} → {} → {}").format(*parts, say.tier(found["tier"]))


def _suggested(say: _Say, found: re.Match[str]) -> Markup:
    return Markup("{} {} {} {}{}").format(
        say("列名线索", "header cue"),
        _data(found["cue"]),
        say("提示为", "suggested"),
        say.category(found["code"]),
        say(
            f"，但{say.sampled(found['share'], found['count'], found['noun'], None)}"
            f"（至少需要 {found['needs']}）",
            f", but only {say.sampled(found['share'], found['count'], found['noun'], None)}"
            f" (needs {found['needs']})",
        ),
    )


def _negative(say: _Say, found: re.Match[str]) -> Markup:
    listed = say.category(found["value"]) if found["kind"] == "category" else _data(found["value"])
    return Markup("{}{}{}{}{}{}{}").format(
        _data(found["header"]),
        say("：命中负面清单（", ": on the negative list ("),
        say("类别代码 ", "category ")
        if found["kind"] == "category"
        else say("表头关键词 ", "header "),
        listed,
        say("：", ": "),
        _data(found["reason"]),
        say("）→ T5 禁止·不予开放", ") → T5 Prohibited"),
    )


def _rejected(say: _Say, found: re.Match[str]) -> Markup:
    return Markup("{}{}{}{}{}").format(
        say("已拒绝：", "rejected: "),
        _data(found["header"]),
        say(" 命中负面清单（", " is on the negative list ("),
        _data(found["reason"]),
        say("）", ")"),
    )


def _small_cells(say: _Say, found: re.Match[str]) -> Markup:
    return Markup("{}{}").format(
        _data(found["header"]),
        say(
            f"：汇总表中 {found['b']} 个计数单元格有 {found['a']} 个在 1 到 {found['c']} 之间"
            f"（小单元格阈值 {found['d']}）→ 保持受限 → ",
            f": aggregate table with {found['a']} of {found['b']} count cells between 1 and"
            f" {found['c']} (small-cell threshold {found['d']}) → stays restricted → ",
        )
        + say.tier(found["tier"]),
    )


def _small_in(say: _Say, found: re.Match[str]) -> Markup:
    columns = escape(say("、", ", ")).join(_data(c) for c in found["columns"].split(", "))
    return Markup("{}{}").format(
        say("汇总表中以下列有小单元格：", "aggregate table with small cells in "), columns
    )


def _no_small(say: _Say, found: re.Match[str]) -> Markup:
    return escape(
        say(
            f"汇总表：每个计数单元格都是 0 或至少 {found['n']}",
            f"aggregate table: every count cell is 0 or at least {found['n']}",
        )
    )


def _combination(say: _Say, found: re.Match[str]) -> Markup:
    names = Markup(" + ").join(_data(n) for n in found["names"].split(" + "))
    return Markup("{} {}{}{} → {}").format(
        say("准标识符组合", "combination"),
        _data(found["name"]),
        say("：", ": "),
        names,
        say.tier(found["tier"]),
    )


def _scope(say: _Say, found: re.Match[str]) -> Markup:
    of_file = ""
    if found["file"]:
        of_file = say(
            f"（抽样自一个 {found['file']} 行的文件）",
            f" (a sample of a file of {found['file']} rows)",
        )
    return escape(
        say(
            f"范围：{found['cols']} 列，{found['rows']} 行{of_file}；"
            f"在 {found['sampled']} 个抽样行上"
            f"识别；在 {found['k']} 个列的每一行中扫描自由文本",
            f"scope: {found['cols']} columns, {found['rows']} rows{of_file}; detection on"
            f" {found['sampled']} sampled rows; free text scanned in every row of {found['k']}"
            " column(s)",
        )
    )


def _tier_of(say: _Say, found: re.Match[str]) -> Markup:
    leaders = []
    for part in (found["named"] or "").split(", "):
        if named := re.fullmatch(r"(?P<h>.+) \((?P<code>[A-Z_]+)\)", part):
            leaders.append(Markup("{} ({})").format(_data(named["h"]), say.category(named["code"])))
        elif part:
            leaders.append(_data(part))
    said = Markup("{} {}").format(say("数据集级别", "tier"), say.tier(found["tier"]))
    if not found["named"]:
        return said + say("：没有列", ": no columns")
    more = found["more"]
    return Markup("{}{}{}{}").format(
        said,
        say(" = 最严格的列级别（就高从严）：", " = the strictest column level: "),
        escape(say("、", ", ")).join(leaders),
        say(f"，另有 {more} 列", f" and {more} more") if more else "",
    )


def _repaired(say: _Say, found: re.Match[str]) -> Markup:
    return Markup("{} {}{}{}{}").format(
        say("列名读作", "header read as"),
        _data(found["a"]),
        say("，已修复为 ", ", repaired to "),
        _data(found["b"]),
        say("（编码错误）", " (wrong encoding)"),
    )


def _checksum(say: _Say, found: re.Match[str]) -> Markup:
    return escape(
        say(
            f"样本中 {found['share']} 的值仅通过 GB 11643 校验位，"
            "但省份或出生日期无效：是随机编号，"
            "不是身份证号码",
            f"{found['share']} of sampled values pass the GB 11643 checksum alone but have no"
            " valid province or birth date: random serials, not IDs",
        )
    )


RULES: tuple[Rule, ...] = (
    (
        re.compile(
            r"scope: (?P<cols>[\d,]+) columns, (?P<rows>[\d,]+) rows"
            r"(?: \(a sample of a file of (?P<file>[\d,]+) rows\))?; detection on"
            r" (?P<sampled>[\d,]+) sampled rows; free text scanned in every row of (?P<k>\d+)"
            r" column\(s\)"
        ),
        _scope,
    ),
    (
        re.compile(
            r"tier (?P<tier>T\d) \([^)]*\)(?:: no columns| = strictest column level"
            r" \(就高从严\): (?P<named>.+?)(?: and (?P<more>\d+) more)?)"
        ),
        _tier_of,
    ),
    (
        re.compile(
            r"(?P<header>.+): on the negative list \((?P<kind>category|header)"
            r" '(?P<value>[^']*)': (?P<reason>.*)\) → T5"
        ),
        _negative,
    ),
    (re.compile(r"rejected: (?P<header>.+) is on the negative list \((?P<reason>.*)\)"), _rejected),
    (
        re.compile(
            r"(?P<header>.+): aggregate table with (?P<a>[\d,]+) of (?P<b>[\d,]+) count"
            r" cells between 1 and (?P<c>\d+) \(small-cell threshold (?P<d>\d+)\) → stays"
            r" restricted → (?P<tier>T\d)"
        ),
        _small_cells,
    ),
    (re.compile(r"aggregate table with small cells in (?P<columns>.+)"), _small_in),
    (re.compile(r"aggregate table: every count cell is 0 or at least (?P<n>\d+)"), _no_small),
    (re.compile(r"combination '(?P<name>[^']*)': (?P<names>.+) → (?P<tier>T\d)"), _combination),
    (
        re.compile(r"header read as '(?P<a>[^']*)', repaired to '(?P<b>[^']*)' \(wrong encoding\)"),
        _repaired,
    ),
    (
        re.compile(r"(?P<share>[\d.]+%) of sampled values pass the GB 11643 checksum alone.*"),
        _checksum,
    ),
    (
        re.compile(
            rf"header cue '(?P<cue>[^']*)' suggested (?P<code>[A-Z_]+) but only"
            rf" (?P<share>[\d.]+%) of (?P<count>[\d,]+) sampled values are (?P<noun>{_NOUN})"
            r"(?: \([^)]*\))? \(needs (?P<needs>\d+%)\)"
        ),
        _suggested,
    ),
    (re.compile(r"(?P<header>.+?): (?P<evidence>.+) → (?P<code>[A-Z_]+) → (?P<tier>T\d)"), _column),
)


def reason_in(lang: str, reason: str, guide: Guide | None) -> Markup:
    """One stored classification reason, said in ``lang`` (as stored, marked, if unknown)."""
    say = _Say(lang, guide)
    for pattern, said in RULES:
        found = pattern.fullmatch(reason)
        if found is not None and (text := said(say, found)) is not None:
            return text
    return Markup('<span lang="en">{}</span>').format(reason)

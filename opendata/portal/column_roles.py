"""What each column of an open dataset is for, when a chart picks what to draw.

The classification already knows a column's category and the guide's role for it (identifier,
quasi-identifier, count, attribute, free text); the data dictionary adds a description, a unit
and a code list. From those alone a column is a ``measure`` (a number worth plotting), an
``identifier`` (ids, codes, ordinals: never plotted), a ``longitude`` or ``latitude`` (a map's
axes), a ``time`` (a text column described as a date or time; its values are still checked) or
``other`` (text to leave alone, or check for dates).
"""

from __future__ import annotations

from enum import StrEnum

from opendata.portal.catalogue import PublicColumn


class Role(StrEnum):
    """What a chart may do with a column."""

    MEASURE = "measure"
    IDENTIFIER = "identifier"
    LONGITUDE = "longitude"
    LATITUDE = "latitude"
    TIME = "time"
    OTHER = "other"


_HIDDEN_CATEGORY_ROLES = ("identifier", "quasi_identifier", "free_text")
_LONGITUDE_CUES = ("经度", "longitude", "lng", "lon")
_LATITUDE_CUES = ("纬度", "latitude", "lat")
_IDENTIFIER_CUES = ("编号", "代码", "编码", "序号", "站序", "号码", "id", "code")
_TIME_CUES = ("日期", "时间", "月份", "年月", "date", "time", "month")
_MONEY_CUES = ("（元", "(元", "元）", "元)", "元/", "万元", "亿元", "金额", "yuan", "cny", "rmb")


def role_of(column: PublicColumn) -> Role:
    """``column``'s role from its category role, dictionary entry and name."""
    described = _words(column)
    if column.category_role in _HIDDEN_CATEGORY_ROLES or column.code_list:
        return Role.IDENTIFIER
    if column.type == "number":
        if _cued(described, _LONGITUDE_CUES):
            return Role.LONGITUDE
        if _cued(described, _LATITUDE_CUES):
            return Role.LATITUDE
        if _cued(described, _IDENTIFIER_CUES):
            return Role.IDENTIFIER
        return Role.MEASURE
    if _cued(described, _IDENTIFIER_CUES):
        return Role.IDENTIFIER
    if _cued(described, _TIME_CUES):
        return Role.TIME
    return Role.OTHER


def is_money(column: PublicColumn) -> bool:
    """True when the unit, name or description says the values are yuan."""
    return column.unit.strip() in ("元", "万元", "亿元") or _cued(_words(column), _MONEY_CUES)


def _words(column: PublicColumn) -> tuple[str, ...]:
    return (column.name.lower(), column.unit.lower(), column.description.lower())


def _cued(texts: tuple[str, ...], cues: tuple[str, ...]) -> bool:
    """True when a cue is in any text: Chinese cues anywhere, Latin cues as whole words."""
    for text in texts:
        words = set("".join(c if c.isascii() and c.isalnum() else " " for c in text).split())
        for cue in cues:
            if (cue in words) if cue.isascii() else (cue in text):
                return True
    return False

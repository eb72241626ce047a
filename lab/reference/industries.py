"""National economic industry classification GB/T 4754-2017: the 20 sections and some divisions.

A public code list: sections (门类, A–T) and the 2-digit divisions (大类) the demo uses serve as
public domains of industry group keys in the DP gateway. ``DEMO_DIVISIONS`` is a subset of the
standard's 97 divisions, chosen to cover the trades common among Qingdao's enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndustrySection:
    """A 门类: one capital letter and the 2-digit divisions it spans (inclusive)."""

    code: str
    name: str
    first_division: int
    last_division: int

    def __post_init__(self) -> None:
        """Refuse a code that is not one capital letter or an empty division range."""
        if len(self.code) != 1 or not "A" <= self.code <= "T":
            raise ValueError(f"section code {self.code!r} is not a letter A–T")
        if not 1 <= self.first_division <= self.last_division <= 97:
            raise ValueError(f"section {self.code} has no divisions in 01–97")


@dataclass(frozen=True)
class IndustryDivision:
    """A 大类: a 2-digit code and its name; its section follows from the code."""

    code: str
    name: str

    def __post_init__(self) -> None:
        """Refuse a code that is not two digits in 01–97."""
        if not (len(self.code) == 2 and self.code.isdigit() and 1 <= int(self.code) <= 97):
            raise ValueError(f"division code {self.code!r} is not two digits in 01–97")

    @property
    def section(self) -> str:
        """The letter of the section whose division range holds this code."""
        return section_of_division(self.code).code


SECTIONS: tuple[IndustrySection, ...] = (
    IndustrySection("A", "农、林、牧、渔业", 1, 5),
    IndustrySection("B", "采矿业", 6, 12),
    IndustrySection("C", "制造业", 13, 43),
    IndustrySection("D", "电力、热力、燃气及水生产和供应业", 44, 46),
    IndustrySection("E", "建筑业", 47, 50),
    IndustrySection("F", "批发和零售业", 51, 52),
    IndustrySection("G", "交通运输、仓储和邮政业", 53, 60),
    IndustrySection("H", "住宿和餐饮业", 61, 62),
    IndustrySection("I", "信息传输、软件和信息技术服务业", 63, 65),
    IndustrySection("J", "金融业", 66, 69),
    IndustrySection("K", "房地产业", 70, 70),
    IndustrySection("L", "租赁和商务服务业", 71, 72),
    IndustrySection("M", "科学研究和技术服务业", 73, 75),
    IndustrySection("N", "水利、环境和公共设施管理业", 76, 79),
    IndustrySection("O", "居民服务、修理和其他服务业", 80, 82),
    IndustrySection("P", "教育", 83, 83),
    IndustrySection("Q", "卫生和社会工作", 84, 85),
    IndustrySection("R", "文化、体育和娱乐业", 86, 90),
    IndustrySection("S", "公共管理、社会保障和社会组织", 91, 96),
    IndustrySection("T", "国际组织", 97, 97),
)

DEMO_DIVISIONS: tuple[IndustryDivision, ...] = (
    IndustryDivision("01", "农业"),
    IndustryDivision("04", "渔业"),
    IndustryDivision("13", "农副食品加工业"),
    IndustryDivision("15", "酒、饮料和精制茶制造业"),
    IndustryDivision("18", "纺织服装、服饰业"),
    IndustryDivision("26", "化学原料和化学制品制造业"),
    IndustryDivision("29", "橡胶和塑料制品业"),
    IndustryDivision("34", "通用设备制造业"),
    IndustryDivision("36", "汽车制造业"),
    IndustryDivision("37", "铁路、船舶、航空航天和其他运输设备制造业"),
    IndustryDivision("38", "电气机械和器材制造业"),
    IndustryDivision("39", "计算机、通信和其他电子设备制造业"),
    IndustryDivision("48", "土木工程建筑业"),
    IndustryDivision("50", "建筑装饰、装修和其他建筑业"),
    IndustryDivision("51", "批发业"),
    IndustryDivision("52", "零售业"),
    IndustryDivision("54", "道路运输业"),
    IndustryDivision("58", "多式联运和运输代理业"),
    IndustryDivision("59", "装卸搬运和仓储业"),
    IndustryDivision("61", "住宿业"),
    IndustryDivision("62", "餐饮业"),
    IndustryDivision("65", "软件和信息技术服务业"),
    IndustryDivision("70", "房地产业"),
    IndustryDivision("72", "商务服务业"),
    IndustryDivision("75", "科技推广和应用服务业"),
    IndustryDivision("80", "居民服务业"),
)

SECTION_CODES: tuple[str, ...] = tuple(s.code for s in SECTIONS)
DEMO_DIVISION_CODES: tuple[str, ...] = tuple(d.code for d in DEMO_DIVISIONS)
_DIVISIONS_BY_CODE = {d.code: d for d in DEMO_DIVISIONS}


def section_of_division(code: str) -> IndustrySection:
    """The section whose range holds the 2-digit division ``code`` (any of 01–97)."""
    number = int(code)
    for section in SECTIONS:
        if section.first_division <= number <= section.last_division:
            return section
    raise KeyError(f"{code!r} is not a GB/T 4754-2017 division code 01–97")


def demo_division(code: str) -> IndustryDivision:
    """The demo division with ``code``; ``KeyError`` lists the known ones when unknown."""
    try:
        return _DIVISIONS_BY_CODE[code]
    except KeyError:
        raise KeyError(f"{code!r} is not a demo division {DEMO_DIVISION_CODES}") from None


DEMO_SECTION_CODES: tuple[str, ...] = tuple(
    sorted({section_of_division(d.code).code for d in DEMO_DIVISIONS})
)
"""The sections the demo divisions fall in (11 of the 20): the sections the demo city's public
enterprise register has firms in, so a steward can declare them as an industry key's public
domain without reading restricted data, and no section in it is empty by construction."""

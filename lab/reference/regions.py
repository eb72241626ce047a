"""Qingdao's ten county-level divisions (GB/T 2260 codes 3702xx) and some of their 街道.

A public code list: the DP gateway uses the district names and codes as the public domain of
district group keys, so that no key is ever read off restricted data. Centres are approximate
(WGS-84, to two decimals) and serve only to place synthetic points inside the right district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CITY_NAME = "青岛市"
CITY_CODE = "370200"
PROVINCE_NAME = "山东省"
PROVINCE_CODE = "370000"
CITY_BBOX = (119.5, 35.5, 121.0, 37.1)
"""Qingdao's bounding box as (min lon, min lat, max lon, max lat), WGS-84 degrees."""

_CODE = re.compile(r"3702\d\d")


@dataclass(frozen=True)
class District:
    """One 市辖区 or 县级市 of Qingdao with its administrative code and a few 街道."""

    code: str
    name: str
    name_en: str
    centre: tuple[float, float]
    streets: tuple[str, ...]

    def __post_init__(self) -> None:
        """Refuse a code outside 3702xx, a point outside the city or a district without streets."""
        min_lon, min_lat, max_lon, max_lat = CITY_BBOX
        lon, lat = self.centre
        if not _CODE.fullmatch(self.code):
            raise ValueError(f"district code {self.code!r} is not a Qingdao code 3702xx")
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            raise ValueError(f"centre of {self.name} lies outside Qingdao's bounding box")
        if not self.streets or not all(s.endswith("街道") for s in self.streets):
            raise ValueError(f"{self.name} needs at least one 街道 name ending in 街道")

    @property
    def qualified_name(self) -> str:
        """The name agencies and courts carry: 青岛市市南区 for a 区, 胶州市 for a 县级市."""
        return self.name if self.name.endswith("市") else CITY_NAME + self.name


DISTRICTS: tuple[District, ...] = (
    District(
        "370202",
        "市南区",
        "Shinan",
        (120.39, 36.07),
        ("八大关街道", "湛山街道", "香港中路街道", "八大湖街道", "金门路街道", "中山路街道"),
    ),
    District(
        "370203",
        "市北区",
        "Shibei",
        (120.37, 36.10),
        ("台东街道", "辽宁路街道", "登州路街道", "宁夏路街道", "敦化路街道", "四方街道"),
    ),
    District(
        "370211",
        "黄岛区",
        "Huangdao",
        (120.05, 35.90),
        ("黄岛街道", "辛安街道", "薛家岛街道", "长江路街道", "灵山卫街道", "珠海街道"),
    ),
    District(
        "370212",
        "崂山区",
        "Laoshan",
        (120.47, 36.11),
        ("中韩街道", "沙子口街道", "王哥庄街道", "北宅街道", "金家岭街道"),
    ),
    District(
        "370213",
        "李沧区",
        "Licang",
        (120.43, 36.15),
        ("振华路街道", "浮山路街道", "兴华路街道", "虎山路街道", "李村街道", "楼山街道"),
    ),
    District(
        "370214",
        "城阳区",
        "Chengyang",
        (120.40, 36.31),
        ("城阳街道", "流亭街道", "夏庄街道", "棘洪滩街道", "上马街道", "河套街道"),
    ),
    District(
        "370215",
        "即墨区",
        "Jimo",
        (120.45, 36.39),
        ("环秀街道", "潮海街道", "通济街道", "北安街道", "龙山街道", "鳌山卫街道"),
    ),
    District(
        "370281",
        "胶州市",
        "Jiaozhou",
        (120.03, 36.26),
        ("阜安街道", "中云街道", "三里河街道", "九龙街道", "胶东街道", "胶西街道"),
    ),
    District(
        "370283",
        "平度市",
        "Pingdu",
        (119.96, 36.78),
        ("东阁街道", "李园街道", "同和街道", "凤台街道", "白沙河街道"),
    ),
    District(
        "370285",
        "莱西市",
        "Laixi",
        (120.52, 36.89),
        ("水集街道", "望城街道", "沽河街道"),
    ),
)

DISTRICT_NAMES: tuple[str, ...] = tuple(d.name for d in DISTRICTS)
DISTRICT_CODES: tuple[str, ...] = tuple(d.code for d in DISTRICTS)
_BY_CODE = {d.code: d for d in DISTRICTS}
_BY_NAME = {d.name: d for d in DISTRICTS}


def district_by_code(code: str) -> District:
    """The district with GB/T 2260 code ``code``; ``KeyError`` names the code when unknown."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(
            f"{code!r} is not one of Qingdao's district codes {DISTRICT_CODES}"
        ) from None


def district_by_name(name: str) -> District:
    """The district called ``name`` (e.g. 市南区); ``KeyError`` names it when unknown."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not one of Qingdao's districts {DISTRICT_NAMES}") from None

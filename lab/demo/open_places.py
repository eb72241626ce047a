"""T1 lists of the demo city's places: transport, schools, health, culture, tourism, facilities.

Each list is a fixed number of places (it does not grow with the enterprise scale) drawn by
``lab.demo.open_city.places`` and given the facts a citizen looks for: kind, size, opening
hours, prices. Departments and topics are those that publish such lists in Qingdao.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.demo.open_city import PLACE_DICTIONARY, OpenSpec, choose, places

TRANSPORT, EDUCATION, HEALTH = "青岛市交通运输局", "青岛市教育局", "青岛市卫生健康委员会"
CULTURE, CITY, SPORT = "青岛市文化和旅游局", "青岛市城市管理局", "青岛市体育局"


def _metro_stations(rng: np.random.Generator) -> pd.DataFrame:
    lines = ("1号线", "2号线", "3号线", "4号线", "8号线", "11号线", "13号线")
    frame = places(rng, 150, lambda d, k: f"{d[:2]}{k}站")
    frame["线路"] = choose(rng, lines, len(frame))
    frame["开通日期"] = choose(
        rng,
        ("2015-12-16", "2017-12-10", "2019-12-16", "2020-12-26", "2022-04-26", "2024-12-26"),
        len(frame),
    )
    frame["换乘站"] = np.where(rng.random(len(frame)) < 0.15, "是", "否")
    return frame


def _parking(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 220, lambda d, k: f"{d}公共停车场{k:03d}")
    frame["泊位（个）"] = rng.integers(30, 900, len(frame))
    frame["收费标准（元/小时）"] = choose(rng, (0, 2, 3, 5, 6), len(frame), p=(1, 3, 4, 2, 1))
    frame["类型"] = choose(rng, ("地面", "地下", "立体"), len(frame), p=(5, 3, 1))
    return frame


def _charging(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 320, lambda d, k: f"{d}充电站{k:03d}")
    frame["快充桩（个）"] = rng.integers(2, 40, len(frame))
    frame["慢充桩（个）"] = rng.integers(0, 30, len(frame))
    frame["服务时间"] = choose(rng, ("00:00-24:00", "06:00-22:00"), len(frame), p=(4, 1))
    return frame


def _schools(rng: np.random.Generator) -> pd.DataFrame:
    stage = choose(rng, ("小学", "初中", "高中", "九年一贯制"), 420, p=(6, 3, 1.2, 1))
    frame = places(rng, 420, lambda d, k: f"青岛市{d}第{k}学校")
    frame["学段"] = stage
    frame["办学性质"] = choose(rng, ("公办", "民办"), len(frame), p=(9, 1))
    frame["班级数（个）"] = rng.integers(12, 72, len(frame))
    frame["在校生人数"] = frame["班级数（个）"] * rng.integers(38, 46, len(frame))
    return frame


def _kindergartens(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 360, lambda d, k: f"{d}第{k}幼儿园")
    frame["办学性质"] = choose(rng, ("公办", "普惠性民办", "民办"), len(frame), p=(5, 4, 1))
    frame["班级数（个）"] = rng.integers(3, 18, len(frame))
    frame["保育费（元/月）"] = choose(rng, (320, 480, 650, 900, 1600), len(frame))
    return frame


def _hospitals(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 160, lambda d, k: f"{d}第{k}医院")
    frame["等级"] = choose(
        rng, ("三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级"), len(frame), p=(1, 1, 3, 2, 4)
    )
    frame["类别"] = choose(
        rng, ("综合医院", "中医医院", "专科医院", "妇幼保健院"), len(frame), p=(6, 2, 3, 1)
    )
    frame["床位（张）"] = rng.integers(20, 2200, len(frame))
    frame["急诊"] = np.where(rng.random(len(frame)) < 0.6, "有", "无")
    return frame


def _pharmacies(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 480, lambda d, k: f"{d}便民药房{k:03d}")
    frame["医保定点"] = np.where(rng.random(len(frame)) < 0.7, "是", "否")
    frame["营业时间"] = choose(rng, ("08:00-21:00", "00:00-24:00"), len(frame), p=(5, 1))
    return frame


def _culture_venues(rng: np.random.Generator) -> pd.DataFrame:
    kind = ("图书馆", "博物馆", "文化馆", "美术馆", "纪念馆")
    frame = places(rng, 140, lambda d, k: f"{d}{kind[k % len(kind)]}（{k}）")
    frame["类型"] = [name.split("（")[0][3:] for name in frame["名称"]]
    frame["开放时间"] = choose(
        rng, ("09:00-17:00，周一闭馆", "09:00-20:30", "09:00-16:30"), len(frame)
    )
    frame["免费开放"] = np.where(rng.random(len(frame)) < 0.85, "是", "否")
    return frame


def _scenic_spots(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 110, lambda d, k: f"{d}风景区{k}")
    frame["等级"] = choose(rng, ("5A", "4A", "3A", "2A"), len(frame), p=(0.3, 3, 5, 2))
    frame["门票（元）"] = choose(rng, (0, 20, 40, 60, 120, 130), len(frame), p=(4, 3, 2, 2, 1, 1))
    frame["开放时间"] = choose(rng, ("08:00-17:30", "全天"), len(frame))
    return frame


def _hotels(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 130, lambda d, k: f"{d}酒店{k:03d}")
    frame["星级"] = choose(
        rng, ("五星级", "四星级", "三星级", "二星级"), len(frame), p=(1, 3, 5, 2)
    )
    frame["客房（间）"] = rng.integers(40, 620, len(frame))
    return frame


def _toilets(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 600, lambda d, k: f"{d}公厕{k:04d}")
    frame["类别"] = choose(rng, ("独立式", "附属式", "活动式"), len(frame), p=(6, 3, 1))
    frame["开放时间"] = choose(rng, ("00:00-24:00", "05:30-22:30"), len(frame), p=(3, 2))
    frame["无障碍设施"] = np.where(rng.random(len(frame)) < 0.7, "有", "无")
    return frame


def _parks(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 170, lambda d, k: f"{d}城市公园{k}")
    frame["类型"] = choose(
        rng, ("综合公园", "社区公园", "专类公园", "游园", "山头公园"), len(frame)
    )
    frame["面积（公顷）"] = np.round(rng.lognormal(1.2, 0.9, len(frame)), 2)
    return frame


def _sports(rng: np.random.Generator) -> pd.DataFrame:
    frame = places(rng, 190, lambda d, k: f"{d}全民健身中心{k}")
    frame["项目"] = choose(rng, ("游泳", "篮球", "羽毛球", "足球", "综合"), len(frame))
    frame["开放方式"] = choose(rng, ("免费", "低收费"), len(frame), p=(2, 3))
    return frame


def _spec(id_, title, title_en, description, department, topic, tags, frequency, draw, extra):
    return OpenSpec(
        id_,
        title,
        title_en,
        description,
        department,
        topic,
        tags,
        frequency,
        PLACE_DICTIONARY + extra,
        draw,
    )


SPECS = (
    _spec(
        "metro-stations",
        "地铁站点信息",
        "Metro stations",
        "轨道交通各线路站点、开通日期与换乘。",
        TRANSPORT,
        "交通运输",
        ("地铁", "轨道交通", "站点"),
        "irregular",
        _metro_stations,
        (
            ("线路", "所属轨道交通线路"),
            ("开通日期", "站点开通运营日期"),
            ("换乘站", "是否为换乘站"),
        ),
    ),
    _spec(
        "public-parking",
        "公共停车场信息",
        "Public car parks",
        "公共停车场位置、泊位与收费标准。",
        TRANSPORT,
        "交通运输",
        ("停车", "泊位"),
        "monthly",
        _parking,
        (
            ("泊位（个）", "对外开放的泊位数"),
            ("收费标准（元/小时）", "小型车白天首小时后每小时"),
            ("类型", "地面、地下或立体停车场"),
        ),
    ),
    _spec(
        "ev-charging-stations",
        "新能源汽车充电站",
        "EV charging stations",
        "公共充电站位置、快慢充桩数量与服务时间。",
        "青岛市发展和改革委员会",
        "能源环境",
        ("充电桩", "新能源汽车"),
        "monthly",
        _charging,
        (
            ("快充桩（个）", "直流快充桩数量"),
            ("慢充桩（个）", "交流慢充桩数量"),
            ("服务时间", "对外服务时段"),
        ),
    ),
    _spec(
        "primary-secondary-schools",
        "中小学校名录",
        "Primary and secondary schools",
        "全市中小学校的学段、办学性质、班级数和在校生人数（每学年更新）。",
        EDUCATION,
        "教育科技",
        ("学校", "义务教育"),
        "yearly",
        _schools,
        (
            ("学段", "小学、初中、高中或九年一贯制"),
            ("办学性质", "公办或民办"),
            ("班级数（个）", "本学年教学班数"),
            ("在校生人数", "本学年在校学生数"),
        ),
    ),
    _spec(
        "kindergartens",
        "幼儿园名录",
        "Kindergartens",
        "幼儿园的办学性质、班级数与保育费标准。",
        EDUCATION,
        "教育科技",
        ("幼儿园", "学前教育"),
        "yearly",
        _kindergartens,
        (
            ("办学性质", "公办、普惠性民办或民办"),
            ("班级数（个）", "本学年班级数"),
            ("保育费（元/月）", "每生每月保育教育费"),
        ),
    ),
    _spec(
        "medical-institutions",
        "医疗机构名录",
        "Hospitals",
        "医院的等级、类别、床位与急诊服务。",
        HEALTH,
        "医疗卫生",
        ("医院", "医疗机构"),
        "quarterly",
        _hospitals,
        (
            ("等级", "医院评审等级"),
            ("类别", "综合、中医、专科或妇幼保健"),
            ("床位（张）", "核定床位数"),
            ("急诊", "是否提供急诊服务"),
        ),
    ),
    _spec(
        "retail-pharmacies",
        "零售药店信息",
        "Retail pharmacies",
        "零售药店位置、医保定点与营业时间。",
        "青岛市市场监督管理局",
        "医疗卫生",
        ("药店", "医保"),
        "monthly",
        _pharmacies,
        (("医保定点", "是否为医保定点药店"), ("营业时间", "每日营业时段")),
    ),
    _spec(
        "cultural-venues",
        "公共文化场馆",
        "Public cultural venues",
        "图书馆、博物馆、文化馆、美术馆与纪念馆的开放时间和免费开放情况。",
        CULTURE,
        "文化休闲",
        ("图书馆", "博物馆", "文化馆"),
        "quarterly",
        _culture_venues,
        (("类型", "场馆类型"), ("开放时间", "对外开放时段"), ("免费开放", "是否免费开放")),
    ),
    _spec(
        "scenic-spots",
        "A级旅游景区",
        "Rated scenic spots",
        "A级旅游景区的等级、门票与开放时间。",
        CULTURE,
        "文化休闲",
        ("旅游", "景区"),
        "quarterly",
        _scenic_spots,
        (
            ("等级", "旅游景区质量等级"),
            ("门票（元）", "成人票价，0 为免费"),
            ("开放时间", "对外开放时段"),
        ),
    ),
    _spec(
        "star-hotels",
        "星级饭店名录",
        "Star-rated hotels",
        "星级饭店的星级与客房数。",
        CULTURE,
        "文化休闲",
        ("旅游", "酒店"),
        "quarterly",
        _hotels,
        (("星级", "旅游饭店星级"), ("客房（间）", "可供出租的客房数")),
    ),
    _spec(
        "public-toilets",
        "城市公厕信息",
        "Public toilets",
        "城市公厕位置、类别、开放时间与无障碍设施。",
        CITY,
        "城建住房",
        ("公厕", "市政设施"),
        "monthly",
        _toilets,
        (
            ("类别", "独立式、附属式或活动式"),
            ("开放时间", "对外开放时段"),
            ("无障碍设施", "是否设无障碍厕位"),
        ),
    ),
    _spec(
        "city-parks",
        "城市公园名录",
        "City parks",
        "城市公园的类型与面积。",
        "青岛市园林和林业局",
        "资源环境",
        ("公园", "绿地"),
        "yearly",
        _parks,
        (("类型", "公园分类（CJJ/T 85）"), ("面积（公顷）", "公园占地面积")),
    ),
    _spec(
        "fitness-venues",
        "全民健身场馆",
        "Public fitness venues",
        "全民健身场馆的项目与开放方式。",
        SPORT,
        "文化休闲",
        ("体育", "健身"),
        "quarterly",
        _sports,
        (("项目", "主要运动项目"), ("开放方式", "免费或低收费开放")),
    ),
)
"""Place lists, in a fixed order."""

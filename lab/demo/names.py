"""Chinese personal names, enterprise names and Qingdao street addresses, drawn vectorised.

Word lists are small and plausible, not a census: enough variety that names rarely repeat and
that a name or address detector sees the shapes it meets in real government files.
"""

from __future__ import annotations

import numpy as np

from lab.reference.regions import CITY_NAME, DISTRICTS, PROVINCE_NAME

SURNAMES = tuple(
    "王张李刘孙杨于赵姜徐高陈宋韩周郭马董吕曲崔丁孟隋邢纪薛臧栾宫袁林梁黄吴胡朱任毛江卢范苏傅"
)
_SURNAME_WEIGHTS = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
GIVEN_NAME_CHARS = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚兰志华建国文玉红海燕鹏飞浩宇晨子涵欣怡梓轩博思雨"
    "佳琪雪晓东峰林斌鑫亮波辉俊凯瑞嘉萱诗婷颖倩慧莉婧昊然泽睿铭蕾璐彤岩青松梅春成德福贵宏永庆翔帅阳"
)
BRAND_CHARS = tuple(
    "海润达鑫源盛泰恒信诚华宇天瑞丰泽东方金鼎汇通博创佳和昌隆兴嘉尚德安康宏远新中正益明利琴岚沧崂"
    "蓝星智凯晟锦悦航舟帆港湾融启睿弘毅精工"
)
COMPANY_WORDS: dict[str, tuple[str, ...]] = {
    "01": ("农业科技", "生态农业"),
    "04": ("水产", "海洋渔业"),
    "13": ("食品", "海产品加工"),
    "15": ("啤酒", "饮品"),
    "18": ("服饰", "制衣"),
    "26": ("化工", "新材料"),
    "29": ("塑胶", "橡胶制品"),
    "34": ("机械", "机电设备"),
    "36": ("汽车零部件", "汽车部件"),
    "37": ("船舶设备", "轨道交通装备"),
    "38": ("电器", "电气"),
    "39": ("电子", "智能科技"),
    "48": ("建设工程", "市政工程"),
    "50": ("装饰工程", "建筑装饰"),
    "51": ("贸易", "国际贸易"),
    "52": ("商贸", "百货"),
    "54": ("运输", "物流"),
    "58": ("国际物流", "货运代理"),
    "59": ("仓储", "供应链管理"),
    "61": ("酒店管理", "宾馆"),
    "62": ("餐饮管理", "餐饮"),
    "65": ("软件", "信息技术"),
    "70": ("置业", "房地产开发"),
    "72": ("企业管理咨询", "商务服务"),
    "75": ("科技", "技术服务"),
    "80": ("家政服务", "美容美发"),
}
SHOP_WORDS: dict[str, str] = {
    "01": "家庭农场",
    "04": "水产养殖场",
    "13": "食品加工坊",
    "50": "装饰工作室",
    "52": "便利店",
    "54": "货运部",
    "62": "饭店",
    "80": "理发店",
}
ROADS: dict[str, tuple[str, ...]] = {
    "市南区": ("香港中路", "山东路", "南京路", "福州南路", "东海西路", "延安三路"),
    "市北区": ("辽宁路", "台东一路", "延安二路", "敦化路", "重庆南路", "登州路"),
    "黄岛区": ("长江中路", "江山中路", "滨海大道", "井冈山路", "峨眉山路", "珠江路"),
    "崂山区": ("海尔路", "株洲路", "松岭路", "深圳路", "苗岭路", "秦岭路"),
    "李沧区": ("九水东路", "黑龙江中路", "京口路", "书院路", "金水路", "振华路"),
    "城阳区": ("正阳路", "长城路", "春阳路", "青威路", "文阳路", "明阳路"),
    "即墨区": ("鹤山路", "烟青路", "蓝鳌路", "振华街", "文化路", "嵩山二路"),
    "胶州市": ("扬州路", "广州北路", "兰州东路", "福州支路", "北京东路", "常州路"),
    "平度市": ("红旗路", "杭州路", "人民路", "常州路", "胜利路", "扬州路"),
    "莱西市": ("烟台路", "上海中路", "威海西路", "石岛路", "青岛路", "文化东路"),
}


def join(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays (and scalar strings) of one length."""
    result = np.asarray(parts[0], dtype=str)
    for part in parts[1:]:
        result = np.char.add(result, np.asarray(part, dtype=str))
    return result


def pick(rng: np.random.Generator, choices: tuple[str, ...], size: int) -> np.ndarray:
    """``size`` uniform draws from ``choices`` as a string array."""
    return np.asarray(choices)[rng.integers(0, len(choices), size=size)]


def person_names(rng: np.random.Generator, size: int) -> np.ndarray:
    """Surname plus one or two given-name characters; common surnames more often."""
    weights = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    surname = np.asarray(SURNAMES)[rng.choice(len(SURNAMES), size=size, p=weights)]
    second = np.where(rng.random(size) < 0.7, pick(rng, GIVEN_NAME_CHARS, size), "")
    return join(surname, pick(rng, GIVEN_NAME_CHARS, size), second)


def _brand(rng: np.random.Generator, size: int, length: int) -> np.ndarray:
    """Trade names (字号) of ``length`` characters."""
    return join(*(pick(rng, BRAND_CHARS, size) for _ in range(length)))


def _words_for(rng: np.random.Generator, divisions: np.ndarray) -> np.ndarray:
    """One industry word per enterprise, chosen among its division's words."""
    words = np.empty(len(divisions), dtype=object)
    for division, options in COMPANY_WORDS.items():
        rows = np.flatnonzero(divisions == division)
        words[rows] = pick(rng, options, len(rows))
    return words.astype(str)


def enterprise_names(
    rng: np.random.Generator, districts: np.ndarray, divisions: np.ndarray, suffixes: np.ndarray
) -> np.ndarray:
    """Unique names: "青岛" + 字号 + trade word + suffix; shops ("…店") lead with the district.

    ``suffixes`` holds the legal-form ending per row, or "" for an individual business, which is
    named after its district and the shop word of its division. Clashing names get a longer 字号.
    """
    size = len(districts)
    shops = suffixes == ""
    shop_words = np.asarray([SHOP_WORDS.get(d, "经营部") for d in divisions])
    names = np.empty(size, dtype=object)
    pending = np.arange(size)
    length = 2
    while pending.size:
        brand = _brand(rng, pending.size, length)
        company = join(CITY_NAME[:2], brand, _words_for(rng, divisions[pending]), suffixes[pending])
        shop = join(districts[pending], brand, shop_words[pending])
        names[pending] = np.where(shops[pending], shop, company)
        pending, length = np.flatnonzero(_duplicated(names)), length + 1
    return names.astype(str)


def _duplicated(names: np.ndarray) -> np.ndarray:
    """True for every occurrence of a name after its first."""
    _, first = np.unique(names, return_index=True)
    mask = np.ones(len(names), dtype=bool)
    mask[first] = False
    return mask


def street_addresses(
    rng: np.random.Generator, district_index: np.ndarray, *, with_room: bool = False
) -> np.ndarray:
    """Full addresses "山东省青岛市<区><街道><路><n>号", optionally with 号楼/单元/室."""
    size = len(district_index)
    districts = np.asarray([d.name for d in DISTRICTS])[district_index]
    streets, roads = np.empty(size, dtype=object), np.empty(size, dtype=object)
    for index, district in enumerate(DISTRICTS):
        rows = np.flatnonzero(district_index == index)
        streets[rows] = pick(rng, district.streets, len(rows))
        roads[rows] = pick(rng, ROADS[district.name], len(rows))
    number = rng.integers(1, 400, size=size).astype(str)
    address = join(PROVINCE_NAME + CITY_NAME, districts, streets, roads, number, "号")
    if not with_room:
        return address
    building = rng.integers(1, 30, size=size).astype(str)
    unit = rng.integers(1, 7, size=size).astype(str)
    room = (rng.integers(1, 33, size=size) * 100 + rng.integers(1, 5, size=size)).astype(str)
    return join(address, building, "号楼", unit, "单元", room, "室")

"""Does a short text look like a Chinese personal name (张伟, 欧阳娜娜, 张某某, 王*)?

Used only together with a header cue (a 双公示 counterparty column mixes firms and people), never
on its own: many two- or three-character words start with a surname character. A name is an
optional compound or common single surname, then one to three given-name characters, or a
masked given name (某, *). Words ending like places or organisations (…区, …局, …店) are not.
"""

from __future__ import annotations

import re

COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
    "俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝隆"
)
"""About 250 single-character surnames, well over 95% of the population by frequency."""
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
        "令狐", "夏侯", "端木", "长孙", "宇文", "司徒", "西门", "独孤",
    ]
)  # fmt: skip
NOT_NAME_ENDINGS = frozenset("区市县省镇乡村路街道号局院所店厂司社会部队室站心楼园馆场处科组团委办")
"""Last characters of place and organisation words, never of a given name in practice."""

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_MASKED_GIVEN = re.compile(r"(?:某{1,2}|\*{1,3})")


def _given_name(text: str) -> str | None:
    """What follows the surname, if ``text`` starts with a known surname."""
    if text[:2] in COMPOUND_SURNAMES:
        return text[2:]
    if text[:1] in COMMON_SURNAMES:
        return text[1:]
    return None


def is_person_name(value: str) -> bool:
    """True for 2–4 character names led by a surname, or a surname with a masked given name."""
    given = _given_name(value)
    if not given:
        return False
    if _MASKED_GIVEN.fullmatch(given):
        return True
    return (
        _HAN.fullmatch(given) is not None
        and 2 <= len(value) <= 4
        and value[-1] not in NOT_NAME_ENDINGS
    )

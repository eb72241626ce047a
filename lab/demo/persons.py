"""T4 person-level table: names, valid resident ID numbers, mobiles, addresses and free text.

It carries the real-file traps a classifier and an ingest must survive: a few blank phones (so
pandas would read the column as floats), ID numbers and phones hidden inside the Chinese 备注
text, some of them in full-width digits that only NFKC normalisation reveals.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lab.demo.firms import Firms
from lab.demo.identifiers import mobile_numbers, resident_ids
from lab.demo.manifest import CategoricalDomain, DemoTable, DPHints, demo_table
from lab.demo.names import person_names, pick, street_addresses
from lab.demo.timeline import iso, random_days
from lab.reference.regions import DISTRICTS

OLDEST_BIRTH, YOUNGEST_BIRTH = date(1950, 1, 1), date(2006, 10, 31)
BLANK_PHONE_SHARE = 0.01
PLAIN_NOTES = ("", "", "", "无", "已核实", "信息已更新", "资料齐全", "本人办理")
EMBEDDED_SHARE = 0.04
"""Share of rows whose 备注 embeds an ID number, and again of rows that embed a phone."""
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def full_width(text: str) -> str:
    """``text`` with ASCII digits and X as full-width forms (NFKC maps them back)."""
    return text.translate(_FULL_WIDTH)


def _notes(rng: np.random.Generator, ids: np.ndarray) -> list[str]:
    """Free-text remarks; a few embed another resident's ID or a contact's phone in prose."""
    size = len(ids)
    notes = pick(rng, PLAIN_NOTES, size).astype(object)
    with_id = np.flatnonzero(rng.random(size) < EMBEDDED_SHARE)
    for row, other in zip(with_id.tolist(), rng.permutation(ids)[: len(with_id)], strict=True):
        notes[row] = f"代办人身份证号{other}，已留存复印件"
    with_phone = np.flatnonzero(rng.random(size) < EMBEDDED_SHARE)
    contacts = mobile_numbers(rng, len(with_phone))
    wide = rng.random(len(with_phone)) < 0.3
    for row, phone, is_wide in zip(with_phone.tolist(), contacts, wide, strict=True):
        notes[row] = f"紧急联系人电话：{full_width(phone) if is_wide else phone}，请及时联系家属"
    return notes.tolist()


def build_persons(rng: np.random.Generator, firms: Firms, size: int) -> DemoTable:
    """``size`` residents with identifiers, address, employer and remarks."""
    district_index = rng.integers(0, len(DISTRICTS), size=size)
    births = random_days(rng, OLDEST_BIRTH, YOUNGEST_BIRTH, size)
    male = rng.random(size) < 0.5
    ids = resident_ids(rng, np.asarray([d.code for d in DISTRICTS])[district_index], births, male)
    phones = mobile_numbers(rng, size).astype(object)
    phones[rng.random(size) < BLANK_PHONE_SHARE] = ""
    employer = firms.register["企业名称"].to_numpy()[rng.integers(0, len(firms), size)]
    frame = pd.DataFrame(
        {
            "姓名": person_names(rng, size),
            "性别": np.where(male, "男", "女"),
            "出生日期": iso(births),
            "身份证号": ids,
            "手机号": phones.astype(str),
            "户籍所在区": np.asarray([d.name for d in DISTRICTS])[district_index],
            "居住地址": street_addresses(rng, district_index, with_room=True),
            "工作单位": np.where(rng.random(size) < 0.8, employer, "无"),
            "备注": _notes(rng, ids),
        }
    )
    hints = DPHints(
        privacy_unit="身份证号",
        max_rows_per_unit=1,
        categorical_domains=(CategoricalDomain("户籍所在区", "qingdao_district_name"),),
    )
    return demo_table(
        frame,
        identifier_columns=("身份证号", "手机号"),
        dp=hints,
        id="resident-contacts",
        title="居民身份及联系信息",
        title_en="Residents' identity and contact details",
        description="居民姓名、性别、出生日期、身份证号、手机号、户籍所在区、居住地址、工作单位及备注。"
        "含直接标识符，仅限授权使用。",
        department="青岛市公安局",
        topic="公共安全",
        tags=("人口", "身份证号", "手机号", "个人信息"),
        update_frequency="monthly",
        intended_tier="T4",
    )

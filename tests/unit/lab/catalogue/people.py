"""The 3,001-person table of issue 21: name, ID number, birth date, sex, street, employment, income.

Lowered to T2 with the fixed generalisation (birth date → year) it is refused by the k-anonymity
gate: every class is smaller than 10. Seeded, so every run writes the same file.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from tests.unit.classification.identifiers import resident_id

PEOPLE = 3001
HEADERS = ["姓名", "身份证号", "出生日期", "性别", "街道", "就业状态", "月收入"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
STREETS = (
    "八大关街道",
    "湛山街道",
    "中山路街道",
    "台东街道",
    "辽宁路街道",
    "中韩街道",
    "金家岭街道",
    "李村街道",
    "黄岛街道",
)
EMPLOYMENT = ("在职", "在职", "在职", "灵活就业", "失业", "退休")
REGIONS = ("370202", "370203", "370211", "370212", "370213", "370214")


def people_rows(count: int = PEOPLE, seed: int = 9) -> list[list[str]]:
    """``count`` people born 1943–2005 across 9 streets, with a valid ID number each."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        born = date(1943, 1, 1) + timedelta(days=rng.randrange(365 * 63))
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        identity = resident_id(rng.choice(REGIONS), born, f"{i % 1000:03d}")
        retired = born.year < 1962
        rows.append(
            [
                name,
                identity,
                born.isoformat(),
                "男" if rng.random() < 0.5 else "女",
                rng.choice(STREETS),
                "退休" if retired else rng.choice(EMPLOYMENT),
                str(rng.randrange(1800, 30000, 50)),
            ]
        )
    return rows


def write_people(folder: Path, count: int = PEOPLE) -> Path:
    """The people table as a UTF-8 CSV in ``folder``."""
    path = folder / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(people_rows(count))
    return path

"""Small CSV tables for ingest tests, one per tier, with valid identifiers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.unit.classification.identifiers import credit_code, resident_id

DISTRICTS = ("市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区", "即墨区", "胶州市")


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def open_table(folder: Path, rows: int = 40, name: str = "stops.csv") -> Path:
    """A T1 table: bus stops with public attributes."""
    body = [
        [f"S{i:04d}", f"站点{i}", DISTRICTS[i % 8], 120.3 + i / 1000, 36.0 + i / 1000]
        for i in range(rows)
    ]
    return write_csv(folder / name, ["站点编号", "站点名称", "所属区", "经度", "纬度"], body)


def firms(count: int) -> list[str]:
    return [credit_code(body=f"{10000000 + i:08d}") for i in range(count)]


def monthly_table(folder: Path, *, units: int = 30, months: int = 6, canary: int = 0) -> Path:
    """A T3 table: per-enterprise monthly tax (integer 元); ``canary`` marks one raw value."""
    body = []
    for u, code in enumerate(firms(units)):
        for m in range(1, months + 1):
            amount = canary if canary and u == 0 and m == 1 else 1000 * (u + 1) + m
            body.append([code, f"2026-{m:02d}", DISTRICTS[u % 8], amount])
    return write_csv(
        folder / "tax.csv", ["统一社会信用代码", "所属期", "所属区", "应纳税额（元）"], body
    )


def person_table(folder: Path, rows: int = 40) -> Path:
    """A T4 table: residents with ID numbers and mobile numbers."""
    body = [
        [
            f"居民{i}",
            resident_id(born=date(1960 + i % 40, 1 + i % 12, 1 + i % 28), order=f"{i % 1000:03d}"),
            f"138{i:08d}",
        ]
        for i in range(rows)
    ]
    return write_csv(folder / "people.csv", ["姓名", "身份证号", "手机号"], body)


def prohibited_table(folder: Path) -> Path:
    """A T5 table: account passwords."""
    body = [[f"user{i}", f"pbkdf2_sha256$600000$salt{i}$hash{i}"] for i in range(20)]
    return write_csv(folder / "accounts.csv", ["账号", "登录密码"], body)


def resident_attributes_table(folder: Path, rows: int = 25) -> Path:
    """A T3 table of quasi-identifiers (birth date, gender, address) with few people per class."""
    body = [
        [
            f"{1950 + i}-0{1 + i % 9}-1{i % 9}",
            "男" if i % 2 else "女",
            f"青岛市市南区八大关街道{i}号",
            3 + i % 4,
        ]
        for i in range(rows)
    ]
    return write_csv(folder / "residents.csv", ["出生日期", "性别", "住址", "家庭人口"], body)

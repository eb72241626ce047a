"""The guide's ruling on personal names (guide 2026.2): a name alone is T3, a name with
sensitive personal information is T4."""

from __future__ import annotations

import pandas as pd
import pytest

from classification import Tier, classify_frame, load_guide
from tests.unit.classification.identifiers import resident_id

GUIDE = load_guide()
NAMES = ["张伟", "李娜", "王芳", "刘强", "隋秀英", "臧磊", "欧阳娜娜", "栾军"] * 5
MASKED_PHONES = [f"138****{i:04d}" for i in range(40)]
STREETS = ["八大湖街道", "香港中路街道", "台东街道", "浮山新区街道"] * 10


def _frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in columns.items()})


def _names_only() -> pd.DataFrame:
    return _frame(姓名=NAMES, 联系电话=MASKED_PHONES, 所在街道=STREETS)


def test_the_packaged_guide_records_the_ruling() -> None:
    """Guide 2026.2: PERSON_NAME is T3 and a rule raises names next to sensitive data to T4."""
    assert GUIDE.version == "2026.2"
    assert GUIDE.category("PERSON_NAME").level is Tier.T3
    rule = next(r for r in GUIDE.combinations if r.groups[0] == ("PERSON_NAME",))
    assert rule.level is Tier.T4 and "MASKED_MOBILE" not in rule.groups[1]


def test_names_with_masked_phones_and_streets_are_t3() -> None:
    """The only personal field is a name (masked phones, street-level places): T3, not T4,
    and the name column's values are still never shown."""
    result = classify_frame(_names_only(), guide=GUIDE)
    assert result.column("姓名").category == "PERSON_NAME"
    assert result.column("联系电话").category == "MASKED_MOBILE"
    assert result.tier is Tier.T3
    assert not result.may_show_values("姓名")


SENSITIVE = {
    "resident ID": ("身份证号", [resident_id(order=f"{i:03d}") for i in range(40)]),
    "masked resident ID": ("证件号码", [f"370202********{i:04d}" for i in range(40)]),
    "full phone": ("手机号", [f"1391234{i:04d}" for i in range(40)]),
    "home address": ("家庭住址", [f"山东省青岛市市南区香港中路{i}号3单元201室" for i in range(40)]),
    "health": ("诊断", ["高血压", "糖尿病"] * 20),
}


@pytest.mark.parametrize("kind", sorted(SENSITIVE))
def test_names_beside_sensitive_information_are_t4(kind: str) -> None:
    """A name column next to an ID, a full phone, a home address or health data is T4, and the
    name column rises with it."""
    header, values = SENSITIVE[kind]
    frame = _names_only()
    frame[header] = pd.Series(values, dtype=object)
    result = classify_frame(frame, guide=GUIDE)
    assert result.tier is Tier.T4
    assert result.column("姓名").level is Tier.T4


def test_legal_representatives_in_the_register_stay_public() -> None:
    """The ruling leaves the legal representative's name in register data at T1."""
    register = _frame(企业名称=[f"青岛海润{i}科技有限公司" for i in range(40)], 法定代表人=NAMES)
    assert classify_frame(register, guide=GUIDE).tier is Tier.T1

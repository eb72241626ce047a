"""The ten tricky cases of issue 3 (DESIGN §6's real-file traps), one test each, plus GBK files."""

from __future__ import annotations

import io
import random

import pandas as pd

from classification import Tier, classify_frame, load_guide
from classification.checksums import resident_id_check_char
from tests.unit.classification.identifiers import credit_code, resident_id

GUIDE = load_guide()
NAMES = ["张伟", "李娜", "王芳", "刘强", "隋秀英", "臧磊", "欧阳娜娜", "栾军"] * 5
COMPANIES = [f"青岛海润{i}科技有限公司" for i in range(40)]


def _frame(**columns: list) -> pd.DataFrame:
    """A frame of object columns (None for nulls), as the ingest hands it over."""
    return pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in columns.items()})


def test_1_id_inside_a_free_text_remark() -> None:
    """One ID in one remark among many rows raises the remark column and the dataset to T4."""
    remarks = ["企业经营正常"] * 999 + [f"当事人身份证{resident_id()}已核实"]
    result = classify_frame(_frame(企业名称=COMPANIES * 25, 备注=remarks), guide=GUIDE)
    assert result.tier is Tier.T4
    assert result.column("备注").level is Tier.T4
    assert any("1 valid resident IDs embedded" in r for r in result.column("备注").reasons)


def test_2_phone_column_loaded_as_floats() -> None:
    """`13812345678.0` (a blank made pandas read floats) is repaired and graded MOBILE T4."""
    phones = [f"{13812345000 + i}.0" for i in range(39)] + [None]
    result = classify_frame(_frame(联系电话=phones), guide=GUIDE)
    assert (result.column("联系电话").category, result.tier) == ("MOBILE", Tier.T4)


def test_3_id_column_corrupted_to_floats() -> None:
    """`3.70202199001011e+17` lost digits; under an ID header it is still an ID column, and the
    reason tells the steward the export is broken."""
    ids = [n for n in (resident_id(order=f"{i:03d}") for i in range(60)) if n[-1] != "X"]
    corrupted = [f"{float(n):.14e}" for n in ids]
    assert corrupted[0].startswith("3.70202199003")
    finding = classify_frame(_frame(身份证号=corrupted), guide=GUIDE).column("身份证号")
    assert (finding.category, finding.level) == ("RESIDENT_ID", Tier.T4)
    assert "float-corrupted" in finding.reasons[-1]


def test_4_masked_ids_are_still_an_id_column() -> None:
    """`370202********1234` fails every checksum but is a masked ID column; next to names, T4."""
    masked = [f"370202********{i:04d}" for i in range(40)]
    alone = classify_frame(_frame(证件号码=masked), guide=GUIDE)
    assert alone.column("证件号码").category == "MASKED_RESIDENT_ID"
    assert alone.tier is Tier.T3
    with_names = classify_frame(_frame(法定代表人=NAMES, 证件号码=masked), guide=GUIDE)
    assert with_names.tier is Tier.T4


def test_5_legal_representative_public_in_register_but_t4_next_to_phones() -> None:
    """法定代表人 + credit codes is register data (T1); the same names beside 手机号 are T4."""
    codes = [credit_code(body=f"{i:08d}") for i in range(40)]
    register = _frame(统一社会信用代码=codes, 企业名称=COMPANIES, 法定代表人=NAMES)
    assert classify_frame(register, guide=GUIDE).tier is Tier.T1
    register["手机号"] = [f"1391234{i:04d}" for i in range(40)]
    result = classify_frame(register, guide=GUIDE)
    assert result.tier is Tier.T4
    assert result.column("法定代表人").level is Tier.T4
    assert not result.may_show_values("法定代表人")


def test_6_shuanggongshi_with_natural_person_counterparties() -> None:
    """双公示 of legal persons is T1; the same table with natural persons among them is T4."""
    firms = _frame(
        行政相对人名称=COMPANIES, 行政处罚决定书文号=[f"青市监处罚〔2025〕{i}号" for i in range(40)]
    )
    assert classify_frame(firms, guide=GUIDE).tier is Tier.T1
    mixed = firms.copy()
    mixed.loc[:3, "行政相对人名称"] = ["张红", "吕飞", "李兰杰", "臧瑞"]
    result = classify_frame(mixed, guide=GUIDE)
    assert result.column("行政相对人名称").category == "COUNTERPARTY_NATURAL_PERSON"
    assert result.tier is Tier.T4


def test_7_individual_businesses_with_92_credit_codes() -> None:
    """92… codes of 个体工商户 are credit codes (T1), never mistaken for resident IDs, and
    the operator (经营者) in register data stays public."""
    codes = [credit_code("92", "370203", f"MA3N{i:04d}") for i in range(40)]
    digits_only = [credit_code("92", "370203", f"{i:08d}") for i in range(40)]
    result = classify_frame(_frame(统一社会信用代码=codes, 经营者=NAMES), guide=GUIDE)
    assert result.tier is Tier.T1
    assert result.column("统一社会信用代码").category == "ENTERPRISE_ID"
    no_header = classify_frame(_frame(col=digits_only), guide=GUIDE).column("col")
    assert (no_header.category, no_header.level) == ("ENTERPRISE_ID", Tier.T1)


def test_8_random_serials_that_pass_checksums() -> None:
    """18-digit serials all chosen to pass the GB 11643 checksum, without a header cue and with
    impossible birth dates, are not IDs: T1, with the reason saying why."""
    rng = random.Random(8)
    bodies = [f"{rng.randrange(10**16, 10**17)}" for _ in range(2000)]
    serials = [b + resident_id_check_char(b) for b in bodies]
    finding = classify_frame(_frame(serial=serials), guide=GUIDE).column("serial")
    assert finding.level is Tier.T1
    assert any("pass the GB 11643 checksum alone" in r for r in finding.reasons)


def test_9_digits_glued_to_chinese_and_full_width_digits() -> None:
    """IDs and phones glued to CJK text, or written in full-width digits, are found."""
    full_width = resident_id().translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    remarks = ["无"] * 38 + [f"联系人张先生{full_width}", "电话１３９１２３４５６７８请回访"]
    finding = classify_frame(_frame(说明=remarks), guide=GUIDE).column("说明")
    assert finding.level is Tier.T4
    joined = " ".join(finding.reasons)
    assert "1 valid resident IDs embedded" in joined and "1 valid mobile numbers embedded" in joined


def test_10_aggregate_table_with_small_cells() -> None:
    """Counts per group are T1 when every cell is ≥ 10; one cell of 3 keeps the table at T3."""
    table = _frame(
        街道=["八大峡街道", "云南路街道", "中山路街道"],
        年龄段=["30-39"] * 3,
        人数=["120", "45", "3"],
    )
    result = classify_frame(table, guide=GUIDE)
    assert result.tier is Tier.T3
    assert "1 of 3 count cells between 1 and 9" in result.column("人数").reasons[-1]
    table["人数"] = ["120", "45", "10"]
    assert classify_frame(table, guide=GUIDE).tier is Tier.T1


def test_gbk_file_read_with_the_wrong_encoding() -> None:
    """A GBK CSV decoded as Latin-1 still classifies: headers and names are repaired."""
    frame = _frame(法定代表人=NAMES, 手机号码=[f"1391234{i:04d}" for i in range(40)])
    raw = frame.to_csv(index=False).encode("gbk")
    misread = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="latin-1").astype(object)
    assert "手机号码" not in misread.columns
    result = classify_frame(misread, guide=GUIDE)
    assert [f.category for f in result.columns] == ["LEGAL_REPRESENTATIVE", "MOBILE"]
    assert result.tier is Tier.T4

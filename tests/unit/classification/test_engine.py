"""classify_frame: the stable JSON, explanations with rule and evidence, sampling, dataset rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classification import ClassificationError, Tier, classify_frame, load_guide
from classification.guide import NegativeEntry
from tests.unit.classification.identifiers import credit_code, resident_id

GUIDE = load_guide()
PHONES = [f"1381234{i:04d}" for i in range(1000)]
PHONES[13] = "0532-88886666"


def _frame(**columns: list) -> pd.DataFrame:
    """A frame of object columns (None for nulls)."""
    return pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in columns.items()})


def test_json_has_exactly_the_documented_shape() -> None:
    """to_json gives tier, guide_version, reasons and columns with name/category/level/reasons."""
    result = classify_frame(_frame(联系电话=PHONES), guide=GUIDE)
    data = result.to_json()
    assert list(data) == ["tier", "guide_version", "reasons", "columns"]
    assert data["tier"] == "T4" and data["guide_version"] == "2026.2"
    assert list(data["columns"][0]) == ["name", "category", "level", "reasons"]
    assert data["columns"][0]["level"] == "T4"


def test_explanation_names_rule_and_evidence() -> None:
    """`联系电话: … 99.9% … mobile numbers → MOBILE → T4`: rule, evidence and level."""
    finding = classify_frame(_frame(联系电话=PHONES), guide=GUIDE).column("联系电话")
    assert finding.reasons[-1] == (
        "联系电话: header cue '联系电话' + 99.9% of 1,000 sampled values are valid mobile "
        "numbers → MOBILE → T4"
    )
    assert finding.share == pytest.approx(0.999)


def test_dataset_reasons_give_scope_and_the_deciding_columns() -> None:
    """The dataset reasons say what was read and which column set the tier (就高从严)."""
    frame = _frame(联系电话=PHONES, 所属区=["市南区"] * 1000)
    result = classify_frame(frame, guide=GUIDE, sample_rows=500, total_rows=2_000_000)
    assert result.reasons[0].startswith(
        "scope: 2 columns, 1,000 rows (a sample of a file of 2,000,000"
    )
    assert "detection on 500 sampled rows" in result.reasons[0]
    assert result.reasons[1].startswith("tier T4 (高敏·授权使用) = strictest column level")
    assert "联系电话 (MOBILE)" in result.reasons[1]


def test_only_t1_columns_may_show_values() -> None:
    """The profiler may show top values of T1 columns only (and of no unknown column)."""
    result = classify_frame(_frame(联系电话=PHONES, 所属区=["市南区"] * 1000), guide=GUIDE)
    assert result.may_show_values("所属区")
    assert not result.may_show_values("联系电话")
    assert not result.may_show_values("no such column")


def test_detection_sample_is_fixed_and_seeded() -> None:
    """The same frame classifies identically twice, also when it is sampled."""
    frame = _frame(联系电话=PHONES * 30)
    first = classify_frame(frame, guide=GUIDE, sample_rows=1000)
    assert first == classify_frame(frame, guide=GUIDE, sample_rows=1000)
    assert "detection on 1,000 sampled rows" in first.reasons[0]


def test_sampling_does_not_hide_a_rare_id_in_remarks() -> None:
    """Detection samples 20,000 rows, but a remarks column is scanned in full: 3 IDs in 1M rows."""
    remarks = np.full(1_000_000, "材料齐全，准予登记", dtype=object)
    remarks[[10, 500_000, 999_990]] = f"申请人身份证{resident_id()}"
    result = classify_frame(pd.DataFrame({"备注": remarks}), guide=GUIDE)
    finding = result.column("备注")
    assert result.tier is Tier.T4
    assert (
        "3 valid resident IDs embedded in free text (first at rows 10, 500000, 999990"
        in (finding.reasons[-1])
    )


def test_arrow_string_frames_with_nan_nulls_classify_like_object_frames() -> None:
    """pandas 3 reads CSVs as Arrow-backed `str` with NaN nulls; the result is the same."""
    objects = _frame(联系电话=[*PHONES, None], 备注=["无"] * 1000 + [f"身份证{resident_id()}"])
    strings = objects.astype("str")
    assert classify_frame(strings, guide=GUIDE) == classify_frame(objects, guide=GUIDE)


def test_negative_list_rejects_the_dataset() -> None:
    """A password column puts the dataset on the negative list: T5, rejected, with the reason."""
    result = classify_frame(_frame(用户名=["u1", "u2"], 登录密码=["x", "y"]), guide=GUIDE)
    assert result.tier is Tier.T5 and result.rejected
    assert "rejected: 登录密码 is on the negative list (登录凭证不予采集)" in result.reasons


def test_steward_header_entry_on_the_negative_list_applies() -> None:
    """A header entry a steward adds forces T5, and the classification records the new version."""
    guide = GUIDE.with_negative_entry(NegativeEntry("header", "病毒样本", "生物安全数据"))
    result = classify_frame(_frame(病毒样本编号=["A1", "A2"]), guide=guide)
    assert result.tier is Tier.T5
    assert result.guide_version == guide.version != GUIDE.version


def test_quasi_identifier_combination_raises_row_level_data() -> None:
    """Birth date + gender + 街道 together make person-level microdata T3; the columns rise too."""
    frame = _frame(出生日期=["1990-03-07"] * 20, 性别=["男"] * 20, 所属街道=["八大峡街道"] * 20)
    result = classify_frame(frame, guide=GUIDE)
    assert result.tier is Tier.T3
    assert all(f.level is Tier.T3 for f in result.columns)
    assert any(
        r.startswith("combination '出生日期或年龄 + 性别 + 住址或街道'") for r in result.reasons
    )
    assert classify_frame(frame[["性别", "所属街道"]], guide=GUIDE).tier is Tier.T1


def test_enterprise_sources_reach_their_tiers() -> None:
    """Annual-report details are T2, monthly tax T3, a credit-repair state T4 (guide rules)."""
    codes = [credit_code(body=f"{i:08d}") for i in range(20)]
    annual = _frame(统一社会信用代码=codes, 资产总额区间=["100万-500万"] * 20)
    tax = _frame(统一社会信用代码=codes, 所属期=["2025-01"] * 20, 增值税=["1200"] * 20)
    record = _frame(统一社会信用代码=codes, 信用修复状态=["已信用修复"] * 20)
    assert [classify_frame(f, guide=GUIDE).tier for f in (annual, tax, record)] == [
        Tier.T2,
        Tier.T3,
        Tier.T4,
    ]


def test_small_cells_rule_ignores_tables_with_identifiers() -> None:
    """Per-enterprise rows with a headcount are not an aggregate table: no small-cell reason."""
    codes = [credit_code(body=f"{i:08d}") for i in range(20)]
    result = classify_frame(_frame(统一社会信用代码=codes, 企业数=["3"] * 20), guide=GUIDE)
    assert not any("aggregate table" in r for r in result.reasons)


def test_bad_input_is_a_classification_error() -> None:
    """A non-frame or a zero sample size is refused with a clear message."""
    with pytest.raises(ClassificationError, match="needs a pandas DataFrame"):
        classify_frame([["a"]], guide=GUIDE)  # type: ignore[arg-type]
    with pytest.raises(ClassificationError, match="sample_rows"):
        classify_frame(_frame(a=["x"]), guide=GUIDE, sample_rows=0)

"""Column detection: header cues in three languages, value shares, and which evidence wins."""

from __future__ import annotations

import pandas as pd
import pytest

from classification.detectors import detect_column, header_tokens, matched_cue
from classification.guide import load_guide
from classification.tiers import Tier
from tests.unit.classification.identifiers import credit_code, resident_id

GUIDE = load_guide()
IDS = [resident_id(order=f"{i:03d}") for i in range(100)]
MOBILES = [f"139{i:08d}" for i in range(100)]


def _detect(name: str, values: list[str | None]):
    """The finding for a column called ``name`` holding ``values``."""
    return detect_column(name, pd.Series(values, dtype=object), GUIDE)


@pytest.mark.parametrize(
    ("header", "category"),
    [
        ("身份证号码", "RESIDENT_ID"),
        ("sfzh", "RESIDENT_ID"),
        ("QY_SFZHM", "RESIDENT_ID"),
        ("idCard", "RESIDENT_ID"),
        ("联系电话", "MOBILE"),
        ("lxdh", "MOBILE"),
        ("contactPhone", "MOBILE"),
    ],
)
def test_header_cues_in_chinese_pinyin_and_english(header: str, category: str) -> None:
    """Chinese cues match as substrings, pinyin abbreviations and English as whole tokens."""
    values = IDS if category == "RESIDENT_ID" else MOBILES
    assert _detect(header, values).finding.category == category


def test_ascii_cues_need_whole_tokens() -> None:
    """'tel' is not found inside 'hotel', nor 'age' inside 'page'."""
    assert header_tokens("hotelName_2") == ("hotel", "name", "2")
    assert matched_cue("hotel_name", ("tel",)) is None
    assert matched_cue("page", ("age",)) is None
    assert matched_cue("user_age", ("age",)) == "age"


def test_longest_cue_wins_between_cue_only_categories() -> None:
    """'法定代表人姓名' is the legal representative (T1), not a bare personal name (T4)."""
    finding = _detect("法定代表人姓名", ["张伟", "李娜"]).finding
    assert (finding.category, finding.level) == ("LEGAL_REPRESENTATIVE", Tier.T1)


def test_values_confirm_the_cue_over_a_longer_cue_only_category() -> None:
    """'法定代表人证件号码' holding IDs is an ID column: cue + values beat a cue alone."""
    assert _detect("法定代表人证件号码", IDS).finding.category == "RESIDENT_ID"


def test_values_alone_identify_a_column_without_a_header_cue() -> None:
    """A header-less column of real IDs is found by its values (share ≥ 80%)."""
    finding = _detect("col_7", IDS).finding
    assert finding.category == "RESIDENT_ID"
    assert finding.share == 1.0
    assert (
        "values alone: 100.0% of 100 sampled values are valid resident IDs" in finding.reasons[-1]
    )


def test_without_a_cue_a_partial_share_is_not_enough() -> None:
    """Half real IDs, half noise, no header cue: below the 80% bar, so not an ID column."""
    values = IDS[:50] + [f"{i:018d}" for i in range(50)]
    assert _detect("col_7", values).finding.category != "RESIDENT_ID"


def test_cue_with_contradicting_values_is_explained() -> None:
    """A mobile cue over landlines is not graded MOBILE, and the reason says why."""
    detection = _detect("联系电话", ["0532-88886666"] * 20)
    assert detection.finding.category != "MOBILE"
    assert any("suggested MOBILE but only 0.0%" in r for r in detection.finding.reasons)


def test_bank_cards_need_a_header_cue() -> None:
    """1 in 10 random numbers pass Luhn, so card numbers are graded only under a card cue."""
    cards = ["6222021001123456789", "4111111111111111"] * 20
    assert _detect("卡号", cards).finding.category == "BANK_CARD"
    assert _detect("col_3", cards).finding.category == "UNMATCHED"


def test_all_empty_column_is_judged_by_its_header() -> None:
    """No values to check: the header is the only evidence, and it is used."""
    finding = _detect("身份证号", [None, None, ""]).finding
    assert finding.category == "RESIDENT_ID"
    assert "no non-empty values" in finding.reasons[-1]


def test_credit_codes_are_public_identifiers() -> None:
    """A credit-code column is ENTERPRISE_ID at T1 and needs no free-text scan."""
    detection = _detect("统一社会信用代码", [credit_code(body=f"{i:08d}") for i in range(30)])
    assert (detection.finding.category, detection.finding.level) == ("ENTERPRISE_ID", Tier.T1)
    assert not detection.scan_free_text


def test_text_columns_are_marked_for_a_full_scan() -> None:
    """Remarks and other Chinese text are scanned row by row; numbers are not."""
    assert _detect("备注", ["已核实"] * 5).scan_free_text
    assert _detect("情况", ["企业经营正常", "已回访"]).scan_free_text
    assert not _detect("金额", ["100", "250.5"]).scan_free_text


def test_reasons_never_quote_values() -> None:
    """Explanations give shares and cues, never a cell value (they are shown to stewards)."""
    detection = _detect("col_7", IDS)
    assert not any(value in reason for reason in detection.finding.reasons for value in IDS)

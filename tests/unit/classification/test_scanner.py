"""The free-text scanner: digit look-arounds, NFKC first, validation of every match, all rows."""

from __future__ import annotations

import pandas as pd
import pytest

from classification.scanner import scan_column, scan_text
from tests.unit.classification.identifiers import bank_card, credit_code, resident_id

ID = resident_id()


def _kinds(text: str) -> list[str]:
    """The kinds of identifiers found in ``text``, in order."""
    return [span.kind for span in scan_text(text)]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (f"当事人身份证{ID}已核实", ["resident_id"]),
        (f"身份证号:{ID.lower()}", ["resident_id"]),
        ("联系电话13812345678，请回访", ["mobile"]),
        ("电话+86 138-1234-5678", ["mobile"]),
        ("电话：１３８１２３４５６７８", ["mobile"]),
        (f"统一社会信用代码{credit_code('92', '370203', 'MA3N7Q2P')}的个体户", ["credit_code"]),
        (f"卡号：{bank_card()}", ["bank_card"]),
        (f"{ID}与13912345678", ["resident_id", "mobile"]),
    ],
)
def test_identifiers_are_found_in_text(text: str, kinds: list[str]) -> None:
    """IDs, mobiles, credit codes and cued bank cards are found where ``\\b`` would fail."""
    assert _kinds(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        f"订单号1{ID}",  # a longer digit run is not an ID (look-behind)
        "流水号138123456789",  # 12 digits: not a mobile (look-ahead)
        "序号123456789012345678",  # 18 digits that fail validation
        f"{bank_card()}",  # a Luhn-valid number without a card cue
        "金额12812345678元",  # 128… is no mobile prefix
    ],
)
def test_look_alikes_are_not_reported(text: str) -> None:
    """Longer digit runs, invalid numbers and uncued Luhn numbers are not identifiers."""
    assert _kinds(text) == []


def test_spans_point_into_the_normalised_text() -> None:
    """Spans index the NFKC text, so a caller can mask exactly the identifier."""
    span = scan_text("电话：１３８１２３４５６７８")[0]
    assert (span.start, span.end) == (3, 14)


def test_id_that_is_also_a_credit_code_is_reported_as_an_id() -> None:
    """About 1 in 350 IDs also fit GB 32100; the personal reading wins."""
    assert _kinds("证件633375197303046479") == ["resident_id"]


@pytest.mark.parametrize("dtype", [object, "str"])
def test_every_row_of_a_million_is_scanned(dtype: object) -> None:
    """Three IDs among a million remarks are all found, in object and Arrow string columns."""
    values = pd.Series(["企业经营正常", "无异常", None, "已回访"] * 250_000, dtype=dtype)
    for row in (0, 555_555, 999_999):
        values.iloc[row] = f"经办人身份证{ID}"
    scan = scan_column(values)
    assert scan.rows_scanned == 1_000_000
    assert scan.candidate_rows == 3
    assert [(k.kind, k.count, k.rows) for k in scan.found] == [
        ("resident_id", 3, (0, 555_555, 999_999))
    ]

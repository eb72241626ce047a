"""Normalisation repairs float-corrupted numbers and mojibake and never invents digits."""

from __future__ import annotations

import pytest

from classification.normalise import compact, float_corruption, normalise_header, normalise_value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678.0", "13812345678"),
        ("1.3812345678e+10", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("  鲁B12345 ", "鲁B12345"),
        ("3.5", "3.5"),
    ],
)
def test_values_are_repaired_only_when_exact(raw: str, expected: str) -> None:
    """Integral floats and exact scientific notation are repaired; full-width digits are NFKC'd."""
    assert normalise_value(raw) == expected


def test_scientific_id_is_not_repairable() -> None:
    """An 18-digit ID that went through a float keeps 15–17 digits: reported, never padded."""
    corruption = float_corruption("3.70202199001011e+17")
    assert corruption is not None
    assert (corruption.known_digits, corruption.length) == ("370202199001011", 18)
    assert not corruption.repairable
    assert normalise_value("3.70202199001011e+17") == "3.70202199001011e+17"


def test_compact_drops_separators_and_upper_cases() -> None:
    """Spaces, hyphens and dots go; a lower-case check x becomes X."""
    assert compact("138-1234 5678") == "13812345678"
    assert compact("11010519491231002x") == "11010519491231002X"
    assert compact("16356268-1") == "163562681"


@pytest.mark.parametrize(
    ("encoding", "wrong"), [("gbk", "latin-1"), ("gbk", "cp1252"), ("utf-8", "latin-1")]
)
def test_header_mojibake_is_undone(encoding: str, wrong: str) -> None:
    """A GBK or UTF-8 header read with a Western code page comes back as Chinese."""
    header = "身份证号码"
    assert normalise_header(header.encode(encoding).decode(wrong)) == header


def test_utf8_read_as_gbk_and_bom_are_undone() -> None:
    """UTF-8 bytes decoded as GB18030, and a BOM in the first header, are both repaired."""
    assert normalise_header("统一社会信用代码".encode().decode("gb18030")) == "统一社会信用代码"
    assert normalise_header("\ufeff手机号") == "手机号"


def test_correct_headers_are_left_alone() -> None:
    """Chinese, ASCII and full-width headers are only NFKC'd."""
    assert normalise_header("联系电话") == "联系电话"
    assert normalise_header("sfzh") == "sfzh"
    assert normalise_header("罚款金额（元）") == "罚款金额(元)"


def test_correct_chinese_whose_gbk_bytes_are_valid_utf8_is_kept() -> None:
    """住址's GBK bytes happen to be valid UTF-8 (Hebrew); the header must stay 住址."""
    assert normalise_header("住址") == "住址"

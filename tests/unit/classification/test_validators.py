"""Identifier validators: known-good and known-bad numbers, and properties over generated ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classification.normalise import compact, float_corruption
from classification.validators import (
    VALIDATORS,
    is_bank_card,
    is_credit_code,
    is_float_corrupted_resident_id,
    is_hk_macao_permit,
    is_masked_mobile,
    is_masked_resident_id,
    is_mobile,
    is_org_code,
    is_passport,
    is_plate,
    is_resident_id,
)
from tests.unit.classification.identifiers import (
    bank_card,
    credit_code,
    credit_codes,
    resident_id,
    resident_ids,
)

GOOD_CREDIT_CODES = [
    "91370200163562681G",  # Haier
    "9144030071526726XG",  # Tencent
    "N2370212MA3C4L5K8P",  # village collective under the agriculture authority
    "92370203MA3N7Q2PX6",  # individual business (个体工商户)
    "Y1370202MA3C4L5K8X",
]


@pytest.mark.parametrize("code", GOOD_CREDIT_CODES[:4])
def test_known_credit_codes_validate(code: str) -> None:
    """Real and hand-computed codes pass, including N… (python-stdnum rejects it) and 92…."""
    assert is_credit_code(code)


def test_credit_code_starting_with_n_validates_through_the_guide_name() -> None:
    """The validator the guide cites as 'credit_code' accepts an N-prefixed code."""
    assert VALIDATORS["credit_code"](credit_code("N2", "370212", "MA3C4L5K"))


@pytest.mark.parametrize(
    "code",
    [
        "91370200163562681H",  # wrong check char
        "B1370200163562681G",  # unknown registering authority
        credit_code("90", "370200", "16356268"),  # kind 0 does not exist
        credit_code("91", "3702A0", "16356268"),  # region must be digits
        "913702001635626800",  # embedded organisation code check broken
        "91370200163562681",  # short
    ],
)
def test_bad_credit_codes_fail(code: str) -> None:
    """Check char, authority, kind, region, embedded organisation code and length all count."""
    assert not is_credit_code(code)


def test_embedded_org_code_must_validate() -> None:
    """A credit code whose own check is right but whose organisation code check is wrong fails."""
    from classification.checksums import uscc_check_char

    first17 = "91370200" + "163562680"
    assert not is_credit_code(first17 + uscc_check_char(first17))


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        resident_id(),
        resident_id("370285", date(2001, 2, 28)),
    ],
)
def test_known_resident_ids_validate(number: str) -> None:
    """GB 11643's example and generated Qingdao IDs pass."""
    assert is_resident_id(number)


TODAY = date.today()  # the day the cases below are built, at collection


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (resident_id("990202"), "no province 99"),
        (resident_id("090202"), "no province 09"),
        (resident_id("370202", date(1899, 12, 31)), "born before 1900"),
        ("440524188001010014", "GB 11643's 1880 example: valid checksum, before 1900"),
        ("370202" + "19900230" + "123" + "X", "30 February"),
        (resident_id("370202", TODAY + timedelta(days=1)), "born tomorrow"),
        (resident_id()[:-1] + ("0" if resident_id()[-1] != "0" else "1"), "check char"),
        ("11010519491231002x", "lower-case x is compacted elsewhere, not here"),
    ],
)
def test_bad_resident_ids_fail(number: str, why: str) -> None:
    """Province, birth-date range, real calendar dates and the check char are all enforced
    (against the day the cases were built: a run that crosses midnight keeps "tomorrow")."""
    assert not is_resident_id(number, today=TODAY), why


def test_today_can_be_pinned() -> None:
    """'In the past' is relative to the day passed in, so tests and replays are stable."""
    number = resident_id("370202", date(2026, 1, 2))
    assert not is_resident_id(number, today=date(2026, 1, 1))
    assert is_resident_id(number, today=date(2026, 1, 2))


@given(resident_ids())
def test_every_generated_resident_id_validates(number: str) -> None:
    """Any province, any real birth date 1900–2020 and any order code gives a valid ID."""
    assert is_resident_id(number)


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_a_changed_character_breaks_a_resident_id(number: str, position: int, char: str) -> None:
    """Changing any one character of a valid ID makes it invalid (the checksum catches it)."""
    changed = number[:position] + char + number[position + 1 :]
    assert changed == number or not is_resident_id(changed)


@given(credit_codes())
def test_every_generated_credit_code_validates(code: str) -> None:
    """Every registering authority (1–9, A, N, Y), kind and body gives a valid credit code."""
    assert is_credit_code(code)


def test_some_resident_ids_also_pass_as_credit_codes() -> None:
    """About 1 in 350 real IDs also fit GB 32100 (found by hypothesis): callers must prefer the
    resident-ID reading, as the scanner and the detector's share thresholds do."""
    number = "633375197303046479"
    assert is_resident_id(number) and is_credit_code(number)


@pytest.mark.parametrize("code", ["163562681", "MA3N7Q2PX", "16356268-1"])
def test_org_codes_validate_after_compacting(code: str) -> None:
    """Organisation codes pass with and without their printed hyphen (compacted first)."""
    assert is_org_code(compact(code))


@pytest.mark.parametrize("number", ["13812345678", "8613812345678", "+8619912345678"])
def test_mobiles_validate(number: str) -> None:
    """1[3-9] + 9 digits, optionally behind 86 or +86."""
    assert is_mobile(number)


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "138123456789", "053288886666"])
def test_non_mobiles_fail(number: str) -> None:
    """A second digit of 2, short and long numbers, and landlines fail."""
    assert not is_mobile(number)


@pytest.mark.parametrize(
    "number", [bank_card(), "4111111111111111", bank_card("62284800000000000")]
)
def test_bank_cards_validate(number: str) -> None:
    """UnionPay (62…) and Visa test numbers of 16–19 digits with a Luhn check pass."""
    assert is_bank_card(number)


@pytest.mark.parametrize(
    "number",
    ["79927398713", bank_card("9222021001123456"), "4111111111111112", bank_card("6" * 19)],
)
def test_bad_bank_cards_fail(number: str) -> None:
    """Too short, an implausible first digit, a bad Luhn digit and 20 digits all fail."""
    assert not is_bank_card(number)


@pytest.mark.parametrize(
    "plate", ["鲁B12345", "鲁BD12345", "鲁BFA1234", "鲁B12345D", "京A1234挂", "鲁BA1B2C"]
)
def test_plates_validate(plate: str) -> None:
    """Ordinary plates, new-energy plates (D/F after the letter, or last) and trailer plates."""
    assert is_plate(plate)


@pytest.mark.parametrize("plate", ["鲁I12345", "鲁B1234", "AB12345", "鲁BD123", "鲁BO1234"])
def test_bad_plates_fail(plate: str) -> None:
    """Letter I, too short (twice), no province character, letter O."""
    assert not is_plate(plate)


@pytest.mark.parametrize("number", ["E12345678", "EA1234567", "G12345678", "DE1234567"])
def test_passports_validate(number: str) -> None:
    """Ordinary (E, EA…, G) and diplomatic (DE) passport numbers."""
    assert is_passport(number)


@pytest.mark.parametrize("number", ["E1234567", "A12345678", "EI1234567"])
def test_bad_passports_fail(number: str) -> None:
    """Too short, an unknown type letter, letter I in the second place."""
    assert not is_passport(number)


@pytest.mark.parametrize("number", ["C12345678", "CA1234567", "H12345678", "M1234567890"])
def test_hk_macao_permits_validate(number: str) -> None:
    """Mainland permits (C + letter or digit + 7 digits) and home-return permits (H/M + 8 or 10)."""
    assert is_hk_macao_permit(number)


@pytest.mark.parametrize("number", ["C1234567", "H123456789", "K12345678"])
def test_bad_hk_macao_permits_fail(number: str) -> None:
    """Too short, 9 digits after H, an unknown letter."""
    assert not is_hk_macao_permit(number)


@pytest.mark.parametrize(
    "value", ["370202********1234", "3702**********123X", "37020219********12"]
)
def test_masked_resident_ids_are_recognised(value: str) -> None:
    """18 characters with a run of stars: still a resident ID column (DESIGN §6)."""
    assert is_masked_resident_id(value)


@pytest.mark.parametrize("value", ["370202199003071233", "******************", "370202**1234"])
def test_unmasked_or_fully_starred_values_are_not_masked_ids(value: str) -> None:
    """A full ID, all stars and a short masked string are not masked IDs."""
    assert not is_masked_resident_id(value)


def test_masked_mobile_is_recognised() -> None:
    """The usual 138****5678 display form."""
    assert is_masked_mobile("138****5678")
    assert not is_masked_mobile("13812345678")


def test_float_corrupted_id_still_shows_region_and_birth_date() -> None:
    """``3.70202199001011e+17`` lost its tail, but its first 14 digits are a region and a date."""
    corruption = float_corruption("3.70202199001011e+17")
    assert corruption is not None and not corruption.repairable
    assert is_float_corrupted_resident_id(corruption)
    assert not is_float_corrupted_resident_id(float_corruption("1.23456789012345e+17"))

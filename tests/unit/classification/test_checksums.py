"""Check characters of resident IDs, credit codes, organisation codes and Luhn numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classification.checksums import (
    ORG_CODE_BODY_CHARS,
    RESIDENT_ID_CHECK_CHARS,
    USCC_ALPHABET,
    is_valid_luhn,
    is_valid_org_code,
    is_valid_resident_id_checksum,
    is_valid_uscc,
    luhn_check_digit,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)

DIGITS = "0123456789"

# Worked by hand from the weights, e.g. 37020219900307123: 21+63+0+10+0+8+2+9+54+0+0+27+0+35+8+8+6
# = 251, 251 mod 11 = 9, "10X98765432"[9] = "3". The first two are GB 11643's own examples.
GOOD_RESIDENT_IDS = ["11010519491231002X", "440524188001010014", "370202199003071233"]
# Haier and Tencent's public register entries, plus hand-computed codes: a farmers' organisation
# under the agriculture authority ('N2…', USCC sum 2643, 2643 mod 31 = 8, symbol 23 = 'P') and an
# individual business ('92…', org code MA3N7Q2P: sum 694, 694 mod 11 = 1, 11 - 1 = 10 -> 'X').
GOOD_USCCS = [
    "91370200163562681G",
    "9144030071526726XG",
    "N2370212MA3C4L5K8P",
    "92370203MA3N7Q2PX6",
]
# MA3C4L5K: 66+70+27+120+20+168+20+40 = 531, 531 mod 11 = 3, 11 - 3 = 8.
GOOD_ORG_CODES = ["163562681", "71526726X", "MA3C4L5K8", "MA3N7Q2PX"]
GOOD_LUHN = ["79927398713", "4111111111111111", "6222021001123456789"]


def _substitutions(code: str, position: int, alphabet: str) -> list[str]:
    """Every string that differs from ``code`` only at ``position``, by a symbol of ``alphabet``."""
    return [code[:position] + s + code[position + 1 :] for s in alphabet if s != code[position]]


@pytest.mark.parametrize("number", GOOD_RESIDENT_IDS)
def test_known_resident_ids_validate(number: str) -> None:
    """Hand-computed and standard-example ID numbers pass, and the check char is recomputed."""
    assert is_valid_resident_id_checksum(number)
    assert resident_id_check_char(number[:17]) == number[17]


@pytest.mark.parametrize(
    "number",
    ["370202199003071234", "11010519491231002x", "11010519491231002", "1101051949123100X2"],
)
def test_bad_resident_ids_fail(number: str) -> None:
    """A changed check char, lower-case x, a short number and a misplaced X all fail."""
    assert not is_valid_resident_id_checksum(number)


@pytest.mark.parametrize("code", GOOD_USCCS)
def test_known_credit_codes_validate(code: str) -> None:
    """Real and hand-computed credit codes, including 'N…' and '92…', pass both embedded checks."""
    assert is_valid_uscc(code)
    assert is_valid_org_code(code[8:17])


@pytest.mark.parametrize(
    "code",
    ["91370200163562681H", "91370200163562682G", "9137020016356268IG", "91370200163562681", ""],
)
def test_bad_credit_codes_fail(code: str) -> None:
    """A changed check or body char, a letter outside the alphabet and short codes fail."""
    assert not is_valid_uscc(code)


@pytest.mark.parametrize("code", GOOD_ORG_CODES)
def test_known_org_codes_validate(code: str) -> None:
    """Organisation codes with digit, letter and X check chars pass."""
    assert is_valid_org_code(code)


@pytest.mark.parametrize("code", ["163562682", "16356268-1", "71526726x", "1635626810"])
def test_bad_org_codes_fail(code: str) -> None:
    """A wrong check digit, the printed hyphen, lower-case x and a long code fail."""
    assert not is_valid_org_code(code)


@pytest.mark.parametrize("number", GOOD_LUHN)
def test_known_luhn_numbers_validate(number: str) -> None:
    """The textbook Luhn example and card-format numbers pass."""
    assert is_valid_luhn(number)


@pytest.mark.parametrize("number", ["79927398710", "4111111111111112", "7", "4111 1111"])
def test_bad_luhn_numbers_fail(number: str) -> None:
    """Wrong check digits, a lone digit and non-digits fail."""
    assert not is_valid_luhn(number)


@pytest.mark.parametrize(
    ("function", "body"),
    [
        (resident_id_check_char, "3702021990030712"),
        (resident_id_check_char, "3702021990030712X"),
        (uscc_check_char, "9137020016356268I"),
        (org_code_check_char, "1635626"),
        (org_code_check_char, "1635626a"),
        (luhn_check_digit, ""),
    ],
)
def test_check_functions_reject_malformed_bodies(function, body: str) -> None:
    """Asking for the check char of a malformed body is a caller error, not a silent answer."""
    with pytest.raises(ValueError, match=r"exactly|one or more"):
        function(body)


@given(st.text(DIGITS, min_size=17, max_size=17), st.integers(0, 17))
def test_resident_id_detects_every_single_substitution(body: str, position: int) -> None:
    """A body plus its check char validates; any one changed char (digit or X) is caught."""
    number = body + resident_id_check_char(body)
    assert is_valid_resident_id_checksum(number)
    for changed in _substitutions(number, position, DIGITS + "X"):
        assert not is_valid_resident_id_checksum(changed)


@given(st.text(USCC_ALPHABET, min_size=17, max_size=17), st.integers(0, 17))
def test_uscc_detects_every_single_substitution(body: str, position: int) -> None:
    """Modulo 31 is prime and no weight is 0, so any one changed symbol changes the check."""
    code = body + uscc_check_char(body)
    assert is_valid_uscc(code)
    for changed in _substitutions(code, position, USCC_ALPHABET):
        assert not is_valid_uscc(changed)


@given(st.text(DIGITS, min_size=8, max_size=8), st.integers(0, 8))
def test_org_code_detects_single_digit_substitutions(body: str, position: int) -> None:
    """Any one changed digit is caught (digit values differ by less than 11)."""
    code = body + org_code_check_char(body)
    assert is_valid_org_code(code)
    for changed in _substitutions(code, position, DIGITS + ("X" if position == 8 else "")):
        assert not is_valid_org_code(changed)


@given(st.text(ORG_CODE_BODY_CHARS, min_size=8, max_size=8))
def test_org_code_check_char_always_validates(body: str) -> None:
    """Any digit/capital body plus its computed check char validates."""
    assert is_valid_org_code(body + org_code_check_char(body))


def test_org_code_misses_letter_substitutions_eleven_apart() -> None:
    """GB 11714's limit: letters 11 apart mod 11 go unseen ('1' = 1, 'C' = 12, 'X' = 33 ≡ '0')."""
    assert org_code_check_char("16356268") == org_code_check_char("C6356268")
    assert is_valid_org_code("X00000000")


@given(st.text(DIGITS, min_size=1, max_size=24), st.data())
def test_luhn_detects_every_single_digit_substitution(payload: str, data: st.DataObject) -> None:
    """Luhn catches any one changed digit, check digit included."""
    number = payload + luhn_check_digit(payload)
    assert is_valid_luhn(number)
    position = data.draw(st.integers(0, len(number) - 1))
    for changed in _substitutions(number, position, DIGITS):
        assert not is_valid_luhn(changed)


def test_check_char_tables_are_the_standard_ones() -> None:
    """The ID check table and the credit-code alphabet (no I, O, S, V, Z) match the standards."""
    assert RESIDENT_ID_CHECK_CHARS == "10X98765432"
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)

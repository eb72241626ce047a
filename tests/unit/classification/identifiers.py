"""Test helpers: build valid identifiers (and hypothesis strategies for them) from the checksums."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from classification.checksums import (
    USCC_ALPHABET,
    luhn_check_digit,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)
from classification.validators import PROVINCE_CODES

DIGITS = "0123456789"


def resident_id(region: str = "370202", born: date = date(1990, 3, 7), order: str = "123") -> str:
    """A valid 18-character resident ID for ``region``, ``born`` and a 3-digit order code."""
    body = f"{region}{born:%Y%m%d}{order}"
    return body + resident_id_check_char(body)


def credit_code(kind: str = "91", region: str = "370202", body: str = "16356268") -> str:
    """A valid credit code: 2-char kind, region, organisation code (with check), check char."""
    first17 = kind + region + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def bank_card(payload: str = "622202100112345678") -> str:
    """``payload`` plus its Luhn check digit."""
    return payload + luhn_check_digit(payload)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """Valid resident IDs: any province, any birth date from 1900 to 2020, any order code."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    region = province + draw(st.text(DIGITS, min_size=4, max_size=4))
    born = draw(st.dates(date(1900, 1, 1), date(2020, 12, 31)))
    return resident_id(region, born, draw(st.text(DIGITS, min_size=3, max_size=3)))


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """Valid credit codes of every registering authority, kind and organisation-code body."""
    authority = draw(st.sampled_from("123456789ANY"))
    kind = authority + draw(st.sampled_from("123456789"))
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    body = draw(st.text(USCC_ALPHABET, min_size=8, max_size=8))
    return credit_code(kind, region, body)

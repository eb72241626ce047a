"""Identifier validators: is this (normalised) string a real identifier of its kind?

Each validator takes one value already passed through ``normalise.compact`` and answers with a
bool; checks go beyond the check character wherever the standard allows, because about 1 in 11
random 18-digit strings pass the resident ID checksum alone:

* resident ID (GB 11643): checksum, a GB/T 2260 province prefix (11–82), a real birth date
  between 1900-01-01 and today;
* unified social credit code (GB 32100): checksum, a registration authority (1–9, A, N, Y) and
  a kind digit, a numeric region, and the embedded organisation code's own check (GB 11714);
* organisation code (GB 11714), with or without its hyphen;
* mainland mobile ``1[3-9]`` + 9 digits, optionally after +86;
* bank card: 16–19 digits, Luhn, a plausible first digit (3–6: JCB/UnionPay, Visa, Mastercard);
* licence plate: province character, issuing-office letter, 5 characters, or 6 for new-energy
  vehicles (D/F right after the letter for small cars, D/F at the end for large ones);
* passport (E/G + 8, E + letter + 7, D/S/P + 7) and Hong Kong/Macao permits (C + letter or
  digit + 7 digits; H/M + 8 or 10 digits);
* masked resident IDs and mobiles (``370202********1234``, ``138****5678``).

``VALIDATORS`` maps the names a guide may cite to these functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from classification.checksums import (
    is_valid_luhn,
    is_valid_org_code,
    is_valid_resident_id_checksum,
    is_valid_uscc,
)
from classification.normalise import FloatCorruption
from classification.personal_names import is_person_name

PROVINCE_CODES = frozenset(
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    ]
)  # fmt: skip
"""First two digits of every GB/T 2260 province-level division (71 Taiwan, 81/82 HK, Macao)."""
CREDIT_CODE_AUTHORITIES = frozenset("123456789ANY")
"""First character of a credit code: the registering authority (9 market regulation, N …)."""
EARLIEST_BIRTH = date(1900, 1, 1)

_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_BANK_CARD = re.compile(r"[3-6]\d{15,18}")
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
_PLATE = re.compile(
    rf"[{_PLATE_PROVINCES}][A-HJ-NP-Z]"
    rf"(?:[DF]{_PLATE_CHAR}\d{{4}}|\d{{5}}[DF]|{_PLATE_CHAR}{{4}}[A-HJ-NP-Z0-9挂学警港澳])"
)
_PASSPORT = re.compile(r"E[0-9A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]E?\d{7}")
_HK_MACAO_PERMIT = re.compile(r"C[0-9A-HJ-NP-Z]\d{7}|[HM]\d{8}(?:\d{2})?")
_MASKED_RESIDENT_ID = re.compile(r"\d{1,10}\*{4,14}\d{0,6}[\dX]")
_MASKED_MOBILE = re.compile(r"1[3-9]\d\*{4}\d{4}")


def birth_date(number: str) -> date | None:
    """The birth date held in characters 7–14 of a resident ID, or None if it is not a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def has_plausible_id_prefix(digits: str, *, today: date | None = None) -> bool:
    """True when the first 14 digits are a province prefix and a real, past birth date."""
    if len(digits) < 14 or not digits[:14].isdigit() or digits[:2] not in PROVINCE_CODES:
        return False
    born = birth_date(digits)
    return born is not None and EARLIEST_BIRTH <= born <= (today or date.today())


def is_resident_id(value: str, *, today: date | None = None) -> bool:
    """A GB 11643 resident ID: checksum, known province, real birth date in [1900, today]."""
    return is_valid_resident_id_checksum(value) and has_plausible_id_prefix(value, today=today)


def is_float_corrupted_resident_id(corruption: FloatCorruption) -> bool:
    """An 18-digit number that lost its tail to a float but still opens like a resident ID."""
    return corruption.length == 18 and has_plausible_id_prefix(corruption.known_digits)


def is_float_corrupted_bank_card(corruption: FloatCorruption) -> bool:
    """A 16–19 digit number that lost its tail to a float and opens like a bank card."""
    return 16 <= corruption.length <= 19 and corruption.known_digits[0] in "3456"


def is_credit_code(value: str) -> bool:
    """A GB 32100 unified social credit code (N…, A…, Y… and 92… individual businesses too)."""
    return (
        is_valid_uscc(value)
        and value[0] in CREDIT_CODE_AUTHORITIES
        and value[1] in "123456789"
        and value[2:8].isdigit()
        and is_valid_org_code(value[8:17])
    )


def is_org_code(value: str) -> bool:
    """A GB 11714 organisation code (``compact`` turns ``12345678-9`` into ``123456789``)."""
    return is_valid_org_code(value)


def is_mobile(value: str) -> bool:
    """A mainland mobile number, optionally prefixed with 86 or +86."""
    return _MOBILE.fullmatch(value) is not None


def is_bank_card(value: str) -> bool:
    """16–19 digits, a plausible first digit and a valid Luhn check digit."""
    return _BANK_CARD.fullmatch(value) is not None and is_valid_luhn(value)


def is_plate(value: str) -> bool:
    """A mainland licence plate, including 8-character new-energy plates."""
    return _PLATE.fullmatch(value) is not None


def is_passport(value: str) -> bool:
    """A PRC passport number (ordinary E/G, diplomatic D, service S, public affairs P)."""
    return _PASSPORT.fullmatch(value) is not None


def is_hk_macao_permit(value: str) -> bool:
    """A mainland travel permit to HK/Macao (C…) or a HK/Macao resident's home-return permit."""
    return _HK_MACAO_PERMIT.fullmatch(value) is not None


def is_masked_resident_id(value: str) -> bool:
    """An 18-character resident ID with a run of at least four digits replaced by ``*``."""
    return len(value) == 18 and _MASKED_RESIDENT_ID.fullmatch(value) is not None


def is_masked_mobile(value: str) -> bool:
    """A mobile number with its middle four digits replaced by ``*`` (``138****5678``)."""
    return _MASKED_MOBILE.fullmatch(value) is not None


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "resident_id": is_resident_id,
    "credit_code": is_credit_code,
    "org_code": is_org_code,
    "mobile": is_mobile,
    "bank_card": is_bank_card,
    "plate": is_plate,
    "passport": is_passport,
    "hk_macao_permit": is_hk_macao_permit,
    "masked_resident_id": is_masked_resident_id,
    "masked_mobile": is_masked_mobile,
    "person_name": is_person_name,
}
"""Validator names a guide category may cite, with the function each one names."""

LENGTHS: dict[str, frozenset[int]] = {
    "resident_id": frozenset({18}),
    "credit_code": frozenset({18}),
    "org_code": frozenset({9}),
    "mobile": frozenset({11, 13, 14}),
    "bank_card": frozenset(range(16, 20)),
    "plate": frozenset({7, 8}),
    "passport": frozenset({8, 9}),
    "hk_macao_permit": frozenset({9, 11}),
    "masked_resident_id": frozenset({18}),
    "masked_mobile": frozenset({11}),
    "person_name": frozenset(range(2, 7)),
}
"""The only lengths each validator can accept, so detection skips hopeless values cheaply."""
FLOAT_CORRUPTION_FITS: dict[str, Callable[[FloatCorruption], bool]] = {
    "resident_id": is_float_corrupted_resident_id,
    "bank_card": is_float_corrupted_bank_card,
}
"""Validators whose identifiers, once squeezed into a float, still show enough to recognise."""

"""Check characters of Chinese identifier schemes: compute them and verify structure + check only.

Pure functions, no I/O. Each scheme is a weighted sum over the body, reduced modulo a prime:

* resident identity number (GB 11643-1999): 17 digits + a check char from ``10X98765432``;
* unified social credit code (GB 32100-2015): 18 symbols over a 31-symbol alphabet;
* organisation code (GB 11714-1997): 8 digits/capitals + a check digit or ``X``;
* Luhn (ISO/IEC 7812-1), used by bank card numbers.

The ``is_valid_*`` functions check only length, alphabet and check character. Whether the birth
date is real, the region prefix is known or the card header is plausible is the job of the
identifier validators built on top of these.
"""

from __future__ import annotations

from collections.abc import Iterable

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_BODY_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_DIGITS = frozenset("0123456789")
_USCC_VALUES = {symbol: value for value, symbol in enumerate(USCC_ALPHABET)}
_ORG_CODE_VALUES = {symbol: value for value, symbol in enumerate(ORG_CODE_BODY_CHARS)}


def _weighted_sum(values: Iterable[int], weights: tuple[int, ...]) -> int:
    """Sum of each symbol value times its position's weight."""
    return sum(value * weight for value, weight in zip(values, weights, strict=True))


def _require(condition: bool, message: str) -> None:
    """Raise ``ValueError`` with ``message`` when a body handed to a check function is malformed."""
    if not condition:
        raise ValueError(message)


def resident_id_check_char(first17: str) -> str:
    """Return the GB 11643 check character ('0'–'9' or 'X') for the first 17 digits of an ID."""
    _require(
        len(first17) == 17 and set(first17) <= _DIGITS,
        "a resident ID body is exactly 17 ASCII digits",
    )
    total = _weighted_sum(map(int, first17), RESIDENT_ID_WEIGHTS)
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def is_valid_resident_id_checksum(number: str) -> bool:
    """True when ``number`` is 17 digits and their check character (an upper-case X only)."""
    if len(number) != 18 or not set(number[:17]) <= _DIGITS:
        return False
    return resident_id_check_char(number[:17]) == number[17]


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 symbols of a credit code."""
    _require(
        len(first17) == 17 and set(first17) <= _USCC_VALUES.keys(),
        f"a credit code body is exactly 17 symbols from {USCC_ALPHABET!r}",
    )
    total = _weighted_sum((_USCC_VALUES[s] for s in first17), USCC_WEIGHTS)
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` is 18 credit-code symbols whose last one is the GB 32100 check character.

    Chars 9–17 embed an organisation code with its own check; verify it separately with
    ``is_valid_org_code(code[8:17])`` where the source is known to assign such codes.
    """
    if len(code) != 18 or not set(code) <= _USCC_VALUES.keys():
        return False
    return uscc_check_char(code[:17]) == code[17]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character ('0'–'9' or 'X') for an 8-char organisation code body."""
    _require(
        len(first8) == 8 and set(first8) <= _ORG_CODE_VALUES.keys(),
        "an organisation code body is exactly 8 ASCII digits or capital letters",
    )
    total = _weighted_sum((_ORG_CODE_VALUES[c] for c in first8), ORG_CODE_WEIGHTS)
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_org_code(code: str) -> bool:
    """True when ``code`` is an 8-char body plus its GB 11714 check character (no hyphen)."""
    if len(code) != 9 or not set(code[:8]) <= _ORG_CODE_VALUES.keys():
        return False
    return org_code_check_char(code[:8]) == code[8]


def luhn_check_digit(payload: str) -> str:
    """Return the Luhn check digit to append to the digit string ``payload``."""
    _require(payload != "" and set(payload) <= _DIGITS, "a Luhn payload is one or more digits")
    total = 0
    for position, digit in enumerate(reversed(payload)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def is_valid_luhn(number: str) -> bool:
    """True when ``number`` is two or more ASCII digits ending in their Luhn check digit."""
    if len(number) < 2 or not set(number) <= _DIGITS:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]

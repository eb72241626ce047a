"""Synthetic identifiers with correct check characters: credit codes, ID numbers, mobiles.

Check characters come from ``classification.checksums`` (the same functions the validators use),
so a generated identifier is valid by construction rather than by a second implementation.
"""

from __future__ import annotations

import zlib

import numpy as np

from classification.checksums import (
    USCC_ALPHABET,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)
from lab.demo.names import join, pick
from lab.reference.regions import CITY_CODE, DISTRICTS

NEW_ORG_PREFIXES = ("MA3", "MA7", "MA9", "MAC", "MAD")
"""Leading symbols of organisation codes assigned in Shandong since the 2015 reform."""

MOBILE_PREFIXES: tuple[str, ...] = tuple(
    str(p)
    for p in (
        *range(130, 140),
        *(150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 170, 173, 175, 176, 177, 178),
        *range(180, 190),
        *(191, 198, 199),
    )
)
"""Three-digit mobile prefixes in use by the mainland carriers."""


def _base31(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers written with ``width`` symbols of the credit-code alphabet."""
    alphabet = np.asarray(tuple(USCC_ALPHABET))
    digits = [alphabet[(numbers // 31**p) % 31] for p in reversed(range(width))]
    return join(*digits)


def organisation_bodies(rng: np.random.Generator, new_style: np.ndarray) -> np.ndarray:
    """Unique 8-char organisation code bodies: "MA…" for new entities, 8 digits for old ones."""
    size = len(new_style)
    bodies = np.empty(size, dtype="<U8")
    new_rows, old_rows = np.flatnonzero(new_style), np.flatnonzero(~new_style)
    pool = len(NEW_ORG_PREFIXES) * 31**5
    drawn = rng.choice(pool, size=new_rows.size, replace=False)
    prefixes = np.asarray(NEW_ORG_PREFIXES)[drawn // 31**5]
    bodies[new_rows] = join(prefixes, _base31(drawn % 31**5, 5))
    old = rng.choice(90_000_000, size=old_rows.size, replace=False) + 10_000_000
    bodies[old_rows] = old.astype(str)
    return bodies


def credit_codes(
    rng: np.random.Generator,
    kinds: np.ndarray,
    district_codes: np.ndarray,
    new_style: np.ndarray,
) -> np.ndarray:
    """Unique valid credit codes: 2-char kind ("91", "92", …) + district + org code + check."""
    bodies = organisation_bodies(rng, new_style)
    org_codes = [body + org_code_check_char(body) for body in bodies.tolist()]
    first17 = join(kinds, district_codes, np.asarray(org_codes))
    return np.asarray([code + uscc_check_char(code) for code in first17.tolist()])


def resident_ids(
    rng: np.random.Generator,
    district_codes: np.ndarray,
    birth_days: np.ndarray,
    male: np.ndarray,
) -> np.ndarray:
    """Valid 18-char ID numbers: region + YYYYMMDD + order code (odd for men) + check char."""
    birth = np.char.replace(np.datetime_as_string(birth_days.astype("datetime64[D]")), "-", "")
    order = rng.integers(0, 50, size=len(male)) * 2 + male.astype(int)
    place = rng.integers(0, 100, size=len(male))
    first17 = join(district_codes, birth, np.char.mod("%02d", place), order % 10)
    return np.asarray([body + resident_id_check_char(body) for body in first17.tolist()])


def mobile_numbers(rng: np.random.Generator, size: int) -> np.ndarray:
    """Numbers matching ``1[3-9]\\d{9}`` with real mainland carrier prefixes."""
    prefix = pick(rng, MOBILE_PREFIXES, size)
    return join(prefix, np.char.mod("%08d", rng.integers(0, 10**8, size=size)))


def masked_resident_ids(ids: np.ndarray) -> np.ndarray:
    """The display mask used on public pages: region kept, birth date and order hidden."""
    return join(np.char.ljust(ids.astype("<U6"), 14, "*"), np.asarray([i[-4:] for i in ids]))


def agency_credit_code(name: str) -> str:
    """A stable credit code for a government agency ('11…', 机构编制), derived from its name.

    The region segment is the district named in the agency's name, else the city's code.
    """
    region = next((d.code for d in DISTRICTS if d.name in name), CITY_CODE)
    body = f"{zlib.crc32(name.encode()) % 10**8:08d}"
    first17 = "11" + region + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def serial_pool(size: int) -> int:
    """How many serial numbers ``document_serials`` spreads ``size`` documents over."""
    return max(10 * size, 10_000)


def document_serials(rng: np.random.Generator, size: int, start: int = 1) -> np.ndarray:
    """Distinct serial numbers from ``start`` on, for document and case numbers drawn together.

    A second batch that must not clash with a first one starts after ``serial_pool`` of it.
    """
    return rng.choice(serial_pool(size), size=size, replace=False) + start

"""Measure false-positive and false-negative rates of the validators, detectors and scanner.

    .venv/bin/python -m tests.unit.classification.error_rates [--values 100000] [--columns 1000]

Value level: the share of random strings each validator accepts (false positives) and the share
of valid generated identifiers it rejects (false negatives). Column level: how many header-less
columns of random numbers are graded T4 (false positives), and how many columns of real IDs —
with noise, with and without a header cue, float-corrupted, or hidden in remarks — are missed
(false negatives). Seeded, so the figures in ``docs/classification.md`` are reproducible; the
unit tests run a smaller configuration and bound the same rates.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from classification.checksums import is_valid_resident_id_checksum, resident_id_check_char
from classification.detectors import detect_column
from classification.guide import load_guide
from classification.normalise import float_corruption
from classification.scanner import scan_column
from classification.tiers import Tier
from classification.validators import (
    PROVINCE_CODES,
    is_bank_card,
    is_credit_code,
    is_float_corrupted_resident_id,
    is_mobile,
    is_org_code,
    is_resident_id,
)
from tests.unit.classification.identifiers import credit_code, resident_id

GUIDE = load_guide()
USCC_SYMBOLS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _digits(rng: random.Random, width: int) -> str:
    """A random string of ``width`` digits (leading zeros allowed)."""
    return f"{rng.randrange(10**width):0{width}d}"


def _real_id(rng: random.Random) -> str:
    """A valid resident ID with a random province, region, birth date and order code."""
    region = rng.choice(sorted(PROVINCE_CODES)) + _digits(rng, 4)
    born = date(1900, 1, 1) + timedelta(days=rng.randrange(45_000))
    return resident_id(region, born, _digits(rng, 3))


def _share(values: list[str], accept: Callable[[str], bool]) -> float:
    """Share of ``values`` that ``accept`` takes."""
    return sum(map(accept, values)) / len(values)


def value_rates(count: int = 100_000, seed: int = 11) -> dict[str, float]:
    """Per-value acceptance rates of random strings, and rejection rates of real identifiers."""
    rng = random.Random(seed)
    random18 = [_digits(rng, 18) for _ in range(count)]
    real_ids = [_real_id(rng) for _ in range(count)]
    codes = [
        credit_code(rng.choice(["91", "92", "93", "N2", "Y1", "11", "52"]), _digits(rng, 6),
                    "".join(rng.choice(USCC_SYMBOLS) for _ in range(8)))
        for _ in range(count)
    ]  # fmt: skip
    floats = [f"{float(n):.14e}" for n in real_ids if n[-1] != "X"]
    return {
        "random 18 digits pass the ID checksum alone": _share(
            random18, is_valid_resident_id_checksum
        ),
        "random 18 digits pass the full resident-ID check": _share(random18, is_resident_id),
        "random 18 digits pass the full credit-code check": _share(random18, is_credit_code),
        "random 11 digits pass the mobile check": _share(
            [_digits(rng, 11) for _ in range(count)], is_mobile
        ),
        "random 16–19 digits pass the bank-card check": _share(
            [_digits(rng, rng.randint(16, 19)) for _ in range(count)], is_bank_card
        ),
        "random 9 digits pass the organisation-code check": _share(
            [_digits(rng, 9) for _ in range(count)], is_org_code
        ),
        "real resident IDs rejected": 1 - _share(real_ids, is_resident_id),
        "real credit codes rejected": 1 - _share(codes, is_credit_code),
        "float-corrupted real IDs not recognised": 1
        - _share(floats, lambda v: is_float_corrupted_resident_id(float_corruption(v))),
    }


def _graded_t4(name: str, values: list[str]) -> bool:
    """Whether one column, detected on its own, is graded T4 (or stricter)."""
    return detect_column(name, pd.Series(values, dtype=object), GUIDE).finding.level >= Tier.T4


def _noisy_ids(rng: random.Random, rows: int, noise: float) -> list[str]:
    """A column of real IDs where a share ``noise`` of cells is random 18-digit junk."""
    return [_digits(rng, 18) if rng.random() < noise else _real_id(rng) for _ in range(rows)]


def _checksum_serial(rng: random.Random) -> str:
    """A random 17-digit body plus its GB 11643 check character (passes the checksum only)."""
    body = _digits(rng, 17)
    return body + resident_id_check_char(body)


def column_rates(columns: int = 1000, rows: int = 200, seed: int = 12) -> dict[str, float]:
    """Share of columns graded T4 per kind of column (FP for random kinds, 1 − FN for real IDs)."""
    rng = random.Random(seed)

    def rate(name: str, make: Callable[[], list[str]]) -> float:
        return sum(_graded_t4(name, make()) for _ in range(columns)) / columns

    def remarks_with_one_id() -> bool:
        cells = ["企业经营正常"] * rows
        cells[rng.randrange(rows)] = f"经办人{_real_id(rng)}已核实"
        return bool(scan_column(pd.Series(cells, dtype=object)).found)

    return {
        "FP: header-less random 18-digit columns graded T4": rate(
            "col", lambda: [_digits(rng, 18) for _ in range(rows)]
        ),
        "FP: header-less checksum-passing serial columns graded T4": rate(
            "col", lambda: [_checksum_serial(rng) for _ in range(rows)]
        ),
        "FP: header-less random 16-digit Luhn-valid columns graded T4": rate(
            "col",
            lambda: [n for n in (_digits(rng, 16) for _ in range(rows * 12)) if is_bank_card(n)],
        ),
        "FN: header-less ID columns, no noise, missed": 1
        - rate("col", lambda: _noisy_ids(rng, rows, 0.0)),
        "FN: header-less ID columns, 10% junk, missed": 1
        - rate("col", lambda: _noisy_ids(rng, rows, 0.1)),
        "FN: header-less ID columns, 30% junk, missed": 1
        - rate("col", lambda: _noisy_ids(rng, rows, 0.3)),
        "FN: '身份证号' columns, 70% junk, missed": 1
        - rate("身份证号", lambda: _noisy_ids(rng, rows, 0.7)),
        "FN: '身份证号' columns float-corrupted, missed": 1
        - rate(
            "身份证号", lambda: [f"{float(_real_id(rng)[:17] + '0'):.14e}" for _ in range(rows)]
        ),
        "FN: remarks with one embedded ID, missed": 1
        - sum(remarks_with_one_id() for _ in range(columns)) / columns,
    }


def main() -> None:
    """Print both tables as markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=1000)
    args = parser.parse_args()
    print(f"| value-level ({args.values:,} values each) | rate |\n|---|---|")
    for label, value in value_rates(args.values).items():
        print(f"| {label} | {value:.4%} |")
    print(f"\n| column-level ({args.columns:,} columns × 200 rows each) | rate |\n|---|---|")
    for label, value in column_rates(args.columns).items():
        print(f"| {label} | {value:.2%} |")


if __name__ == "__main__":
    main()

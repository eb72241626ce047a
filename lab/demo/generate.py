"""One generator run: draw the firm population once, build every table, write files + manifest.

Each table draws from its own random stream, keyed by the seed and the table's name, so adding
or changing one table leaves every other file byte-identical. Tables are written as soon as
they are built and then dropped, which keeps memory flat at large scales.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from lab.demo import (
    air,
    annual,
    credit,
    customs,
    judicial,
    licences,
    loans,
    open_places,
    open_series,
    payroll,
    persons,
    prohibited,
    register,
    shuanggongshi,
    tax,
    transit,
    utilities,
)
from lab.demo.firms import build_firms
from lab.demo.manifest import DemoDataset, DemoManifest, DemoTable
from lab.demo.monthly import build_panel
from lab.demo.penalties import firm_penalties
from lab.demo.timeline import AS_OF, MONTHS
from lab.demo.writer import write_table
from lab.errors import InvalidInput

MAX_SCALE = 10_000_000
Progress = Callable[[str, int], None]


def stream(seed: int, name: str) -> np.random.Generator:
    """The independent random stream of one part of the run."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _check(scale: int, seed: int) -> None:
    """Refuse parameters the generator cannot honour, saying what would work."""
    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InvalidInput(f"scale must be a whole number of enterprises in 1..{MAX_SCALE}")
    if not isinstance(seed, int) or seed < 0:
        raise InvalidInput("seed must be a non-negative whole number")


def build_tables(scale: int, seed: int) -> Iterator[DemoTable]:
    """Every demo table, one at a time, in a fixed order."""
    firms = build_firms(stream(seed, "firms"), scale)
    panel = build_panel(stream(seed, "panel"), firms)
    penalties = firm_penalties(
        stream(seed, "penalties"), firms, repairs=stream(seed, "penalty-records")
    )
    yield from transit.build_bus_network(stream(seed, "transit"))
    yield air.build_air_quality(stream(seed, "air"))
    for spec in (*open_places.SPECS, *open_series.SPECS):
        yield spec.build(stream(seed, spec.id))
    yield register.build_register(firms)
    yield licences.build_licences(stream(seed, "licences"), firms)
    yield shuanggongshi.build_public_penalties(firms, penalties)
    yield shuanggongshi.build_penalties_with_persons(stream(seed, "trap"), firms, penalties)
    yield annual.build_annual_reports(stream(seed, "annual"), panel)
    yield tax.build_tax_monthly(stream(seed, "tax"), panel)
    yield payroll.build_social_insurance_monthly(stream(seed, "social-insurance"), panel)
    yield payroll.build_housing_fund_monthly(stream(seed, "housing-fund"), panel)
    yield utilities.build_utilities_monthly(stream(seed, "utilities"), panel)
    yield customs.build_customs_monthly(stream(seed, "customs"), panel)
    yield credit.build_penalty_records(firms, penalties)
    yield credit.build_tax_credit_grades(stream(seed, "tax-grades"), firms)
    yield credit.build_abnormal_operations(stream(seed, "abnormal"), firms)
    yield judicial.build_judicial_cases(stream(seed, "judicial"), firms)
    yield judicial.build_dishonest_debtors(stream(seed, "dishonest"), firms)
    yield loans.build_loan_outcomes(stream(seed, "loans"), firms)
    yield persons.build_persons(stream(seed, "persons"), firms, scale)
    yield prohibited.build_access_accounts(stream(seed, "prohibited"))


def generate_demo_data(
    out_dir: Path,
    *,
    scale: int = 10_000,
    seed: int = 20261122,
    progress: Progress | None = None,
) -> DemoManifest:
    """Write the demo files and ``manifest.json`` into ``out_dir``; the same seed and scale
    always give byte-identical files. ``progress(dataset_id, rows)`` is called after each file.
    """
    _check(scale, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[DemoDataset] = []
    for table in build_tables(scale, seed):
        write_table(table, out_dir)
        written.append(table.dataset)
        if progress is not None:
            progress(table.dataset.id, table.dataset.row_count)
    manifest = DemoManifest(
        seed=seed, scale=scale, as_of=AS_OF.isoformat(), months=MONTHS, datasets=tuple(written)
    )
    manifest.write(out_dir)
    return manifest

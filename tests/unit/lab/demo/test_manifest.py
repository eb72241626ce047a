"""Manifest entries validate themselves and survive a JSON round trip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lab.demo.manifest import (
    CategoricalDomain,
    DemoDataset,
    DemoManifest,
    DPHints,
    NumericBound,
)
from lab.gateway.domains import is_generated, parse_domain
from lab.reference import PUBLIC_CODE_LISTS

ENTRY = DemoDataset(
    id="tax-monthly",
    title="企业月度纳税信息",
    title_en="Monthly tax",
    description="…",
    department="国家税务总局青岛市税务局",
    topic="财税金融",
    tags=("纳税",),
    update_frequency="monthly",
    intended_tier="T3",
    file_name="tax-monthly.parquet",
    format="parquet",
    encoding=None,
    row_count=2,
    columns=("统一社会信用代码", "所属区", "实缴税额（元）"),
    identifier_columns=("统一社会信用代码",),
    dp=DPHints(
        privacy_unit="统一社会信用代码",
        max_rows_per_unit=24,
        numeric_bounds=(NumericBound("实缴税额（元）", 0, 100),),
        categorical_domains=(CategoricalDomain("所属区", "qingdao_district_name"),),
    ),
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "Tax Monthly"}, "slug"),
        ({"intended_tier": "T6"}, "tier"),
        ({"update_frequency": "sometimes"}, "frequency"),
        ({"format": "csv"}, "format"),
        ({"file_name": "tax-monthly.csv"}, "extension"),
        ({"identifier_columns": ("身份证号",)}, "identifier"),
        ({"dp": None}, "T3 needs DP hints"),
        ({"dp": replace(ENTRY.dp, privacy_unit="身份证号")}, "unknown columns"),
    ],
)
def test_inconsistent_entries_are_refused(change: dict, message: str) -> None:
    """Each kind of inconsistency fails when the entry is built, naming the problem."""
    with pytest.raises(ValueError, match=message):
        replace(ENTRY, **change)


def test_dp_hints_refuse_empty_bounds_unknown_lists_and_zero_rows() -> None:
    """Bounds must be an interval, code lists must be published, units must contribute rows."""
    with pytest.raises(ValueError, match="empty"):
        NumericBound("x", 5, 1)
    with pytest.raises(ValueError, match="unknown code list"):
        CategoricalDomain("所属区", "districts_seen_in_data")
    with pytest.raises(ValueError, match="at least 1"):
        DPHints(privacy_unit="x", max_rows_per_unit=0)


def test_manifest_round_trips_through_json(tmp_path: Path) -> None:
    """Writing and reading back gives an equal manifest, so later tools can trust the file."""
    manifest = DemoManifest(
        seed=1, scale=2, as_of="2026-10-31", months=("2026-10",), datasets=(ENTRY,)
    )
    assert DemoManifest.read(manifest.write(tmp_path)) == manifest


def test_duplicate_ids_are_refused() -> None:
    """Two entries with one id would overwrite each other's file."""
    with pytest.raises(ValueError, match="unique"):
        DemoManifest(seed=1, scale=2, as_of="2026-10-31", months=(), datasets=(ENTRY, ENTRY))


def test_generated_domains_come_from_public_lists(manifest: DemoManifest, read) -> None:
    """Every categorical value in a DP-hinted column lies in its public code list, and every
    monthly table's months lie in its declared month range (no month falls in no group)."""
    checked, ranges = 0, 0
    for dataset in (d for d in manifest.datasets if d.dp is not None):
        frame = read(dataset.id)
        for domain in dataset.dp.categorical_domains:
            values = set(frame[domain.column].astype(str))
            if is_generated(domain.code_list):
                public = set(parse_domain(domain.code_list).labels())
                ranges += 1
            else:
                public = set(PUBLIC_CODE_LISTS[domain.code_list])
            assert values <= public, (dataset.id, domain)
            checked += 1
    assert checked >= 10 and ranges >= 4

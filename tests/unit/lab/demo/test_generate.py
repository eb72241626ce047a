"""A generator run: reproducible bytes, the scale honoured, every tier and format delivered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lab.demo import DemoManifest, generate_demo_data
from lab.demo.prohibited import PROHIBITED_COLUMNS
from lab.demo.timeline import MONTH_COUNT
from lab.errors import InvalidInput
from lab.gateway.domains import is_generated
from lab.reference import public_code_list
from tests.unit.lab.demo.conftest import SCALE, SEED

MONTHLY = (
    "tax-monthly",
    "social-insurance-monthly",
    "housing-fund-monthly",
    "utilities-monthly",
    "customs-monthly",
)


def _file_bytes(directory: Path) -> dict[str, bytes]:
    """Every file of a run by name."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_same_seed_gives_byte_identical_files(demo_dir: Path, tmp_path: Path) -> None:
    """Rerunning with the same seed and scale reproduces every file, manifest included."""
    generate_demo_data(tmp_path, scale=SCALE, seed=SEED)
    assert _file_bytes(tmp_path) == _file_bytes(demo_dir)


def test_different_seed_gives_different_data(demo_dir: Path, tmp_path: Path) -> None:
    """Another seed changes the data files (only the fixed-size ones may coincide)."""
    generate_demo_data(tmp_path, scale=SCALE, seed=SEED + 1)
    ours, theirs = _file_bytes(demo_dir), _file_bytes(tmp_path)
    assert ours.keys() == theirs.keys()
    assert all(ours[name] != theirs[name] for name in ours)


def test_manifest_lists_exactly_the_files_written(demo_dir: Path, manifest: DemoManifest) -> None:
    """Each file on disk has one manifest entry and vice versa."""
    on_disk = {p.name for p in demo_dir.iterdir()} - {"manifest.json"}
    assert on_disk == {d.file_name for d in manifest.datasets}
    assert (manifest.seed, manifest.scale, len(manifest.months)) == (SEED, SCALE, MONTH_COUNT)


def test_row_counts_match_the_manifest(manifest: DemoManifest, read) -> None:
    """The row count and columns recorded for each dataset are those of its file."""
    for dataset in manifest.datasets:
        frame = read(dataset.id)
        assert len(frame) == dataset.row_count, dataset.id
        assert tuple(frame.columns) == dataset.columns, dataset.id


def test_scale_sets_the_number_of_enterprises_and_persons(manifest: DemoManifest) -> None:
    """Register and person tables have one row per unit; monthly tables at most 24 per firm."""
    assert manifest.dataset("enterprise-register").row_count == SCALE
    assert manifest.dataset("resident-contacts").row_count == SCALE
    for dataset_id in MONTHLY:
        assert 0 < manifest.dataset(dataset_id).row_count <= SCALE * MONTH_COUNT


def test_larger_scale_grows_the_enterprise_tables(tmp_path: Path, manifest: DemoManifest) -> None:
    """Doubling the scale doubles the register and roughly doubles the monthly tables."""
    bigger = generate_demo_data(tmp_path, scale=2 * SCALE, seed=SEED)
    assert bigger.dataset("enterprise-register").row_count == 2 * SCALE
    ratio = bigger.dataset("tax-monthly").row_count / manifest.dataset("tax-monthly").row_count
    assert 1.6 < ratio < 2.4


def test_every_tier_is_present(manifest: DemoManifest) -> None:
    """The demo covers T1 to T5, with DP hints on every T3 dataset."""
    tiers = {d.intended_tier for d in manifest.datasets}
    assert tiers == {"T1", "T2", "T3", "T4", "T5"}
    assert all(d.dp is not None for d in manifest.datasets if d.intended_tier == "T3")


def test_the_prohibited_file_has_credential_and_biometric_columns(
    manifest: DemoManifest, read
) -> None:
    """The T5 file carries password hashes and fingerprint templates, non-empty."""
    (dataset,) = [d for d in manifest.datasets if d.intended_tier == "T5"]
    frame = read(dataset.id)
    for column in PROHIBITED_COLUMNS:
        assert frame[column].str.len().min() > 20
    assert frame["登录密码"].str.startswith("pbkdf2_sha256$").all()


def test_every_format_and_encoding_the_ingest_needs_is_written(manifest: DemoManifest) -> None:
    """At least one GBK CSV, one UTF-8-with-BOM CSV, one XLSX and one Parquet, mostly CSV."""
    kinds = [(d.format, d.encoding) for d in manifest.datasets]
    for kind in [("csv", "gbk"), ("csv", "utf-8-sig"), ("csv", "utf-8"), ("xlsx", None)]:
        assert kind in kinds
    assert ("parquet", None) in kinds
    assert sum(fmt == "csv" for fmt, _ in kinds) > len(kinds) / 2


def test_money_columns_are_integers(manifest: DemoManifest, read) -> None:
    """Every column in 元 is an integer column in the file (exact sums downstream)."""
    for dataset in manifest.datasets:
        frame = read(dataset.id)
        for column in (c for c in frame.columns if "（元）" in c):
            assert pd.api.types.is_integer_dtype(frame[column]), (dataset.id, column)


def test_dp_bounds_cover_integer_columns_of_restricted_tables(manifest: DemoManifest, read) -> None:
    """Numeric bounds name integer columns, and the privacy unit never exceeds its row bound."""
    for dataset in (d for d in manifest.datasets if d.dp is not None):
        frame = read(dataset.id)
        for bound in dataset.dp.numeric_bounds:
            assert pd.api.types.is_integer_dtype(frame[bound.column]), (dataset.id, bound)
        per_unit = frame[dataset.dp.privacy_unit].value_counts()
        assert per_unit.max() <= dataset.dp.max_rows_per_unit, dataset.id


def test_code_list_domains_hold_every_value_of_their_columns(manifest: DemoManifest, read) -> None:
    """Each key declared with a public code list (e.g. the monthly tables' 行业门类, the sections
    of the demo register) holds only listed values, so no row falls in no group."""
    for dataset in (d for d in manifest.datasets if d.dp is not None):
        frame = read(dataset.id)
        for domain in dataset.dp.categorical_domains:
            if is_generated(domain.code_list):
                continue
            values = set(frame[domain.column].dropna().astype(str))
            assert values <= set(public_code_list(domain.code_list)), (dataset.id, domain)


def test_identifier_columns_are_text_in_typed_formats(
    demo_dir: Path, manifest: DemoManifest
) -> None:
    """Parquet and XLSX store identifier columns as strings, so leading zeros and X survive."""
    for dataset in manifest.datasets:
        if dataset.format == "parquet":
            frame = pd.read_parquet(demo_dir / dataset.file_name)
        elif dataset.format == "xlsx":
            frame = pd.read_excel(demo_dir / dataset.file_name)
        else:
            continue
        for column in dataset.identifier_columns:
            assert frame[column].map(type).eq(str).all(), (dataset.id, column)


def test_progress_reports_each_dataset(tmp_path: Path, manifest: DemoManifest) -> None:
    """The progress callback hears every dataset id with its row count, in order."""
    heard: list[tuple[str, int]] = []
    generate_demo_data(tmp_path, scale=SCALE, seed=SEED, progress=lambda i, n: heard.append((i, n)))
    assert heard == [(d.id, d.row_count) for d in manifest.datasets]


@pytest.mark.parametrize(("scale", "seed"), [(0, 1), (-5, 1), (1.5, 1), (10, -1)])
def test_bad_parameters_are_refused(tmp_path: Path, scale, seed) -> None:
    """A scale outside 1..10M or a negative seed is a caller error that writes nothing."""
    with pytest.raises(InvalidInput, match=r"scale|seed"):
        generate_demo_data(tmp_path / "out", scale=scale, seed=seed)
    assert not (tmp_path / "out").exists()


def test_tiny_scale_still_produces_every_dataset(tmp_path: Path, manifest: DemoManifest) -> None:
    """Even one firm yields every file (some tables may be empty but keep their columns)."""
    tiny = generate_demo_data(tmp_path, scale=1, seed=3)
    assert [d.id for d in tiny.datasets] == [d.id for d in manifest.datasets]
    assert np.all([d.columns == manifest.dataset(d.id).columns for d in tiny.datasets])

"""A city's own names: the demo's sources renamed, only the mapping edited, profiles identical.

The demo's credit datasets are published twice into one real catalogue (PostgreSQL): as
generated, and with every dataset slug and every column renamed. The steward's tools run as a
user runs them (``datalab credit sources check|set``, ``datalab credit refresh``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from lab.credit.mapping import parse_mapping, shipped_mapping, shipped_text
from lab.credit.mapping_store import save_mapping
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, Dataset, DatasetVersion
from lab.demo.catalogue import load_demo_catalogue
from lab.demo.manifest import DemoDataset, DemoManifest, DPHints
from lab.services import open_services
from lab.settings import LabSettings
from tests.unit.lab.cli.shell import datalab

SUFFIX = "（本市）"


def _column(name: str) -> str:
    return name + SUFFIX


def _slug(slug: str) -> str:
    return f"city-{slug}"


def _renamed_dp(dp: DPHints | None) -> DPHints | None:
    if dp is None:
        return None
    return DPHints(
        privacy_unit=_column(dp.privacy_unit),
        max_rows_per_unit=dp.max_rows_per_unit,
        numeric_bounds=tuple(replace(b, column=_column(b.column)) for b in dp.numeric_bounds),
        categorical_domains=tuple(
            replace(d, column=_column(d.column)) for d in dp.categorical_domains
        ),
    )


def _read(path: Path, entry: DemoDataset) -> pd.DataFrame:
    if entry.format == "parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=entry.encoding)


def _write(frame: pd.DataFrame, path: Path, entry: DemoDataset) -> None:
    if entry.format == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding=entry.encoding)


def _renamed(entry: DemoDataset, source: Path, out: Path) -> DemoDataset:
    """``entry``'s file under a new slug with every column renamed."""
    renamed = replace(
        entry,
        id=_slug(entry.id),
        file_name=f"{_slug(entry.id)}.{entry.format}",
        columns=tuple(_column(c) for c in entry.columns),
        identifier_columns=tuple(_column(c) for c in entry.identifier_columns),
        dp=_renamed_dp(entry.dp),
    )
    frame = _read(source / entry.file_name, entry)
    _write(frame.rename(columns=_column), out / renamed.file_name, renamed)
    return renamed


def _renamed_mapping() -> str:
    """The shipped mapping with only its slugs and column names edited."""
    text = shipped_text().replace('version = "demo-2026.2"', 'version = "city-2026.1"')
    mapping = shipped_mapping()
    for slug in mapping.datasets():
        text = text.replace(f'"{slug}"', f'"{_slug(slug)}"')
    columns = {c for b in mapping.bindings.values() for c in b.columns.values()}
    for column in columns:
        text = text.replace(f'"{column}"', f'"{_column(column)}"')
    return text


@pytest.fixture
def city_lab(tmp_path, postgres_url: str, demo_files: dict[str, str]):
    """A lab (PostgreSQL) with the demo's credit datasets published as generated and renamed."""
    source = Path(next(iter(demo_files.values()))).parent
    manifest = DemoManifest.read(source / "manifest.json")
    wanted = set(shipped_mapping().datasets())
    entries = [d for d in manifest.datasets if d.id in wanted]
    out = tmp_path / "sources"
    out.mkdir()
    for entry in entries:
        (out / entry.file_name).write_bytes((source / entry.file_name).read_bytes())
    renamed = [_renamed(entry, source, out) for entry in entries]
    replace(manifest, datasets=tuple(entries + renamed)).write(out)
    settings = LabSettings(home=tmp_path / "home", database_url=postgres_url)
    lab = open_services(settings)
    loaded = load_demo_catalogue(lab, out)
    assert [r.state for r in loaded] == ["published"] * len(loaded), loaded
    try:
        yield lab, {"DATALAB_DATABASE_URL": postgres_url}
    finally:
        lab.close()


def _tiers(lab) -> dict[str, str]:
    with lab.sessions() as session:
        rows = session.execute(
            select(Dataset.slug, DatasetVersion.tier).join(
                DatasetVersion, DatasetVersion.id == Dataset.current_version_id
            )
        )
        return dict(rows.all())


def _profiles(lab) -> dict[str, str]:
    with lab.sessions() as session:
        rows = session.execute(select(CreditProfileFeatures)).scalars()
        return {
            row.credit_code: json.dumps([row.features, row.data_as_of], ensure_ascii=False)
            for row in rows
        }


def test_renamed_sources_need_only_a_new_mapping(city_lab, tmp_path) -> None:
    """Refresh from the demo's names, then from the renamed copies after editing only the
    mapping: every enterprise's stored profile features are byte-identical."""
    lab, env = city_lab
    home = lab.settings.home
    tiers = _tiers(lab)
    assert all(tiers[_slug(slug)] == tier for slug, tier in tiers.items() if _slug(slug) in tiers)
    checked = datalab(home, "credit", "sources", "check", **env)
    assert checked.returncode == 0, checked.stderr
    assert "mapping demo-2026.2: OK, 14 inputs bound" in checked.stdout
    first = datalab(home, "credit", "refresh", **env)
    assert first.returncode == 0, first.stderr
    before = _profiles(lab)
    assert len(before) > 250

    edited = tmp_path / "city.toml"
    edited.write_text(_renamed_mapping(), encoding="utf-8")
    stored = datalab(home, "credit", "sources", "set", str(edited), "--note", "本市命名", **env)
    assert stored.returncode == 0, stored.stderr
    shown = datalab(home, "credit", "sources", "show", **env)
    assert 'version = "city-2026.1"' in shown.stdout and "city-tax-monthly" in shown.stdout
    second = datalab(home, "credit", "refresh", **env)
    assert second.returncode == 0, second.stderr
    after = _profiles(lab)
    assert after == before


def test_check_names_what_is_missing_and_refresh_refuses(city_lab, tmp_path) -> None:
    """A mapping naming an unpublished dataset and a column the dictionary lacks: ``check``
    lists both, ``set`` refuses to store it, and once it is in force ``refresh`` refuses too."""
    lab, env = city_lab
    home = lab.settings.home
    broken = (
        shipped_text()
        .replace('"credit-tax-grades"', '"tax-grades-2026"')
        .replace('"欠缴金额（元）"', '"欠缴额"')
    )
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    checked = datalab(home, "credit", "sources", "check", "--file", str(path), **env)
    assert checked.returncode == 1
    assert "2 problems" in checked.stderr
    assert "[inputs.tax_grades]: dataset 'tax-grades-2026' has no published version" in (
        checked.stderr
    )
    assert (
        "[inputs.social_insurance_monthly]: column '欠缴额' (amount_owed) is not in"
        " 'social-insurance-monthly' version 1" in checked.stderr
    )
    refused = datalab(home, "credit", "sources", "set", str(path), "--note", "x", **env)
    assert refused.returncode == 2 and "is invalid (2 problems)" in refused.stderr

    with transaction(lab.sessions) as session:  # as if the catalogue changed under the mapping
        save_mapping(session, lab.audit, mapping=parse_mapping(broken), actor="test", note="bypass")
    refreshed = datalab(home, "credit", "refresh", **env)
    assert refreshed.returncode == 2
    assert "has no published version" in refreshed.stderr
    assert "datalab credit sources check" in refreshed.stderr
    assert _profiles(lab) == {}

"""Every demo dataset classifies to its intended tier with the packaged guide and no override."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classification import DatasetClassification, Tier, classify_frame, load_guide
from lab.demo.generate import generate_demo_data
from lab.demo.manifest import DemoDataset


def _read_as_strings(path: Path, dataset: DemoDataset) -> pd.DataFrame:
    """The file as the ingest would hand it over: every cell a string, blanks as None."""
    if dataset.format == "parquet":
        table = pq.read_table(path)
        frame = table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))
        return frame.to_pandas().astype(object)
    if dataset.format == "xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=dataset.encoding)
    return frame.astype(object).where(frame != "", None)


@pytest.fixture(scope="module")
def classified(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[DemoDataset, DatasetClassification]]:
    """Each demo dataset (scale 300) with its classification under the packaged guide."""
    out_dir = tmp_path_factory.mktemp("demo")
    manifest = generate_demo_data(out_dir, scale=300, seed=20261122)
    guide = load_guide()
    return [
        (d, classify_frame(_read_as_strings(out_dir / d.file_name, d), guide=guide))
        for d in manifest.datasets
    ]


def test_every_demo_dataset_lands_in_its_intended_tier(classified) -> None:
    """No dataset is graded above or below the tier its manifest entry intends."""
    wrong = [
        f"{d.id}: intended {d.intended_tier}, got {r.tier}: {r.reasons[1]}"
        for d, r in classified
        if r.tier != d.intended_tier
    ]
    assert wrong == []


def test_demo_covers_every_tier(classified) -> None:
    """The check above is not vacuous: the demo has datasets of all five tiers."""
    assert {Tier(d.intended_tier) for d, _ in classified} == set(Tier)


def test_the_t5_file_is_rejected(classified) -> None:
    """The credentials/biometrics file is rejected on the negative list."""
    rejected = [d.id for d, r in classified if r.rejected]
    assert rejected == [d.id for d, _ in classified if d.intended_tier == "T5"] != []


def test_demo_identifier_columns_are_never_shown(classified) -> None:
    """Columns holding personal identifiers are never T1 (the profiler must not show them)."""
    personal = {"RESIDENT_ID", "MOBILE", "PERSON_NAME", "COUNTERPARTY_NATURAL_PERSON"}
    shown = [
        f"{d.id}.{c.name}"
        for d, r in classified
        for c in r.columns
        if c.category in personal and r.may_show_values(c.name)
    ]
    assert shown == []
